/**
 * The VM's life as the VMM lives it (R8.8–R8.12, docs/seoib-lifecycle.md): KVM's one-way
 * x2APIC-API SEOIB flags (x86.c kvm_vm_ioctl_enable_cap()), QEMU's SEOIB policy and its VMState
 * subsection across reboot, power-on, loadvm and migration, QEMU's vm_stop(), and the plan of an
 * incoming migration. LVR follows the mode at kvm_apic_set_version() (lapic.ts); saving,
 * loading and migrating the state itself is snapshot.ts.
 */
import type { HostChange } from './actions.ts';
import type { QemuSeoibState, SeoibMode } from './config.ts';
import { ioapicVersionOf, modeOfQemuState, policyState } from './config.ts';
import type { Ctx } from './ctx.ts';
import { emit, markGuestBusy, touch, traced } from './ctx.ts';
import { ioapicIndexVectors } from './ioapic-common.ts';
import { kvmApicSetVersion, kvmRecalculateApicMap } from './lapic.ts';
import type { HostLeg, LifeEntry } from './state.ts';
import { REQ_EVENT, REQ_SCAN_IOAPIC, x2apicLdr } from './state.ts';
import { vmExit } from './vcpu.ts';

export type CapResult = 'ok' | 'einval';

/**
 * KVM_ENABLE_CAP(KVM_CAP_X2APIC_API) with the SEOIB bits (R8.8). KVM: x86.c
 * kvm_vm_ioctl_enable_cap() case KVM_CAP_X2APIC_API: both bits, or ENABLE without split
 * irqchip, or (a kernel before the flags) either bit outside KVM_X2APIC_API_VALID_FLAGS: -EINVAL.
 * Otherwise the mode is overwritten: no check of the mode already set, so ENABLED and DISABLED
 * replace each other, and nothing goes back to QUIRKED.
 */
export function kvmEnableCapX2apicApi(ctx: Ctx, enable: boolean, disable: boolean): CapResult {
  const vm = ctx.state.vm;
  const flags = [
    enable ? 'ENABLE_SUPPRESS_EOI_BROADCAST' : '',
    disable ? 'DISABLE_SUPPRESS_EOI_BROADCAST' : '',
  ]
    .filter(Boolean)
    .join('|');
  let reason: 'enable' | 'disable' | 'both' | 'enable-kernel' | 'no-api';
  if ((enable || disable) && vm.host.kernel === 'no-seoib-api') reason = 'no-api';
  else if (enable && disable) reason = 'both';
  else if (enable && !ctx.split) reason = 'enable-kernel';
  else reason = enable ? 'enable' : 'disable';
  const ok = reason === 'enable' || reason === 'disable';
  if (ok) vm.seoib = enable ? 'enabled' : 'disabled';
  vm.lastFlagWrite = ok ? 'ok' : 'einval';
  if (traced(ctx))
    emit(ctx, -1, 'x2apic_api_enable_cap', { flags, result: ok ? 'ok' : 'EINVAL', reason, mode: vm.seoib });
  return ok ? 'ok' : 'einval';
}

/** Sets the flag a QEMU state asks for (QUIRKED asks for none). */
function setFlagFor(ctx: Ctx, st: QemuSeoibState): CapResult {
  if (st === 'quirked') return 'ok';
  return kvmEnableCapX2apicApi(ctx, st === 'respected', st === 'not-advertised');
}

/** Appends to the VM's life (the lifecycle strip). */
export function lifeRecord(ctx: Ctx, kind: LifeEntry['kind'], ok: boolean, detail: string): void {
  const vm = ctx.state.vm;
  vm.life = [
    ...vm.life,
    {
      kind,
      time: ctx.state.time,
      leg: vm.leg,
      ok,
      detail,
      host: vm.host,
      mode: vm.seoib,
      state: vm.qemuSeoib,
    },
  ];
}

/** A host with the keys of `change` applied. */
function hostWith(h: HostLeg, change: HostChange): HostLeg {
  return {
    policy: change.policy ?? h.policy,
    machine: change.machine ?? h.machine,
    kernel: change.kernel ?? h.kernel,
    flags: change.flags ?? h.flags,
    loadvmCheck: h.loadvmCheck,
  };
}

