/**
 * `restore NAME` field by field (contract §4 Snapshots): every field of the state is either
 * brought back as saved, reset as KVM_SET_LAPIC / KVM_SET_IRQCHIP reset it, recomputed by the
 * scan that follows, or not rewound. The lists are checked against the state's own fields, so a
 * new field has to be placed in one of them.
 */
import { describe, expect, it } from 'vitest';
import { mustParse } from '../replay/testing.ts';
import { bitmapSet, bitmapVectors } from './bitmap.ts';
import { countersGet } from './counters.ts';
import { Machine } from './machine.ts';
import type { MachineState, VcpuState } from './state.ts';
import { cloneMachineState } from './state.ts';

/** Brought back verbatim. */
const RESTORED = [
  'idReg',
  'ldr',
  'dfr',
  'spiv',
  'tpr',
  'irr',
  'isr',
  'tmr',
  'pvEoiEnabled',
  'pvEoiByte',
  'savic',
  'rflagsIf',
  'frames',
  'booted',
  'tasks',
] as const;
/** Reset by KVM_SET_LAPIC: highest_isr_cache = -1, apic_arb_prio = 0, PV EOI pending clear. */
const RESET = { highestIsrCache: -1, apicArbPrio: 0, pvEoiPending: false } as const;
/** Recomputed by the KVM_REQ_EVENT and scan that restore requests on every vCPU. */
const RECOMPUTED = [
  'ioapicHandledVectors',
  'eoiExitBitmap',
  'highestStalePendingIoapicEoi',
  'pendingIoapicEoi',
  'requests',
  'inGuest',
  'kickPending',
  // VMCS state, not LAPIC state: APICv follows the VM's inhibits (KVM_REQ_APICV_UPDATE after the
  // map recalculation), the TPR threshold is re-armed at the entry that processes KVM_REQ_EVENT.
  'apicvActive',
  'tprThreshold',
] as const;
/** Fixed by the configuration: never changed by a step. */
const CONFIGURED = ['index', 'x2apic', 'lvr', 'profile'] as const;

function boot(text: string): Machine {
  const s = mustParse(text);
  const m = Machine.boot(s.config, false);
  for (const st of s.steps) m.apply(st.action);
  return m;
}

const restore = (m: Machine) => m.apply({ kind: 'restore', name: 's' });

/** Changes every field of a vCPU to something else than it was at the snapshot. */
function scramble(v: VcpuState): void {
  v.idReg ^= 0x0f000000;
  v.ldr ^= 0x80000000;
  v.dfr = 0x5fffffff;
  v.spiv ^= 0x200;
  v.tpr = 0x70;
  bitmapSet(v.irr, 0x99);
  bitmapSet(v.isr, 0x98);
  bitmapSet(v.tmr, 0x97);
  v.pvEoiEnabled = !v.pvEoiEnabled;
  v.pvEoiByte = v.pvEoiByte ? 0 : 1;
  if (v.savic) {
    bitmapSet(v.savic.irr, 0x91);
    bitmapSet(v.savic.isr, 0x92);
    bitmapSet(v.savic.tmr, 0x93);
    v.savic.tpr = 0x50;
  }
  v.rflagsIf = !v.rflagsIf;
  v.frames.push({ vector: 0x98, savedIf: true, levelAtTake: false, script: null, pc: 0 });
  v.booted = !v.booted;
  v.tasks.push({ vector: 0x97, script: null, pc: 0 });
  v.highestIsrCache = 0x98;
  v.apicArbPrio = 5;
  v.pvEoiPending = true;
  bitmapSet(v.ioapicHandledVectors, 0x96);
  bitmapSet(v.eoiExitBitmap, 0x96);
}

function restoredFields(before: MachineState, after: MachineState): void {
  for (const [i, v] of after.cpus.entries()) {
    for (const f of RESTORED) expect(v[f], `vCPU ${i} ${f}`).toEqual(before.cpus[i][f]);
    for (const [f, value] of Object.entries(RESET))
      expect(v[f as keyof typeof RESET], `vCPU ${i} ${f}`).toBe(value);
  }
}

// IF = 0 on both vCPUs, so that nothing is injected around the restore.
const SPLIT = `vcpus 2
apic xapic
irqchip split
guest 1 profile=linux
cpu 0 cli
cpu 1 cli
cpu 0 ldr 0x1000000
cpu 1 ldr 0x2000000
cpu 1 dfr 0x0fffffff
cpu 1 apic-id 0x7000000
cpu 0 tpr 0x20
cpu 0 spiv 0x3ff
cpu 1 pv-eoi on
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
msi dest=7 vector=0x31
snapshot s
`;

