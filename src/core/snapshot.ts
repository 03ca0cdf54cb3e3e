/**
 * The VM's state saved and loaded (contract §4 Snapshots, R5.8, R8.9–R8.11): QEMU's savevm and
 * loadvm (migration/savevm.c save_snapshot(), load_snapshot()) and an incoming migration, with
 * what they read and write in KVM: KVM_GET_LAPIC / KVM_SET_LAPIC (lapic.c kvm_apic_get_state(),
 * kvm_apic_set_state()), KVM_GET_IRQCHIP / KVM_SET_IRQCHIP for the in-kernel IOAPIC (its
 * kvm_set_ioapic() is ioapic.ts, being ioapic.c), and QEMU's own IOAPIC and route re-commit under
 * split. Migration is here rather than with the VM's life (life.ts), which plans it: it is a save
 * on one host and a load on the other.
 */
import type { HostChange } from './actions.ts';
import { modeOfQemuState } from './config.ts';
import type { Ctx } from './ctx.ts';
import { emit, markGuestBusy, touch, traced } from './ctx.ts';
import { guestIdle } from './guest.ts';
import { kvmSetIoapic } from './ioapic.ts';
import { ioapicIndexVectors } from './ioapic-common.ts';
import { kvmApicSetVersion, kvmRecalculateApicMap } from './lapic.ts';
import {
  hostWith,
  kvmEnableCapX2apicApi,
  lifeRecord,
  planMigration,
  qemuSeoibPostLoad,
  stateFor,
  stopAllVcpus,
} from './life.ts';
import { qemuUpdateKvmRoutes } from './qemu-ioapic.ts';
import type { SavedMachine } from './state.ts';
import {
  cloneFrames,
  cloneIoapic,
  cloneTasks,
  cloneVcpu,
  newRte,
  REQ_EVENT,
  REQ_SCAN_IOAPIC,
} from './state.ts';

/** `snapshot NAME` (QEMU savevm): the VM stops and its state is saved under NAME. */
export function saveSnapshot(ctx: Ctx, name: string): void {
  stopAllVcpus(ctx, 'savevm');
  ctx.state.snapshots.set(name, saveMachine(ctx));
  ctx.cause = ctx.tracing ? 0 : -1;
  if (traced(ctx)) emit(ctx, -1, 'savevm', { name });
  lifeRecord(ctx, 'savevm', true, name);
}

/** `restore NAME` (QEMU loadvm): the VM stops and the state saved under NAME is loaded. */
export function loadSnapshot(ctx: Ctx, name: string): void {
  stopAllVcpus(ctx, 'loadvm');
  const saved = ctx.state.snapshots.get(name)!;
  // The SEOIB subsection is loaded (post_load sets its flag) before KVM_SET_LAPIC (R8.10).
  const vm = ctx.state.vm;
  if (saved.qemuSeoib !== vm.qemuSeoib || modeOfQemuState(saved.qemuSeoib) !== vm.seoib) {
    if (!qemuSeoibPostLoad(ctx, saved.qemuSeoib, 'loadvm', vm.host.loadvmCheck)) {
      lifeRecord(ctx, 'loadvm', false, name);
      return;
    }
  }
  restoreMachine(ctx, saved, name);
  lifeRecord(ctx, 'loadvm', true, name);
}

function saveMachine(ctx: Ctx): SavedMachine {
  const io = cloneIoapic(ctx.state.ioapic);
  // KVM_GET_IRQCHIP reports irr & ~irr_delivered (R5.8).
  if (!ctx.split) io.irr &= ~io.irrDelivered;
  return { cpus: ctx.state.cpus.map(cloneVcpu), ioapic: io, qemuSeoib: ctx.state.vm.qemuSeoib };
}

/**
 * An incoming migration (R8.11): the guest's state travels to a fresh KVM VM on the destination
 * host; on failure the VM goes on running on the source, unchanged.
 */