export function stateFor(ctx: Ctx, h: HostLeg): QemuSeoibState {
  return policyState(h.policy, h.machine, h.kernel, ioapicVersionOf(ctx.state.config));
}

/**
 * System reset (R8.12), its register part: kvm_lapic_reset() on every vCPU, which runs kvm_apic_set_version(); the
 * guest is left as the contract's start leaves it (§4 Start) but not booted, so its boot step
 * runs again at its next guest step. The IOAPIC is reset (RTEs masked, irr and remote IRR 0);
 * device lines keep their levels; KVM's flags stay.
 */
function vmResetRegisters(ctx: Ctx): void {
  const s = ctx.state;
  for (const v of s.cpus) {
    v.idReg = v.x2apic ? v.index : ((v.index & 0xff) << 24) >>> 0;
    v.ldr = v.x2apic ? x2apicLdr(v.index) : 0;
    v.dfr = 0xffffffff;
    v.spiv = 0x1ff;
    v.tpr = 0;
    v.irr.fill(0);
    v.isr.fill(0);
    v.tmr.fill(0);
    v.highestIsrCache = -1;
    v.apicArbPrio = 0;
    v.highestStalePendingIoapicEoi = -1;
    v.pendingIoapicEoi = -1;
    v.pvEoiEnabled = false;
    v.pvEoiByte = 0;
    v.pvEoiPending = false;
    if (v.savic) {
      v.savic.irr.fill(0);
      v.savic.isr.fill(0);
      v.savic.tmr.fill(0);
      v.savic.tpr = 0;
    }
    v.rflagsIf = true;
    v.frames = [];
    v.tasks = [];
    v.booted = false;
  }
  const io = s.ioapic;
  for (const e of io.rte) {
    e.vector = 0;
    e.trigger = 0;
    e.dest = 0;
    e.destMode = 0;
    e.deliveryMode = 0;
    e.mask = 1;
    e.polarity = 0;
    e.remoteIrr = 0;
  }
  io.ioregsel = 0;
  io.irr = 0;
  io.irrDelivered = 0;
  io.irqEoi.fill(0);
  io.edgeUndelivered = 0;
  io.rtcPendingEoi = 0;
  io.rtcDestMap.clear();
  io.deferredAt = -1;
  ioapicIndexVectors(ctx);
}

/** The reset's KVM side, after its event: kvm_apic_set_version per vCPU, requests, the map. */
function vmResetKvm(ctx: Ctx, root: number): void {
  for (const v of ctx.state.cpus) {
    ctx.cause = root;
    kvmApicSetVersion(ctx, v, 'reset');
    v.requests |= REQ_EVENT | REQ_SCAN_IOAPIC;
    touch(ctx, v);
    markGuestBusy(ctx, v);
  }
  ctx.cause = root;
  kvmRecalculateApicMap(ctx, 'reboot: kvm_lapic_reset');
}

/** `reboot`: the guest resets the machine; QEMU's policy is not chosen again (R8.12). */
export function vmReboot(ctx: Ctx): void {
  const vm = ctx.state.vm;
  vmResetRegisters(ctx);
  if (traced(ctx))
    ctx.cause = emit(ctx, -1, 'vm_reset', {
      cold: false,
      policy: vm.host.policy,
      machine: vm.host.machine,
      kernel: vm.host.kernel,
      state: vm.qemuSeoib,
    });
  vmResetKvm(ctx, ctx.cause);
  lifeRecord(ctx, 'reboot', true, '');
}

/**
 * `power-on`: QEMU is started again (perhaps another build, machine type or kernel): a fresh
 * KVM VM with no flag, whose policy sets its flag before the vCPUs are created (R8.12).
 */
