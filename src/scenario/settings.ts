/** `--set KEY=VALUE` configuration overrides of the command line (scenario-language.md §8). */
import type { Config } from '../core/config.ts';
import { defaultConfig } from '../core/config.ts';
import { replaceConfig } from './edit.ts';
import { parseScenario } from './parse.ts';

/**
 * Applies one override by parsing it as the configuration statement it stands for, so that
 * every value gets the same checks and messages as in a file. Returns a problem, or null.
 */
export function applySetting(config: Config, setting: string): string | null {
  const eq = setting.indexOf('=');
  if (eq <= 0) return 'expected KEY=VALUE';
  const key = setting.slice(0, eq).trim().toLowerCase();
  const value = setting.slice(eq + 1).trim();
  let statement: string;
  if (['vcpus', 'apic', 'irqchip', 'apicv', 'secure-avic'].includes(key)) statement = `${key} ${value}`;
  else if (key === 'ioapic.version') statement = `ioapic version=${value}`;
  else if (key.startsWith('kvm.')) statement = `kvm ${key.slice(4)}=${value}`;
  else if (key.startsWith('guest.')) statement = `guest ${key.slice(6)} profile=${value}`;
  else if (key === 'x2apic-api.32bit-ids' || key === 'x2apic-api.broadcast-quirk')
    statement = `x2apic-api ${key.slice(11)}=${value}`;
  else if (VMM_KEYS.includes(key)) statement = `${key.replace('.', ' ')}=${value}`;
  else
    return `unknown key '${key}': vcpus, apic, irqchip, apicv, secure-avic, ioapic.version, kvm.<key>, guest.<cpu|all>, x2apic-api.32bit-ids, x2apic-api.broadcast-quirk, ${VMM_KEYS.join(', ')}`;
  const parsed = parseScenario(statement);
  if (!parsed.ok) return parsed.errors[0].message;
  const c = parsed.scenario.config;
  if (VMM_KEYS.includes(key)) {
    // The SEOIB life's VMM keys (R8.10-R8.12): a policy replaces what `kvm seoib=` chose.
    const v = { ...config.vmm };
    if (key === 'qemu.seoib-policy') {
      v.seoibPolicy = c.vmm.seoibPolicy;
      config.kvm = { ...config.kvm, seoib: 'quirked' };
    } else if (key === 'qemu.machine') v.machine = c.vmm.machine;
    else if (key === 'qemu.seoib-flags') v.seoibFlags = c.vmm.seoibFlags;
    else if (key === 'qemu.loadvm-check') v.loadvmCheck = c.vmm.loadvmCheck;
    else v.kernel = c.vmm.kernel;
    config.vmm = v;
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
    case 'x2apic-api.32bit-ids':
      config.x2apicApi = { ...config.x2apicApi, ids32: c.x2apicApi.ids32 };
      break;
    case 'x2apic-api.broadcast-quirk':
      config.x2apicApi = { ...config.x2apicApi, broadcastQuirk: c.x2apicApi.broadcastQuirk };
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
      if (key.startsWith('kvm.')) {
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

/** `--set` keys of the VMM (`qemu …`, `host …`), the compare keys of the SEOIB presets. */
const VMM_KEYS = [
  'qemu.seoib-policy',
  'qemu.machine',
  'qemu.seoib-flags',
  'qemu.loadvm-check',
  'host.kernel',
];

/** A Map, not an object: no key may be found on Object.prototype (issue 14). */
const KVM_FIELD: ReadonlyMap<string, keyof Config['kvm']> = new Map([
  ['stale-eoi-rescan', 'staleEoiRescan'],
  ['seoib', 'seoib'],
  ['pv-eoi', 'pvEoi'],
  ['pv-eoi-disable-fix', 'pvEoiDisableFix'],
  ['savic-eoi-write-check', 'savicEoiWriteCheck'],
  ['vector-hashing', 'vectorHashing'],
  ['storm-limit', 'stormLimit'],
]);

function pickChanged(k: Config['kvm'], key: string): Partial<Config['kvm']> {
  const field = KVM_FIELD.get(key);
  return field === undefined ? {} : { [field]: k[field] };
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