describe('restore (contract §4 Snapshots)', () => {
  it('classifies every field of a vCPU', () => {
    const fields = Object.keys(boot('vcpus 1\n').state.cpus[0]).sort();
    expect(fields).toEqual([...RESTORED, ...Object.keys(RESET), ...RECOMPUTED, ...CONFIGURED].sort());
  });

  it('brings back every LAPIC register, IF, frames, tasks and PV EOI, and resets the KVM caches', () => {
    const m = boot(SPLIT);
    const saved = cloneMachineState(m.state);
    expect(saved.cpus[0].spiv).toBe(0x3ff); // the focus bit is stored (R2.3)
    for (const v of m.state.cpus) scramble(v);
    restore(m);
    restoredFields(saved, m.state);
  });

  it('scans every vCPU afterwards, with the restored RTEs', () => {
    const m = boot(SPLIT);
    const scans = countersGet(m.state.counters, 'scans');
    m.state.ioapic.rte[10].vector = 0x77;
    for (const v of m.state.cpus) scramble(v);
    restore(m);
    expect(countersGet(m.state.counters, 'scans')).toBe(scans + 2);
    expect(bitmapVectors(m.state.cpus[0].ioapicHandledVectors)).toEqual([0x62]);
    expect(bitmapVectors(m.state.cpus[1].ioapicHandledVectors)).toEqual([]);
    expect(m.state.ioapic.rte[10].vector).toBe(0x62);
  });

  it('brings back the RTEs, the input levels and (split) irr', () => {
    const m = boot(SPLIT);
    const saved = cloneMachineState(m.state).ioapic;
    const io = m.state.ioapic;
    io.rte[10] = { ...io.rte[10], vector: 0x77, mask: 1, dest: 1 };
    io.rte[3].vector = 0x33;
    io.line = 0;
    io.irr = 1 << 3;
    restore(m);
    expect(m.state.ioapic.rte).toEqual(saved.rte);
    expect(m.state.ioapic.line).toBe(saved.line);
    expect(m.state.ioapic.irr).toBe(saved.irr);
  });

  it('does not rewind counters, time, storm counters, deferred injections or the SEOIB mode', () => {
    const m = boot(SPLIT);
    const s = m.state;
    s.time += 5_000_000;
    s.ioapic.irqEoi[10] = 7;
    s.ioapic.deliveries[10] = 9;
    s.ioapic.deferredAt = s.time + 1_000_000_000;
    s.vm.seoib = 'enabled';
    const injections = countersGet(s.counters, 'injections');
    const time = s.time;
    restore(m);
    expect(m.state.time).toBeGreaterThanOrEqual(time);
    expect(m.state.ioapic.irqEoi[10]).toBe(7);
    expect(m.state.ioapic.deliveries[10]).toBe(9);
    expect(m.state.ioapic.deferredAt).toBe(time + 1_000_000_000);
    expect(m.state.vm.seoib).toBe('enabled');
    expect(countersGet(m.state.counters, 'injections')).toBe(injections);
  });

  it('brings back the Secure AVIC guest registers of every vCPU', () => {
    const m = boot(`vcpus 2
irqchip kernel
secure-avic on
cpu 0 cli
cpu 1 cli
cpu 1 tpr 0x30
msi dest=0 vector=0x31
msi dest=1 vector=0x41
snapshot s
`);
    const saved = cloneMachineState(m.state);
    expect(saved.cpus[1].savic!.tpr).toBe(0x30);
    expect(bitmapVectors(saved.cpus[1].savic!.irr)).toEqual([0x41]);
    for (const v of m.state.cpus) scramble(v);
    restore(m);
    restoredFields(saved, m.state);
  });

  it.each(['split', 'kernel'])(
    '%s: re-arms the TPR threshold at the next entry, and every event after the restore is caused by it',
    (irqchip) => {
      // KVM_SET_LAPIC makes KVM_REQ_EVENT: the entry that processes it re-arms the threshold.
      const s = mustParse(`vcpus 2
irqchip ${irqchip}
guest 1 profile=linux
cpu 0 tpr 0xf0
msi dest=0 vector=0x31
snapshot s
cpu 0 tpr 0
restore s
`);
      const m = Machine.boot(s.config, true);
      for (const st of s.steps.slice(0, -1)) m.apply(st.action);
      m.state.cpus[0].tprThreshold = 0;
      const events = m.apply(s.steps.at(-1)!.action).events;
      expect(m.state.cpus[0].tprThreshold).toBe(3); // IRR 0x31 under TPR 0xf0
      const at = events.findIndex((e) => e.type === 'loadvm');
      expect(events.slice(at + 1).map((e) => e.type)).toEqual(
        expect.arrayContaining(['scan_ioapic', 'tpr_threshold', 'kvm_entry']),
      );
      for (const [i, e] of events.entries()) {
        if (i <= at) continue;
        let c = e.cause;
        while (c !== null && c > at) c = events[c].cause;
        expect(c, `${i} ${e.type}`).toBe(at);
      }
    },
  );
});

