/** Machine configuration: the scenario language's configuration section (contract §2). */

import { DEFAULT_MACHINE, MACHINE_RE, MAX_STORM_LIMIT, MAX_VCPUS } from './limits.ts';

export type ApicMode = 'xapic' | 'x2apic';
/** Whether the guest's CPUID offers x2APIC (`apic MODE cpuid=…`). */
export type CpuidApic = 'xapic' | 'x2apic';
export type IrqchipMode = 'split' | 'kernel';
export type SeoibSetting = 'quirked' | 'enabled' | 'disabled' | 'auto';
/** KVM's per-VM suppress_eoi_broadcast_mode once `auto` is resolved (R8.4, R8.6). */
export type SeoibMode = 'quirked' | 'enabled' | 'disabled';
export type GuestProfile = 'manual' | 'linux' | 'windows';
/**
 * QEMU's SEOIB policy (the RFC of R8.6, docs/seoib-lifecycle.md): which x2APIC-API flag the VMM
 * sets and from what. `none` is a QEMU that predates the patch (no flag, no migration subsection).
 */
export type QemuSeoibPolicy =
  | 'quirked'
  | 'respected'
  | 'not-advertised'
  | 'auto'
  | 'auto-new-machines'
  | 'none';
/** QEMU's kvm_lapic_seoib_state, the value its VMState subsection carries (R8.6). */
export type QemuSeoibState = 'quirked' | 'respected' | 'not-advertised';
/** When an incoming migration's destination sets its flags: at init, or once the stream is loaded. */
export type SeoibFlagsAt = 'after-load' | 'before-load';
export type HostKernel = 'seoib-api' | 'no-seoib-api';

/** The VMM's side of the SEOIB life (`qemu …` and `host …` statements, R8.8–R8.12). */
export interface VmmConfig {
  /** null: the policy follows `kvm seoib=` (quirked→quirked, enabled→respected, …). */
  seoibPolicy: QemuSeoibPolicy | null;
  /** Machine type, e.g. pc-q35-10.1; null = the default (DEFAULT_MACHINE). */
  machine: string | null;
  seoibFlags: SeoibFlagsAt;
  /** loadvm refuses a snapshot whose SEOIB state KVM can no longer reach (off = the RFC as posted). */
  loadvmCheck: boolean;
  kernel: HostKernel;
}

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
  /** `qemu …` / `host kernel=…` (R8.8–R8.12). */
  vmm: VmmConfig;
}

export { DEFAULT_MACHINE };
/** The RFC's machine-type gate: auto-new-machines applies auto from this version on. */
export const SEOIB_GATE_VERSION = [10, 2] as const;
export { MACHINE_RE };

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
    vmm: defaultVmm(),
  };
}

export function defaultVmm(): VmmConfig {
  return {
    seoibPolicy: null,
    machine: null,
    seoibFlags: 'after-load',
    loadvmCheck: false,
    kernel: 'seoib-api',
  };
}

/** The policy `kvm seoib=` stands for when no `qemu seoib-policy=` is given. */
export function seoibPolicyOf(c: Config): QemuSeoibPolicy {
  if (c.vmm.seoibPolicy !== null) return c.vmm.seoibPolicy;
  switch (c.kvm.seoib) {
    case 'quirked':
      return 'quirked';
    case 'enabled':
      return 'respected';
    case 'disabled':
      return 'not-advertised';
    case 'auto':
      return 'auto';
  }
}

/** Whether a machine type is at least the RFC's gate version (10.2). */
export function machineIsNew(machine: string): boolean {
  const m = MACHINE_RE.exec(machine);
  if (!m) return false;
  const major = Number(m[2]);
  const minor = Number(m[3]);
  return major > SEOIB_GATE_VERSION[0] || (major === SEOIB_GATE_VERSION[0] && minor >= SEOIB_GATE_VERSION[1]);
}

/** QEMU's state for a mode KVM is in (the subsection's value). */
export function qemuStateOf(mode: SeoibMode): QemuSeoibState {
  return mode === 'enabled' ? 'respected' : mode === 'disabled' ? 'not-advertised' : 'quirked';
}

/** The KVM mode a QEMU state asks for. */
export function modeOfQemuState(st: QemuSeoibState): SeoibMode {
  return st === 'respected' ? 'enabled' : st === 'not-advertised' ? 'disabled' : 'quirked';
}

/**
 * The state a QEMU with `policy` chooses at power-on (RFC x86-common.c: by IOAPIC version for
 * auto; auto-new-machines only for machine types from 10.2). With a kernel lacking the API auto
 * stays QUIRKED [unverified: the RFC's text does not say what auto does then].
 */
export function policyState(
  policy: QemuSeoibPolicy,
  machine: string,
  kernel: HostKernel,
  ioapicVersion: 0x11 | 0x20,
): QemuSeoibState {
  switch (policy) {
    case 'quirked':
    case 'none':
      return 'quirked';
    case 'respected':
      return 'respected';
    case 'not-advertised':
      return 'not-advertised';
    case 'auto-new-machines':
      if (!machineIsNew(machine)) return 'quirked';
      return policyState('auto', machine, kernel, ioapicVersion);
    case 'auto':
      if (kernel === 'no-seoib-api') return 'quirked';
      return ioapicVersion === 0x20 ? 'respected' : 'not-advertised';
  }
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

/**
 * The mode KVM is in after power-on: the flag the VMM's policy sets before the vCPUs exist.
 * `auto` = enabled for IOAPIC 0x20, disabled for 0x11 (the QEMU proposal, R8.6).
 */
export function seoibModeOf(c: Config): SeoibMode {
  // `kvm seoib=` alone stands for the policy of the same name (seoibPolicyOf), whose state is that mode.
  return modeOfQemuState(
    policyState(seoibPolicyOf(c), c.vmm.machine ?? DEFAULT_MACHINE, c.vmm.kernel, ioapicVersionOf(c)),
  );
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
  if (c.vmm.seoibPolicy !== null && c.kvm.seoib !== 'quirked')
    out.push({
      key: 'qemu seoib-policy',
      message: 'kvm seoib= and qemu seoib-policy= both choose the SEOIB mode: give one of them',
    });
  const policy = seoibPolicyOf(c);
  if (c.irqchip === 'kernel' && policy === 'respected' && c.vmm.seoibPolicy !== null)
    out.push({
      key: 'qemu seoib-policy',
      message:
        'seoib-policy=respected needs irqchip split: KVM rejects KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST without it (R8.4)',
    });
  if (c.vmm.kernel === 'no-seoib-api' && (policy === 'respected' || policy === 'not-advertised'))
    out.push({
      key: c.vmm.seoibPolicy !== null ? 'qemu seoib-policy' : 'kvm seoib',
      message: `the host kernel has no SEOIB API: KVM_ENABLE_CAP(KVM_CAP_X2APIC_API) with the ${policy === 'respected' ? 'ENABLE' : 'DISABLE'} flag fails with EINVAL and QEMU does not start (R8.8)`,
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
