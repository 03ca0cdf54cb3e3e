/** The machine configuration as a form; a change rewrites the configuration lines and reloads. */

import type { ReactNode } from 'react';
import type { Config, GuestProfile } from '../../core/config.ts';
import { hex } from '../../core/hex.ts';
import { DEFAULT_MACHINE } from '../../core/limits.ts';
import type { KvmSwitch, VmmSetting } from '../../scenario/grammar/index.ts';
import {
  APIC_MODES,
  choicesOf,
  GUEST_PROFILES,
  IOAPIC_VERSIONS,
  IRQCHIP_MODES,
  KVM_SWITCHES,
  MACHINE_RE,
  ON_OFF,
  SETTING_KEYS,
  switchValue,
  switchWord,
  VMM_SETTINGS,
  X2APIC_API_FLAGS,
} from '../../scenario/grammar/index.ts';
import { useViz } from '../context.ts';
import { CiteLinks } from '../reference/Cited.tsx';

const sel =
  'rounded border border-slate-300 bg-white px-1 py-0.5 text-xs text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100';

/** A labelled row; the control inside carries the same label for assistive technology. */
function Row({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    <div
      className="flex items-center justify-between gap-3 py-0.5 text-xs text-slate-700 dark:text-slate-300"
      title={hint}
    >
      <span>
        {label}
        {hint && <CiteLinks text={hint} className="ml-1.5 text-[11px]" />}
      </span>
      {children}
    </div>
  );
}

function Pick<T extends string>({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: T;
  options: readonly T[];
  onChange: (v: T) => void;
}) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value as T)} className={sel}>
      {options.map((o) => (
        <option key={o}>{o}</option>
      ))}
    </select>
  );
}

const b = (v: boolean) => (v ? 'on' : 'off');
/** A tooltip from the grammar: what it does, and the rule it follows. */
const hintOf = (help: string, rule: string) => `${help} (${rule})`;
const labelOf = (key: string) => SETTING_KEYS.find((s) => s.key === key)?.label ?? key;

/** One KVM switch's control, as its grammar row declares it. */
function SwitchControl({
  sw,
  value,
  onChange,
}: {
  sw: KvmSwitch;
  value: boolean | string | number;
  onChange: (v: boolean | string | number) => void;
}) {
  const choices = choicesOf(sw.values);
  if (choices.length)
    return (
      <Pick
        label={sw.label}
        value={switchWord(value)}
        options={choices}
        onChange={(w) => onChange(switchValue(sw, w))}
      />
    );
  const range = sw.values.kind === 'number' ? sw.values : { min: undefined, max: undefined };
  return (
    <input
      type="number"
      min={range.min}
      max={range.max}
      defaultValue={String(value)}
      key={String(value)}
      onBlur={(e) => e.target.value !== String(value) && onChange(switchValue(sw, e.target.value))}
      onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
      className={`${sel} w-24 text-right`}
      aria-label={sw.label}
    />
  );
}

/**
 * One `qemu …` / `host …` setting's control, as its grammar row declares it. A row whose default
 * is null offers `default`; choosing a QEMU policy leaves `kvm seoib=` at quirked (they both
 * choose the mode, configProblems).
 */
function VmmControl({
  row,
  config: c,
  apply,
}: {
  row: VmmSetting;
  config: Config;
  apply: (c: Config) => void;
}) {
  const set = (v: string | boolean | null) =>
    apply({
      ...c,
      kvm: row.field === 'seoibPolicy' && v !== null ? { ...c.kvm, seoib: 'quirked' } : c.kvm,
      vmm: { ...c.vmm, [row.field]: v },
    });
  const nullable = row.default === 'default';
  const value = c.vmm[row.field];
  if (row.values.kind === 'machine')
    return (
      <input
        type="text"
        defaultValue={value === null ? '' : String(value)}
        key={String(value)}
        placeholder={DEFAULT_MACHINE}
        onBlur={(e) => {
          const w = e.target.value.trim().toLowerCase();
          if (w === '' && value !== null) set(null);
          else if (w !== '' && w !== value && MACHINE_RE.test(w)) set(w);
        }}
        onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
        className={`${sel} w-28`}
        aria-label={row.label}
      />
    );
  const choices = choicesOf(row.values);
  const word = value === null ? 'default' : switchWord(value as string | boolean);
  return (
    <Pick
      label={row.label}
      value={word}
      options={nullable ? ['default', ...choices] : choices}
      onChange={(w) => set(w === 'default' ? null : row.values.kind === 'on-off' ? w === 'on' : w)}
    />
  );
}