describe('what savevm, loadvm and the in-kernel IOAPIC save (R5.8, R8.10)', () => {
  const edge = (irqchip: string) => `vcpus 1
irqchip ${irqchip}
cpu 0 cli
route 4 vector=0x44 trigger=edge dest=0 mask=0
assert 4
snapshot s
`;

  it('in-kernel: KVM_GET_IRQCHIP leaves out a delivered edge pin, so restore does not inject it again', () => {
    const m = boot(edge('kernel'));
    expect(m.state.ioapic.irr & (1 << 4)).toBe(1 << 4);
    expect(m.state.snapshots.get('s')!.ioapic.irr & (1 << 4)).toBe(0);
    const deliveries = m.state.ioapic.deliveries[4];
    restore(m);
    expect(m.state.ioapic.irr & (1 << 4)).toBe(0);
    expect(m.state.ioapic.deliveries[4]).toBe(deliveries);
  });

  it('in-kernel: a level pin held high is saved (irr_delivered marks edges only)', () => {
    const m = boot(edge('kernel').replace('trigger=edge', 'trigger=level'));
    expect(m.state.snapshots.get('s')!.ioapic.irr & (1 << 4)).toBe(1 << 4);
    restore(m);
    expect(m.state.ioapic.irr & (1 << 4)).toBe(1 << 4);
  });

  const life = (text: string) =>
    boot(text)
      .state.vm.life.filter((e) => e.kind !== 'power-on' && e.kind !== 'flag-write')
      .map((e) => ({ kind: e.kind, ok: e.ok, detail: e.detail, leg: e.leg, mode: e.mode }));

  it('records each savevm, loadvm and migration in the life strip, with its outcome', () => {
    expect(
      life(`vcpus 1
qemu seoib-policy=respected
snapshot a
migrate policy=none
migrate machine=pc-q35-10.2
restore a
`),
    ).toEqual([
      { kind: 'savevm', ok: true, detail: 'a', leg: 0, mode: 'enabled' },
      {
        kind: 'migrate',
        ok: false,
        detail: 'unknown-subsection (to none · pc-q35-10.2 · seoib-api)',
        leg: 0,
        mode: 'enabled',
      },
      { kind: 'migrate', ok: true, detail: '', leg: 1, mode: 'enabled' },
      { kind: 'loadvm', ok: true, detail: 'a', leg: 1, mode: 'enabled' },
    ]);
  });

  it("loads the SEOIB state first when only KVM's mode differs from it, and can refuse there", () => {
    // QEMU's state is QUIRKED in both, but KVM has a flag now: loadvm-check refuses (R8.10).
    const text = `vcpus 1
qemu loadvm-check=on
snapshot q
kvm-set-x2apic-api seoib=disable
restore q
`;
    expect(life(text)).toEqual([
      { kind: 'savevm', ok: true, detail: 'q', leg: 0, mode: 'quirked' },
      { kind: 'loadvm', ok: false, detail: 'q', leg: 0, mode: 'disabled' },
    ]);
  });

  it("loads the SEOIB state first when only QEMU's state differs, and sets its flag", () => {
    const m = boot(`vcpus 1
qemu seoib-policy=respected
snapshot a
power-on policy=none
restore a
`);
    expect(m.state.vm.seoib).toBe('enabled');
    expect(m.state.vm.qemuSeoib).toBe('respected');
    expect(m.state.vm.life.at(-1)).toMatchObject({ kind: 'loadvm', ok: true, detail: 'a' });
    // LVR follows the new mode at KVM_SET_LAPIC (R8.9).
    const s = mustParse(
      'vcpus 1\nqemu seoib-policy=not-advertised\nsnapshot a\npower-on policy=none\nrestore a\n',
    );
    const traced = Machine.boot(s.config, true);
    let events: { type: string; why: string }[] = [];
    for (const st of s.steps) events = traced.apply(st.action).events;
    expect(events.filter((e) => e.type === 'lvr_recomputed').map((e) => e.why)).toEqual([
      expect.stringContaining('runs at KVM_SET_LAPIC (kvm_apic_set_state)'),
    ]);
  });

  it("takes QEMU's saved state even when KVM's mode already matches it", () => {
    const m = boot(`vcpus 1
qemu seoib-policy=respected
snapshot a
power-on policy=none
kvm-set-x2apic-api seoib=enable
restore a
`);
    expect(m.state.vm.seoib).toBe('enabled');
    expect(m.state.vm.qemuSeoib).toBe('respected');
  });

  it('a before-load destination whose policy asks for no flag writes none', () => {
    const m = boot('vcpus 1\nmigrate flags=before-load\n');
    expect(m.state.vm.lastMigration).toBe('completed');
    expect(m.state.vm.seoib).toBe('quirked');
    expect(m.state.vm.lastFlagWrite).toBe('none');
  });

  it('a before-load destination sets its own flag before the stream is loaded', () => {
    const s = mustParse(`vcpus 1
qemu seoib-policy=respected
migrate flags=before-load
`);
    const m = Machine.boot(s.config, true);
    let events: { type: string; text: string }[] = [];
    for (const st of s.steps) events = m.apply(st.action).events;
    const kinds = events
      .map((e) => e.type)
      .filter((t) => t === 'x2apic_api_enable_cap' || t === 'qemu_seoib_load');
    expect(kinds).toEqual(['x2apic_api_enable_cap', 'qemu_seoib_load']);
    expect(events.find((e) => e.type === 'qemu_seoib_load')!.text).toContain('same');
    expect(m.state.vm.seoib).toBe('enabled');
  });
});
