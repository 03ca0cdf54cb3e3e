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
import { emit, isSplit, markGuestBusy, touch, traced } from './ctx.ts';
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
export function saveSnapshot(m: Ctx, name: string): void {
  stopAllVcpus(m, 'savevm');
  m.s.snapshots.set(name, saveMachine(m));
  m.cause = m.tracing ? 0 : -1;
  if (traced(m)) emit(m, -1, 'savevm', { name });
  lifeRecord(m, 'savevm', true, name);
}

/** `restore NAME` (QEMU loadvm): the VM stops and the state saved under NAME is loaded. */
export function loadSnapshot(m: Ctx, name: string): void {
  stopAllVcpus(m, 'loadvm');
  const saved = m.s.snapshots.get(name)!;
  // The SEOIB subsection is loaded (post_load sets its flag) before KVM_SET_LAPIC (R8.10).
  const vm = m.s.vm;
  if (saved.qemuSeoib !== vm.qemuSeoib || modeOfQemuState(saved.qemuSeoib) !== vm.seoib) {
    if (!qemuSeoibPostLoad(m, saved.qemuSeoib, 'loadvm', vm.host.loadvmCheck)) {
      lifeRecord(m, 'loadvm', false, name);
      return;
    }
  }
  restoreMachine(m, saved, name);
  lifeRecord(m, 'loadvm', true, name);
}

function saveMachine(m: Ctx): SavedMachine {
  const io = cloneIoapic(m.s.ioapic);
  // KVM_GET_IRQCHIP reports irr & ~irr_delivered (R5.8).
  if (!isSplit(m)) io.irr &= ~io.irrDelivered;
  return { cpus: m.s.cpus.map(cloneVcpu), ioapic: io, qemuSeoib: m.s.vm.qemuSeoib };
}

/**
 * An incoming migration (R8.11): the guest's state travels to a fresh KVM VM on the destination
 * host; on failure the VM goes on running on the source, unchanged.
 */
export function migrate(m: Ctx, change: HostChange): void {
  stopAllVcpus(m, 'migrate');
  const vm = m.s.vm;
  const dst = hostWith(vm.host, change);
  const root = m.cause;
  if (traced(m))
    m.cause = emit(m, -1, 'migration_start', {
      policy: dst.policy,
      machine: dst.machine,
      kernel: dst.kernel,
      flags: dst.flags,
      state: vm.qemuSeoib,
    });
  const plan = planMigration(m, dst);
  if (!plan.ok) {
    vm.lastMigration = 'failed';
    if (traced(m)) emit(m, -1, 'migration_failed', { reason: plan.reason });
    lifeRecord(m, 'migrate', false, `${plan.reason} (to ${dst.policy} · ${dst.machine} · ${dst.kernel})`);
    m.cause = root;
    return;
  }
  const saved = saveMachine(m);
  // The destination: a fresh KVM VM, its own flag first when it does not defer (before-load).
  vm.host = dst;
  vm.seoib = 'quirked';
  vm.lastFlagWrite = 'none';
  const own = dst.flags === 'before-load' ? stateFor(m, dst) : 'quirked';
  if (own !== 'quirked') kvmEnableCapX2apicApi(m, own === 'respected', own === 'not-advertised');
  qemuSeoibPostLoad(m, saved.qemuSeoib, 'migrate', false);
  vm.leg++;
  vm.lastMigration = 'completed';
  restoreMachine(m, saved, '', 'migration_done');
  lifeRecord(m, 'migrate', true, '');
  m.cause = root;
}

/** loadvm: KVM_SET_LAPIC on every vCPU, then KVM_SET_IRQCHIP or the route re-commit (contract §4). */
function restoreMachine(
  m: Ctx,
  saved: SavedMachine,
  name: string,
  as: 'loadvm' | 'migration_done' = 'loadvm',
): void {
  const s = m.s;
  m.restores++;
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
    kvmApicSetVersion(m, v, 'set-lapic');
    v.requests |= REQ_EVENT | REQ_SCAN_IOAPIC;
    touch(m, v);
    if (!guestIdle(v)) markGuestBusy(m, v);
  }
  // KVM_SET_LAPIC (kvm_apic_set_state()) marks the map dirty and recalculates it (R4.8).
  kvmRecalculateApicMap(m, '§4 restore: KVM_SET_LAPIC');
  const io = s.ioapic;
  const o = saved.ioapic;
  io.rte = o.rte.map(newRte);
  ioapicIndexVectors(m);
  io.line = o.line;
  io.edgeUndelivered = o.edgeUndelivered;
  if (traced(m)) {
    m.cause = 0;
    const ev =
      as === 'loadvm'
        ? emit(m, -1, 'loadvm', { name })
        : emit(m, -1, 'migration_done', { leg: s.vm.leg, mode: s.vm.seoib, state: s.vm.qemuSeoib });
    // Every vCPU's requests come from the restore.
    m.vcpuCause.fill(ev);
    m.reqCause.fill(ev);
    m.cause = ev;
  }
  if (isSplit(m)) {
    io.irr = o.irr;
    qemuUpdateKvmRoutes(m); // route re-commit: no pin is serviced
  } else {
    // KVM_SET_IRQCHIP: irr zeroed, saved irr pins re-injected, RTC tracking rebuilt (R5.8).
    kvmSetIoapic(m, o.irr);
  }
}
