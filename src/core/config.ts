/** Machine configuration: the scenario language's configuration section (contract §2). */

export type ApicMode = 'xapic' | 'x2apic';
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
}

export const MAX_VCPUS = 4096;
export const NUM_PINS = 24;
export const MAX_STORM_LIMIT = 1_000_000;
export const MAX_RUN = 1_000_000_000;

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
  };
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
