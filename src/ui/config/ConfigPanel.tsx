/** The machine configuration as a form; a change rewrites the configuration lines and reloads. */

import type { ReactNode } from 'react';
import type { Config, GuestProfile } from '../../core/config.ts';
import { hex } from '../../core/hex.ts';
import { useViz } from '../context.ts';

const sel =
  'rounded border border-slate-300 bg-white px-1 py-0.5 text-xs text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100';

/** A labelled row; the control inside carries the same label for assistive technology. */
function Row({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    <div
      className="flex items-center justify-between gap-3 py-0.5 text-xs text-slate-700 dark:text-slate-300"
      title={hint}
    >
      <span>{label}</span>
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

const onOff = ['on', 'off'] as const;
const b = (v: boolean) => (v ? 'on' : 'off');

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
            label="APIC mode"
            value={c.apic}
            options={['x2apic', 'xapic'] as const}
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
            options={['default', 'x2apic', 'xapic'] as const}
            onChange={(v) => apply({ ...c, apicCpuid: v === 'default' ? null : v })}
          />
        </Row>
        <Row
          label="x2APIC API: 32-bit IDs"
          hint="KVM_X2APIC_API_USE_32BIT_IDS (R4.8, R4.9); default: on above 255 vCPUs"
        >
          <Pick
            label="x2APIC API: 32-bit IDs"
            value={c.x2apicApi.ids32 === null ? 'default' : b(c.x2apicApi.ids32)}
            options={['default', 'on', 'off'] as const}
            onChange={(v) =>
              apply({ ...c, x2apicApi: { ...c.x2apicApi, ids32: v === 'default' ? null : v === 'on' } })
            }
          />
        </Row>
        <Row
          label="x2APIC API: broadcast quirk"
          hint="off = KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK (R4.1); default: off above 255 vCPUs"
        >
          <Pick
            label="x2APIC API: broadcast quirk"
            value={c.x2apicApi.broadcastQuirk === null ? 'default' : b(c.x2apicApi.broadcastQuirk)}
            options={['default', 'on', 'off'] as const}
            onChange={(v) =>
              apply({
                ...c,
                x2apicApi: { ...c.x2apicApi, broadcastQuirk: v === 'default' ? null : v === 'on' },
              })
            }
          />
        </Row>
        <Row label="irqchip" hint="split: QEMU's IOAPIC in userspace; kernel: KVM's in-kernel IOAPIC">
          <Pick
            label="irqchip"
            value={c.irqchip}
            options={['split', 'kernel'] as const}
            onChange={(irqchip) =>
              apply({ ...c, irqchip, ioapicVersion: irqchip === 'kernel' ? null : c.ioapicVersion })
            }
          />
        </Row>
        <Row label="IOAPIC version">
          <Pick
            label="IOAPIC version"
            value={c.ioapicVersion === null ? 'default' : hex(c.ioapicVersion)}
            options={['default', '0x11', '0x20'] as const}
            onChange={(v) =>
              apply({ ...c, ioapicVersion: v === 'default' ? null : v === '0x11' ? 0x11 : 0x20 })
            }
          />
        </Row>
        <Row label="APICv" hint="hardware virtual-interrupt delivery (R3.9)">
          <Pick
            label="APICv"
            value={b(c.apicv)}
            options={onOff}
            onChange={(v) => apply({ ...c, apicv: v === 'on' })}
          />
        </Row>
        <Row label="Secure AVIC" hint="AMD SEV-SNP Secure AVIC guest [proposal]; needs x2apic">
          <Pick
            label="Secure AVIC"
            value={b(c.secureAvic)}
            options={onOff}
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
            options={['manual', 'linux', 'windows', 'per vCPU'] as const}
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
                options={['manual', 'linux', 'windows'] as const}
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
        <Row label="stale-EOI rescan" hint="highest_stale_pending_ioapic_eoi and its rescan (R7.3 step 2)">
          <Pick
            label="stale-EOI rescan"
            value={b(c.kvm.staleEoiRescan)}
            options={onOff}
            onChange={(v) => kvm({ staleEoiRescan: v === 'on' })}
          />
        </Row>
        <Row label="Suppress EOI Broadcast" hint="R8.2–R8.6">
          <Pick
            label="Suppress EOI Broadcast"
            value={c.kvm.seoib}
            options={['quirked', 'enabled', 'disabled', 'auto'] as const}
            onChange={(seoib) => kvm({ seoib })}
          />
        </Row>
        <Row label="QEMU SEOIB policy" hint="R8.10: which flag QEMU sets at power-on (the SEOIB RFC)">
          <Pick
            label="QEMU SEOIB policy"
            value={c.vmm.seoibPolicy ?? '(from kvm seoib)'}
            options={
              [
                '(from kvm seoib)',
                'quirked',
                'respected',
                'not-advertised',
                'auto',
                'auto-new-machines',
                'none',
              ] as const
            }
            onChange={(p) =>
              apply(
                p === '(from kvm seoib)'
                  ? { ...c, vmm: { ...c.vmm, seoibPolicy: null } }
                  : { ...c, kvm: { ...c.kvm, seoib: 'quirked' }, vmm: { ...c.vmm, seoibPolicy: p } },
              )
            }
          />
        </Row>
        <Row label="Migration flags" hint="R8.11: when a destination sets its flags">
          <Pick
            label="Migration flags"
            value={c.vmm.seoibFlags}
            options={['after-load', 'before-load'] as const}
            onChange={(seoibFlags) => apply({ ...c, vmm: { ...c.vmm, seoibFlags } })}
          />
        </Row>
        <Row label="Host kernel" hint="R8.8: whether the kernel has the SEOIB flags">
          <Pick
            label="Host kernel"
            value={c.vmm.kernel}
            options={['seoib-api', 'no-seoib-api'] as const}
            onChange={(kernel) => apply({ ...c, vmm: { ...c.vmm, kernel } })}
          />
        </Row>
        <Row label="PV EOI offered">
          <Pick
            label="PV EOI offered"
            value={b(c.kvm.pvEoi)}
            options={onOff}
            onChange={(v) => kvm({ pvEoi: v === 'on' })}
          />
        </Row>
        <Row label="PV EOI disable fix" hint="R9.5">
          <Pick
            label="PV EOI disable fix"
            value={b(c.kvm.pvEoiDisableFix)}
            options={onOff}
            onChange={(v) => kvm({ pvEoiDisableFix: v === 'on' })}
          />
        </Row>
        <Row label="Secure AVIC EOI write check" hint="R10.4 a">
          <Pick
            label="Secure AVIC EOI write check"
            value={b(c.kvm.savicEoiWriteCheck)}
            options={onOff}
            onChange={(v) => kvm({ savicEoiWriteCheck: v === 'on' })}
          />
        </Row>
        <Row label="vector hashing" hint="lowest-priority arbitration (R4.7)">
          <Pick
            label="vector hashing"
            value={b(c.kvm.vectorHashing)}
            options={onOff}
            onChange={(v) => kvm({ vectorHashing: v === 'on' })}
          />
        </Row>
        <Row label="storm limit" hint="R5.6 d">
          <input
            type="number"
            min={1}
            max={1000000}
            defaultValue={c.kvm.stormLimit}
            key={c.kvm.stormLimit}
            onBlur={(e) =>
              Number(e.target.value) !== c.kvm.stormLimit && kvm({ stormLimit: Number(e.target.value) })
            }
            onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
            className={`${sel} w-24 text-right`}
            aria-label="storm limit"
          />
        </Row>
      </fieldset>
    </form>
  );
}