export function vmPowerOn(ctx: Ctx, change: HostChange): void {
  const vm = ctx.state.vm;
  vm.host = hostWith(vm.host, change);
  vm.seoib = 'quirked';
  vm.lastFlagWrite = 'none';
  const st = stateFor(ctx, vm.host);
  const root = ctx.cause;
  // Configuration checks keep an explicit policy the kernel rejects from the first power-on;
  // a later one that fails leaves QUIRKED, the only mode KVM then has.
  vm.qemuSeoib = setFlagFor(ctx, st) === 'ok' ? st : 'quirked';
  ctx.cause = root;
  vmResetRegisters(ctx);
  if (traced(ctx))
    ctx.cause = emit(ctx, -1, 'vm_reset', {
      cold: true,
      policy: vm.host.policy,
      machine: vm.host.machine,
      kernel: vm.host.kernel,
      state: vm.qemuSeoib,
    });
  vmResetKvm(ctx, ctx.cause);
  lifeRecord(ctx, 'power-on', true, '');
}

/**
 * QEMU loads a SEOIB state (the subsection's post_load, or QUIRKED when the stream has none)
 * into a KVM VM that is in `vm.seoib` (R8.10). Returns false when QEMU refuses the state.
 */
export function qemuSeoibPostLoad(
  ctx: Ctx,
  st: QemuSeoibState,
  what: 'loadvm' | 'migrate',
  refuse: boolean,
): boolean {
  const vm = ctx.state.vm;
  const want: SeoibMode = modeOfQemuState(st);
  let outcome: 'same' | 'set' | 'kept' | 'refused' | 'einval';
  if (want === vm.seoib) outcome = 'same';
  else if (want === 'quirked') outcome = refuse ? 'refused' : 'kept';
  else outcome = setFlagFor(ctx, st) === 'ok' ? 'set' : 'einval';
  if (traced(ctx)) emit(ctx, -1, 'qemu_seoib_load', { state: st, mode: vm.seoib, outcome, what });
  if (outcome === 'refused' || outcome === 'einval') return false;
  vm.qemuSeoib = st;
  return true;
}

/** QEMU's vm_stop(): every vCPU leaves KVM_RUN (before savevm, loadvm, a migration, a reset). */
export function stopAllVcpus(ctx: Ctx, what: 'savevm' | 'loadvm' | 'migrate' | 'reboot'): void {
  const root = ctx.cause;
  for (const v of ctx.state.cpus) {
    ctx.cause = root;
    vmExit(ctx, v, 'EXTERNAL_INTERRUPT', what);
  }
  ctx.cause = root;
}

export type MigrationFailure = 'unknown-subsection' | 'no-api' | 'destination-init' | 'enable-kernel';

/**
 * Plans an incoming migration on a fresh destination KVM VM (R8.11) without touching the VM:
 * the mode and state the destination ends in, or why it fails. `before-load` sets the
 * destination policy's flag at its start-up, `after-load` defers it until the stream is loaded
 * (the RFC: "we must defer setting the flags until after the SEOIB state is loaded").
 */
export function planMigration(
  ctx: Ctx,
  dst: HostLeg,
):
  | { ok: true; mode: SeoibMode; state: QemuSeoibState; conflict: boolean }
  | { ok: false; reason: MigrationFailure } {
  const sent = ctx.state.vm.qemuSeoib;
  if (dst.policy === 'none' && sent !== 'quirked') return { ok: false, reason: 'unknown-subsection' };
  let mode: SeoibMode = 'quirked';
  if (dst.flags === 'before-load') {
    const own = stateFor(ctx, dst);
    if (own !== 'quirked') {
      if (dst.kernel === 'no-seoib-api') return { ok: false, reason: 'destination-init' };
      if (own === 'respected' && !ctx.split) return { ok: false, reason: 'destination-init' };
      mode = modeOfQemuState(own);
    }
  }
  const want = modeOfQemuState(sent);
  if (want === 'quirked') return { ok: true, mode, state: sent, conflict: mode !== 'quirked' };
  if (dst.kernel === 'no-seoib-api') return { ok: false, reason: 'no-api' };
  if (want === 'enabled' && !ctx.split) return { ok: false, reason: 'enable-kernel' };
  return { ok: true, mode: want, state: sent, conflict: false };
}

export { hostWith };
