/** Machine configuration: the scenario language's configuration section (contract §2). */

import { MAX_STORM_LIMIT, MAX_VCPUS } from './limits.ts';

export type ApicMode = 'xapic' | 'x2apic';
/** Whether the guest's CPUID offers x2APIC (`apic MODE cpuid=…`). */
export type CpuidApic = 'xapic' | 'x2apic';
export type IrqchipMode = 'split' | 'kernel';
export type SeoibSetting = 'quirked' | 'enabled' | 'disabled' | 'auto';
/** KVM's per-VM suppress_eoi_broadcast_mode once `auto` is resolved (R8.4, R8.6). */
export type SeoibMode = 'quirked' | 'enabled' | 'disabled';
export type GuestProfile = 'manual' | 'linux' | 'windows';

export interface KvmSwitches {
  staleEoiRescan: boolean;
  seoib: SeoibSetting;
  pvEoi: boolean;
  pvEoiDisableFix: boolean;
  savicEoiWriteCheck: boolean;
  vectorHashing: boolean;
  stormLimit: number;
}

export interface Config {
  title: string | null;
  vcpus: number;
  apic: ApicMode;
  irqchip: IrqchipMode;
  /** null = the default for the irqchip (0x20 split, 0x11 kernel). */
  ioapicVersion: 0x11 | 0x20 | null;
  apicv: boolean;
  kvm: KvmSwitches;
  /** `guest all profile=P`, or null. */
  guestAll: GuestProfile | null;
  /** `guest N profile=P` lines, by vCPU. */
  guests: Record<number, GuestProfile>;
  secureAvic: boolean;
  /** `apic MODE cpuid=…`: x2APIC in the guest's CPUID; null = as the mode says (R2.4). */
  apicCpuid: CpuidApic | null;
  /**
   * `x2apic-api 32bit-ids=… broadcast-quirk=…`: the VMM's KVM_CAP_X2APIC_API flags (R4.1, R4.8,
   * R4.9); null = QEMU's choice (both flags above 255 vCPUs, neither otherwise).
   */
  x2apicApi: { ids32: boolean | null; broadcastQuirk: boolean | null };
}

/** QEMU enables KVM_CAP_X2APIC_API only when a vCPU's APIC ID does not fit in 8 bits. */
export const X2APIC_API_VCPUS = 256;

export { MAX_RUN, MAX_STORM_LIMIT, MAX_VCPUS, NUM_PINS } from './limits.ts';

export function defaultConfig(): Config {
  return {
    title: null,
    vcpus: 2,
    apic: 'x2apic',
    irqchip: 'split',
    ioapicVersion: null,
    apicv: false,
    kvm: {
      staleEoiRescan: true,
      seoib: 'quirked',
      pvEoi: true,
      pvEoiDisableFix: true,
      savicEoiWriteCheck: true,
      vectorHashing: true,
      stormLimit: 10000,
    },
    guestAll: null,
    guests: {},
    secureAvic: false,
    apicCpuid: null,
    x2apicApi: { ids32: null, broadcastQuirk: null },
  };
}

/** x2APIC in the guest's CPUID: explicit `cpuid=`, else implied by the mode (contract §2). */
export function cpuidHasX2apic(c: Config): boolean {
  return (c.apicCpuid ?? c.apic) === 'x2apic';
}

/** KVM_X2APIC_API_USE_32BIT_IDS (kvm->arch.x2apic_format). */
export function x2apicFormat(c: Config): boolean {
  return c.x2apicApi.ids32 ?? c.vcpus >= X2APIC_API_VCPUS;
}

/** KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK (kvm->arch.x2apic_broadcast_quirk_disabled). */
export function broadcastQuirkDisabled(c: Config): boolean {
  return c.x2apicApi.broadcastQuirk === null ? c.vcpus >= X2APIC_API_VCPUS : !c.x2apicApi.broadcastQuirk;
}

export function ioapicVersionOf(c: Config): 0x11 | 0x20 {
  return c.ioapicVersion ?? (c.irqchip === 'split' ? 0x20 : 0x11);
}

/** `auto` = enabled for IOAPIC 0x20, disabled for 0x11 (the QEMU proposal, R8.6). */
export function seoibModeOf(c: Config): SeoibMode {
  if (c.kvm.seoib !== 'auto') return c.kvm.seoib;
  return ioapicVersionOf(c) === 0x20 ? 'enabled' : 'disabled';
}

export function guestProfileOf(c: Config, cpu: number): GuestProfile {
  return c.guests[cpu] ?? c.guestAll ?? 'manual';
}

/** Problems a configuration has as a whole (each names the statement at fault). */
export function configProblems(c: Config): { key: string; message: string }[] {
  const out: { key: string; message: string }[] = [];
  if (c.vcpus < 1 || c.vcpus > MAX_VCPUS)
    out.push({ key: 'vcpus', message: `vcpus must be 1 to ${MAX_VCPUS}` });
  if (c.irqchip === 'kernel' && c.ioapicVersion === 0x20)
    out.push({
      key: 'ioapic',
      message: 'the in-kernel IOAPIC (irqchip kernel) has only version 0x11 (R5.2)',
    });
  if (c.irqchip === 'kernel' && c.kvm.seoib === 'enabled')
    out.push({
      key: 'kvm seoib',
      message:
        'seoib=enabled needs irqchip split: KVM rejects KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST without it (R8.4)',
    });
  if (c.apic === 'x2apic' && !cpuidHasX2apic(c))
    out.push({
      key: 'apic',
      message: 'apic x2apic needs x2APIC in CPUID: KVM refuses X2APIC_ENABLE without it (cpuid=x2apic)',
    });
  if (c.vcpus >= X2APIC_API_VCPUS && c.x2apicApi.ids32 === false)
    out.push({
      key: 'x2apic-api',
      message: `vcpus ${c.vcpus} needs 32bit-ids=on: APIC IDs above 255 need KVM_X2APIC_API_USE_32BIT_IDS, QEMU refuses to start without it`,
    });
  if (c.secureAvic && c.apic !== 'x2apic')
    out.push({ key: 'secure-avic', message: 'Secure AVIC requires apic x2apic (contract §6)' });
  if (c.kvm.stormLimit < 1 || c.kvm.stormLimit > MAX_STORM_LIMIT)
    out.push({ key: 'kvm storm-limit', message: `storm-limit must be 1 to ${MAX_STORM_LIMIT}` });
  for (const k of Object.keys(c.guests)) {
    if (Number(k) >= c.vcpus)
      out.push({ key: `guest ${k}`, message: `vCPU ${k} does not exist (vcpus ${c.vcpus})` });
  }
  return out;
}