export function migrate(ctx: Ctx, change: HostChange): void {
  stopAllVcpus(ctx, 'migrate');
  const vm = ctx.state.vm;
  const dst = hostWith(vm.host, change);
  const root = ctx.cause;
  if (traced(ctx))
    ctx.cause = emit(ctx, -1, 'migration_start', {
      policy: dst.policy,
      machine: dst.machine,
      kernel: dst.kernel,
      flags: dst.flags,
      state: vm.qemuSeoib,
    });
  const plan = planMigration(ctx, dst);
  if (!plan.ok) {
    vm.lastMigration = 'failed';
    if (traced(ctx)) emit(ctx, -1, 'migration_failed', { reason: plan.reason });
    lifeRecord(ctx, 'migrate', false, `${plan.reason} (to ${dst.policy} · ${dst.machine} · ${dst.kernel})`);
    ctx.cause = root;
    return;
  }
  const saved = saveMachine(ctx);
  // The destination: a fresh KVM VM, its own flag first when it does not defer (before-load).
  vm.host = dst;
  vm.seoib = 'quirked';
  vm.lastFlagWrite = 'none';
  const own = dst.flags === 'before-load' ? stateFor(ctx, dst) : 'quirked';
  if (own !== 'quirked') kvmEnableCapX2apicApi(ctx, own === 'respected', own === 'not-advertised');
  qemuSeoibPostLoad(ctx, saved.qemuSeoib, 'migrate', false);
  vm.leg++;
  vm.lastMigration = 'completed';
  restoreMachine(ctx, saved, '', 'migration_done');
  lifeRecord(ctx, 'migrate', true, '');
  ctx.cause = root;
}

/** loadvm: KVM_SET_LAPIC on every vCPU, then KVM_SET_IRQCHIP or the route re-commit (contract §4). */
function restoreMachine(
  ctx: Ctx,
  saved: SavedMachine,
  name: string,
  as: 'loadvm' | 'migration_done' = 'loadvm',
): void {
  const s = ctx.state;
  ctx.restores++;
  for (const v of s.cpus) {
    const o = saved.cpus[v.index];
    v.idReg = o.idReg;
    v.ldr = o.ldr;
    v.dfr = o.dfr;
    v.spiv = o.spiv;
    v.tpr = o.tpr;
    v.irr.set(o.irr);
    v.isr.set(o.isr);
    v.tmr.set(o.tmr);
    v.rflagsIf = o.rflagsIf;
    v.frames = cloneFrames(o.frames);
    v.tasks = cloneTasks(o.tasks);
    v.booted = o.booted;
    v.pvEoiEnabled = o.pvEoiEnabled;
    v.pvEoiByte = o.pvEoiByte;
    if (v.savic && o.savic) {
      v.savic.irr.set(o.savic.irr);
      v.savic.isr.set(o.savic.isr);
      v.savic.tmr.set(o.savic.tmr);
      v.savic.tpr = o.savic.tpr;
    }
    v.highestIsrCache = -1;
    v.apicArbPrio = 0;
    v.pvEoiPending = false;
    // kvm_apic_set_state() copies the registers, then kvm_apic_set_version() (R8.9).
    kvmApicSetVersion(ctx, v, 'set-lapic');
    v.requests |= REQ_EVENT | REQ_SCAN_IOAPIC;
    touch(ctx, v);
    if (!guestIdle(v)) markGuestBusy(ctx, v);
  }
  // KVM_SET_LAPIC (kvm_apic_set_state()) marks the map dirty and recalculates it (R4.8).
  kvmRecalculateApicMap(ctx, '§4 restore: KVM_SET_LAPIC');
  const io = s.ioapic;
  const o = saved.ioapic;
  io.rte = o.rte.map(newRte);
  ioapicIndexVectors(ctx);
  io.line = o.line;
  io.edgeUndelivered = o.edgeUndelivered;
  if (traced(ctx)) {
    ctx.cause = 0;
    const ev =
      as === 'loadvm'
        ? emit(ctx, -1, 'loadvm', { name })
        : emit(ctx, -1, 'migration_done', { leg: s.vm.leg, mode: s.vm.seoib, state: s.vm.qemuSeoib });
    // Every vCPU's requests come from the restore.
    ctx.vcpuCause.fill(ev);
    ctx.reqCause.fill(ev);
    ctx.cause = ev;
  }
  if (ctx.split) {
    io.irr = o.irr;
    qemuUpdateKvmRoutes(ctx); // route re-commit: no pin is serviced
  } else {
    // KVM_SET_IRQCHIP: irr zeroed, saved irr pins re-injected, RTC tracking rebuilt (R5.8).
    kvmSetIoapic(ctx, o.irr);
  }
}