export function ConfigPanel() {
  const c = useViz((s) => s.info?.config);
  const apply = useViz((s) => s.configure);
  if (!c) return null;
  const kvm = (patch: Partial<Config['kvm']>) => apply({ ...c, kvm: { ...c.kvm, ...patch } });
  const profile: GuestProfile | 'per vCPU' =
    c.guestAll ?? (Object.keys(c.guests).length ? 'per vCPU' : 'manual');
  return (
    <form aria-label="Configuration" className="space-y-3" onSubmit={(e) => e.preventDefault()}>
      <p className="m-0 text-xs text-slate-600 dark:text-slate-400">
        A change rewrites the configuration lines of the scenario and replays it from the start.
      </p>
      <fieldset className="m-0 border-0 p-0">
        <legend className="mb-1 text-xs font-semibold">Machine</legend>
        <Row label="vCPUs">
          <input
            type="number"
            min={1}
            max={4096}
            defaultValue={c.vcpus}
            key={c.vcpus}
            onBlur={(e) =>
              Number(e.target.value) !== c.vcpus && apply({ ...c, vcpus: Number(e.target.value) })
            }
            onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
            className={`${sel} w-20 text-right`}
            aria-label="vCPUs"
          />
        </Row>
        <Row label="APIC mode" hint="xapic: the LAPIC in xAPIC mode (no x2APIC in CPUID unless said below)">
          <Pick
            label={labelOf('apic')}
            value={c.apic}
            options={APIC_MODES}
            onChange={(apic) => apply({ ...c, apic, apicCpuid: apic === 'x2apic' ? null : c.apicCpuid })}
          />
        </Row>
        <Row
          label="x2APIC in CPUID"
          hint="apic MODE cpuid=…: default follows the mode; xapic + x2apic is QEMU's usual guest (LVR[24], R2.4)"
        >
          <Pick
            label="x2APIC in CPUID"
            value={c.apicCpuid ?? 'default'}
            options={['default', ...APIC_MODES] as const}
            onChange={(v) => apply({ ...c, apicCpuid: v === 'default' ? null : v })}
          />
        </Row>
        {X2APIC_API_FLAGS.map((f) => {
          const v = c.x2apicApi[f.field];
          return (
            <Row key={f.key} label={f.label} hint={hintOf(f.help, f.rule)}>
              <Pick
                label={f.label}
                value={v === null ? 'default' : b(v)}
                options={['default', ...ON_OFF] as const}
                onChange={(w) =>
                  apply({
                    ...c,
                    x2apicApi: { ...c.x2apicApi, [f.field]: w === 'default' ? null : w === 'on' },
                  })
                }
              />
            </Row>
          );
        })}
        <Row label="irqchip" hint="split: QEMU's IOAPIC in userspace; kernel: KVM's in-kernel IOAPIC">
          <Pick
            label="irqchip"
            value={c.irqchip}
            options={IRQCHIP_MODES}
            onChange={(irqchip) =>
              apply({ ...c, irqchip, ioapicVersion: irqchip === 'kernel' ? null : c.ioapicVersion })
            }
          />
        </Row>
        <Row label="IOAPIC version">
          <Pick
            label="IOAPIC version"
            value={c.ioapicVersion === null ? 'default' : hex(c.ioapicVersion)}
            options={['default', ...IOAPIC_VERSIONS.map((v) => hex(v))]}
            onChange={(v) =>
              apply({ ...c, ioapicVersion: IOAPIC_VERSIONS.find((x) => hex(x) === v) ?? null })
            }
          />
        </Row>
        <Row label="APICv" hint="hardware virtual-interrupt delivery (R3.9)">
          <Pick
            label="APICv"
            value={b(c.apicv)}
            options={ON_OFF}
            onChange={(v) => apply({ ...c, apicv: v === 'on' })}
          />
        </Row>
        <Row label="Secure AVIC" hint="AMD SEV-SNP Secure AVIC guest [proposal]; needs x2apic">
          <Pick
            label="Secure AVIC"
            value={b(c.secureAvic)}
            options={ON_OFF}
            onChange={(v) =>
              apply({
                ...c,
                secureAvic: v === 'on',
                apic: v === 'on' ? 'x2apic' : c.apic,
                apicCpuid: v === 'on' ? null : c.apicCpuid,
              })
            }
          />
        </Row>
        <Row label="guest profile (all vCPUs)">
          <Pick
            label="guest profile (all vCPUs)"
            value={profile}
            options={[...GUEST_PROFILES, 'per vCPU'] as const}
            onChange={(p) =>
              p !== 'per vCPU' && apply({ ...c, guestAll: p === 'manual' ? null : p, guests: {} })
            }
          />
        </Row>
        {c.vcpus <= 16 &&
          Array.from({ length: c.vcpus }, (_, i) => (
            <Row key={i} label={`guest profile, vCPU ${i}`}>
              <Pick
                label={`guest profile, vCPU ${i}`}
                value={c.guests[i] ?? c.guestAll ?? 'manual'}
                options={GUEST_PROFILES}
                onChange={(p) => {
                  // One vCPU differs: spell every vCPU out (`guest all` and `guest N` do not mix).
                  const guests: Record<number, GuestProfile> = {};
                  for (let k = 0; k < c.vcpus; k++)
                    guests[k] = k === i ? p : (c.guests[k] ?? c.guestAll ?? 'manual');
                  apply({ ...c, guestAll: null, guests });
                }}
              />
            </Row>
          ))}
      </fieldset>
      <fieldset className="m-0 border-0 p-0">
        <legend className="mb-1 text-xs font-semibold">KVM (upstream or proposal)</legend>
        {KVM_SWITCHES.map((sw) => (
          <Row key={sw.key} label={sw.label} hint={hintOf(sw.help, sw.rule)}>
            <SwitchControl
              sw={sw}
              value={c.kvm[sw.field]}
              onChange={(v) => kvm({ [sw.field]: v } as Partial<Config['kvm']>)}
            />
          </Row>
        ))}
      </fieldset>
      <fieldset className="m-0 border-0 p-0">
        <legend className="mb-1 text-xs font-semibold">QEMU and host (the VM’s life)</legend>
        {VMM_SETTINGS.map((row) => (
          <Row key={row.key} label={row.label} hint={hintOf(row.help, row.rule)}>
            <VmmControl row={row} config={c} apply={apply} />
          </Row>
        ))}
      </fieldset>
    </form>
  );
}
