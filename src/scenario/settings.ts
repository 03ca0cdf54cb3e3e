/** `--set KEY=VALUE` configuration overrides of the command line (scenario-language.md §8). */
import type { Config } from '../core/config.ts';
import { defaultConfig } from '../core/config.ts';
import { replaceConfig } from './edit.ts';
import {
  KVM_SWITCH_BY_KEY,
  SETTING_KEYS,
  settingKey,
  VMM_SETTINGS,
  X2APIC_API_FLAGS,
} from './grammar/config.ts';
import { parseScenario } from './parse.ts';

/** The keys as the unknown-key message lists them (`kvm.<key>` for every switch). */
const KEY_LIST = [
  ...new Set(
    SETTING_KEYS.map((s) =>
      s.key.startsWith('kvm.') ? 'kvm.<key>' : s.key === 'guest.all' ? 'guest.<cpu|all>' : s.key,
    ),
  ),
].join(', ');

/**
 * Applies one override by parsing it as the configuration statement it stands for, so that
 * every value gets the same checks and messages as in a file. Returns a problem, or null.
 */
export function applySetting(config: Config, setting: string): string | null {
  const eq = setting.indexOf('=');
  if (eq <= 0) return 'expected KEY=VALUE';
  const key = setting.slice(0, eq).trim().toLowerCase();
  const value = setting.slice(eq + 1).trim();
  // One key, one value: `kvm. pv-eoi` or `kvm.a=off b=off` would parse as a statement of which
  // only a part (or nothing) is applied. `apic` alone takes its whole statement (`xapic cpuid=…`).
  const sk = /\s/.test(key) ? undefined : settingKey(key);
  if (!sk) return `unknown key '${key}': ${KEY_LIST}`;
  if (key !== 'apic' && /\s/.test(value)) return `'${key}' takes one value, not '${value}'`;
  const parsed = parseScenario(sk.statement(value));
  if (!parsed.ok) return parsed.errors[0].message;
  const c = parsed.scenario.config;
  const vmm = VMM_SETTINGS.find((s) => `${s.statement}.${s.key}` === key);
  if (vmm) {
    // The SEOIB life's VMM keys (R8.8-R8.12): a policy replaces what `kvm seoib=` chose.
    config.vmm = { ...config.vmm, [vmm.field]: c.vmm[vmm.field] };
    if (vmm.field === 'seoibPolicy') config.kvm = { ...config.kvm, seoib: 'quirked' };
    return null;
  }
  switch (key) {
    case 'vcpus':
      config.vcpus = c.vcpus;
      break;
    case 'apic':
      // `--set apic=xapic` or `--set "apic=xapic cpuid=x2apic"`: the whole statement.
      config.apic = c.apic;
      config.apicCpuid = c.apicCpuid;
      break;
    case 'irqchip':
      config.irqchip = c.irqchip;
      break;
    case 'apicv':
      config.apicv = c.apicv;
      break;
    case 'secure-avic':
      config.secureAvic = c.secureAvic;
      break;
    case 'ioapic.version':
      config.ioapicVersion = c.ioapicVersion;
      break;
    default:
      if (key.startsWith('x2apic-api.')) {
        const f = X2APIC_API_FLAGS.find((x) => `x2apic-api.${x.key}` === key)!;
        config.x2apicApi = { ...config.x2apicApi, [f.field]: c.x2apicApi[f.field] };
      } else if (key.startsWith('kvm.')) {
        config.kvm = { ...config.kvm, ...pickChanged(c.kvm, key.slice(4)) };
      } else if (c.guestAll) {
        config.guestAll = c.guestAll;
        config.guests = {};
      } else {
        // A per-vCPU override on top of `guest all`: per-vCPU profiles win (guestProfileOf).
        config.guests = { ...config.guests, ...c.guests };
      }
  }
  return null;
}

/** The one switch a `kvm.KEY=…` setting names (the statement parsed, so KEY is a switch). */
function pickChanged(k: Config['kvm'], key: string): Partial<Config['kvm']> {
  const field = KVM_SWITCH_BY_KEY.get(key)!.field;
  return { [field]: k[field] };
}

/**
 * The compare view's second scenario: `text` with the settings applied to its configuration
 * (configuration lines rewritten in place, everything else kept). Errors name the setting.
 */
export function deriveCompare(
  text: string,
  config: Config,
  settings: string[],
): { ok: true; text: string } | { ok: false; error: string } {
  const next = structuredClone(config);
  for (const s of settings) {
    const problem = applySetting(next, s);
    if (problem) return { ok: false, error: `${s}: ${problem}` };
  }
  return { ok: true, text: replaceConfig(text, next) };
}

/** Why a `--set` setting does not apply to the default configuration, or null (share links' c=). */
export function checkSetting(setting: string): string | null {
  return applySetting(defaultConfig(), setting) ?? null;
}
