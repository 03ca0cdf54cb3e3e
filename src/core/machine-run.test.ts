/**
 * The Machine's step bookkeeping that the mutation run of machine.ts left untested: a run's
 * end in chunks (further calls, stop after the end, a crashed VM), a run resumed from a
 * checkpoint (`endRunAt`), a trace capped at 0 events, the `work` of a step, errors that are
 * not host crashes, a host crash at a run's very start, a timer falling due at a step's start,
 * the busy marks of a windows guest whose deferred task waits, `stateAfterEvent` leaving the
 * machine usable, an x2APIC IPI's exit, the life strip's flag writes, and `GuestRun.stopHere`.
 *
 * Each test was checked against the hand-made mutants it is written for (the survivors listed in
 * docs/mutation-survivors.md): with the mutant applied to machine.ts it fails, without it it
 * passes.
 */
import { describe, expect, it } from 'vitest';
import { HOST_CRASH_AT_RUN_STEP_3, mustParse } from '../replay/testing.ts';
import type { Action } from './actions.ts';
import { GuestRun, Machine, STEP_NS } from './machine.ts';
import { cloneMachineState } from './state.ts';

/** A booted machine that has applied every step of `text`. */
function play(text: string): Machine {
  const s = mustParse(text);
  const m = Machine.boot(s.config);
  for (const st of s.steps) m.apply(st.action);
  return m;
}

function action(text: string): Action {
  return mustParse(text).steps[0].action;
}

const types = (m: Machine): string[] => m.ctx.events.map((e) => e.type);

/** Linux guests each handling an MSI: `run 400` ends early, when no guest has work left (4 guest steps). */
const LINUX = `vcpus 2
guest all profile=linux
run
msi dest=0 vector=0x31
msi dest=1 vector=0x32
`;

/** R9.5: a host crash at step 3 of a run (replay/testing.ts). */
const CRASH_AT_3 = HOST_CRASH_AT_RUN_STEP_3;

/**
 * A manual guest's EOIs make a level pin storm (the line stays high): at the second EOI KVM
 * defers the reinjection by 10 ms (ioapic-common.ts deferStorm). Leaves the pin pending.
 */
const STORM_DEFERRED = `vcpus 1
irqchip kernel
apicv off
kvm storm-limit=2
route 3 vector=0xa3 trigger=level dest=0 mask=0
assert 3
cpu 0 eoi
cpu 0 iret
cpu 0 eoi
cpu 0 iret
`;

/** Waits until the deferred IOAPIC service is due `ahead` ns after the next action's start. */
function waitUntilDue(m: Machine, ahead: number): void {
  const due = m.state.ioapic.deferredAt;
  expect(due).toBeGreaterThan(m.state.time);
  // A wait takes STEP_NS then `ns`; the next action's own STEP_NS then reaches `due - ahead`.
  m.apply({ kind: 'wait', ns: due - m.state.time - 2 * STEP_NS - ahead });
  expect(m.state.time + STEP_NS).toBe(due - ahead);
}

/** Makes reading vCPU `i`'s handler frames throw: a stand-in for a bug in the model. */
function breakFrames(m: Machine, i: number): void {
  Object.defineProperty(m.state.cpus[i], 'frames', {
    get(): never {
      throw new Error('model bug');
    },
  });
}

describe('a fresh machine', () => {
  // A step's trace holds that step's events only: nothing is recorded before the first step.
  it('has recorded no event, booted or continued from a state', () => {
    const m = play(LINUX);
    expect(Machine.boot(mustParse(LINUX).config).ctx.events).toEqual([]);
    expect(Machine.fromState(m.state, true).ctx.events).toEqual([]);
    expect(Machine.fromState(m.state, false).ctx.events).toEqual([]);
  });

  it('continued from a state, traces unless told not to', () => {
    const m = Machine.fromState(play(LINUX).state);
    expect(m.apply(action('run 1')).events.map((e) => e.type)).toContain('run_done');
  });
});

describe('the work of a step', () => {
  // Keyframe spacing reads it (the resumed run's is checked with endRunAt below).
  it('is 1 + its guest steps, applied or in chunks', () => {
    const whole = play(LINUX).apply({ kind: 'run', n: 400 });
    expect(whole.work).toBe(1 + 4);
    const m = play(LINUX);
    const run = m.beginRun(400);
    while (!run.advance(3));
    expect(run.result().work).toBe(1 + 4);
    expect(play(LINUX).apply({ kind: 'run', n: 3 }).work).toBe(1 + 3);
  });
});

describe('a run in chunks, once it has ended', () => {
  it('advancing or stopping it again changes nothing (no second run_done, the root keeps `run 400`)', () => {
    const m = play(LINUX);
    const run = m.beginRun(400);
    while (!run.advance(3));
    const ended = structuredClone(run.result());
    const state = cloneMachineState(m.state);
    expect(ended.events[0].fields).toEqual({ label: 'run 400', device: false });
    expect(run.advance(3)).toBe(true);
    expect(run.stop()).toEqual({ kind: 'run', n: 4 });
    expect(run.advance(3)).toBe(true);
    expect(run.result()).toEqual(ended);
    expect(m.state).toEqual(state);
    expect(run.done).toBe(true);
  });

  it('stopped, it is done: further chunks take no step and record nothing', () => {
    const m = play(LINUX);
    const run = m.beginRun(400);
    run.advance(2);
    expect(run.stop()).toEqual({ kind: 'run', n: 2 });
    const stopped = structuredClone(run.result());
    expect(run.done).toBe(true);
    expect(run.advance(10)).toBe(true);
    expect(run.steps).toBe(2);
    expect(run.result()).toEqual(stopped);
    expect(types(m).filter((t) => t === 'run_done')).toHaveLength(1);
  });

  it('on a crashed VM, advancing and stopping take no step and record nothing more', () => {
    // A linux guest's PV EOI turned off by the host while pending: its next exit crashes (R9.5).
    const m = play(`vcpus 2
kvm pv-eoi-disable-fix=off
guest all profile=linux
run
msi dest=0 vector=0x31
host-pv-eoi 0 off
cpu 0 exit
`);
    expect(m.state.vm.crashed).toBe(true);
    const run = m.beginRun(10);
    expect(run.advance(5)).toBe(true);
    expect(run.stop()).toEqual({ kind: 'run', n: 0 });
    expect(types(m)).toEqual(['action', 'vm_stopped']);
  });

  it('after a host crash in the middle, stopping adds no run_done', () => {
    const m = play(CRASH_AT_3);
    const run = m.beginRun(400);
    while (!run.advance(1));
    expect(m.state.vm.crashed).toBe(true);
    const crashed = structuredClone(run.result());
    expect(crashed.events.map((e) => e.type)).not.toContain('run_done');
    expect(run.stop()).toEqual({ kind: 'run', n: 3 });
    expect(run.result()).toEqual(crashed);
  });
});

describe('a run resumed from a checkpoint (endRunAt)', () => {
  /** Runs `k` guest steps of `run 1000` with a trace cap, then ends it on a copy as the worker's checkpoint does. */
  function resumed(text: string, k: number, cap: number) {
    const m = play(text);
    m.ctx.maxEvents = cap;
    const run = m.beginRun(1000);
    while (run.steps < k) run.advance(1);
    const copy = Machine.fromState(cloneMachineState(m.state), false);
    const r = copy.endRunAt(run.steps, m.ctx.events.slice(), m.ctx.droppedEvents, cap);
    const ref = play(text);
    ref.ctx.maxEvents = cap;
    return { r, copy, wanted: ref.apply({ kind: 'run', n: k }), ref };
  }

  const STORM = `vcpus 4
kvm storm-limit=50
guest all profile=windows
route 3 vector=0xa3 trigger=level dest=2 mask=0
assert 3
`;

  it('with room left in its trace, is `run K`: events (its run_done), dropped count, work, state', () => {
    for (const k of [1, 20]) {
      const { r, copy, wanted, ref } = resumed(STORM, k, 100_000);
      expect(r.events.at(-1)?.fields).toEqual({ steps: k, limit: k });
      expect(r).toEqual(wanted);
      expect(r.work).toBe(1 + k);
      expect(copy.ctx.droppedEvents).toBe(ref.ctx.droppedEvents);
      expect(copy.state).toEqual(ref.state);
    }
  });

  it('with its trace full, is `run K` too (the run_done counted as dropped)', () => {
    const { r, copy, wanted, ref } = resumed(STORM, 20, 30);
    expect(r).toEqual(wanted);
    expect(copy.ctx.droppedEvents).toBe(ref.ctx.droppedEvents);
  });
});

describe('a traced step that keeps no events (maxEvents 0)', () => {
  it('stopped or resumed from a checkpoint, records nothing and counts every event', () => {
    const ref = play(LINUX);
    ref.ctx.maxEvents = 0;
    const wanted = ref.apply({ kind: 'run', n: 3 });
    expect(wanted.events).toEqual([]);
    expect(ref.ctx.droppedEvents).toBeGreaterThan(3);

    const m = play(LINUX);
    m.ctx.maxEvents = 0;
    const run = m.beginRun(400);
    while (run.steps < 3) run.advance(1);
    const checkpoint = { state: cloneMachineState(m.state), dropped: m.ctx.droppedEvents };
    expect(run.stop()).toEqual({ kind: 'run', n: 3 });
    expect(run.result()).toEqual(wanted);
    expect(m.ctx.droppedEvents).toBe(ref.ctx.droppedEvents);

    const copy = Machine.fromState(checkpoint.state, false);
    expect(copy.endRunAt(3, [], checkpoint.dropped, 0)).toEqual(wanted);
    expect(copy.ctx.droppedEvents).toBe(ref.ctx.droppedEvents);
  });
});

describe('an error that is not a host crash (a bug) is not taken for one', () => {
  it('propagates out of an action, a run (whole or in chunks) and stateAfterEvent', () => {
    const text = `${LINUX}msi dest=0 vector=0x33\n`;
    const a = play(text);
    breakFrames(a, 0);
    expect(() => a.apply(action('cpu 0 iret'))).toThrow('model bug');

    const b = play(text);
    breakFrames(b, 0);
    expect(() => b.apply({ kind: 'run', n: 5 })).toThrow('model bug');

    const c = play(text);
    breakFrames(c, 0);
    expect(() => c.beginRun(5).advance(1)).toThrow('model bug');

    const d = play(text);
    breakFrames(d, 0);
    expect(() => d.stateAfterEvent(action('cpu 0 iret'), 3)).toThrow('model bug');
  });
});

describe('stateAfterEvent', () => {
  it('for an event the step does not have, returns null and leaves the machine as the step did', () => {
    const m = play(LINUX);
    const ref = play(LINUX);
    const msi = action('msi dest=0 vector=0x34');
    expect(m.stateAfterEvent(msi, 999)).toBeNull();
    ref.apply(msi);
    expect(m.state).toEqual(ref.state);
    // The next step runs whole: nothing is captured any more.
    expect(m.apply({ kind: 'run', n: 400 })).toEqual(ref.apply({ kind: 'run', n: 400 }));
  });
});

describe('timers (the deferred IOAPIC service after a storm)', () => {
  it('one due at an action’s start is settled before the action: the guest takes the interrupt before its cli', () => {
    const m = play(STORM_DEFERRED);
    waitUntilDue(m, 0);
    const r = m.apply(action('cpu 0 cli'));
    const t = r.events.map((e) => e.type);
    expect(t.indexOf('kvm_inj_virq')).toBeGreaterThan(0);
    expect(t.indexOf('kvm_inj_virq')).toBeLessThan(t.indexOf('guest_cli'));
    expect(m.state.cpus[0].frames.map((f) => f.vector)).toEqual([0xa3]);
    expect(m.state.ioapic.deferredAt).toBe(-1);
  });

  it('one due at a run’s start, whose kick exits with PV EOI pending but off, crashes the run before any guest step', () => {
    const text = `${STORM_DEFERRED.replace('apicv off\n', 'apicv off\nkvm pv-eoi-disable-fix=off\n')}cpu 0 pv-eoi on
msi dest=0 vector=0x31
host-pv-eoi 0 off
`;
    const m = play(text);
    expect(m.state.cpus[0].pvEoiPending).toBe(true);
    waitUntilDue(m, 0);
    const r = m.apply({ kind: 'run', n: 5 });
    expect(m.state.vm.crashed).toBe(true);
    expect(r.work).toBe(1);
    expect(r.events.map((e) => e.type)).toEqual([
      'action',
      'ioapic_deferred_service',
      'ioapic_service',
      'delivery_fast_path',
      'kvm_apic_accept_irq',
      'ioapic_delivered',
      'kvm_exit',
      'host_bug_on',
    ]);
    // In chunks: the run is over as soon as it begins.
    const c = play(text);
    waitUntilDue(c, 0);
    const run = c.beginRun(5);
    expect(run.done).toBe(true);
    expect(run.advance(1)).toBe(true);
    expect(run.result()).toEqual(r);
    expect(c.state).toEqual(m.state);
  });

  it('one due in the middle of a run descends from the run, not from the guest step before it', () => {
    const m = play(`vcpus 2
apicv off
kvm storm-limit=5
guest 0 profile=windows
guest 1 profile=linux
route 3 vector=0xa3 trigger=level dest=0 mask=0
run
assert 3
run
`);
    // Due at the run's second guest step: the MSI, the run's start and its first step take STEP_NS each.
    waitUntilDue(m, 3 * STEP_NS);
    m.apply(action('msi dest=1 vector=0x41'));
    const r = m.apply({ kind: 'run', n: 6 });
    const i = r.events.findIndex((e) => e.type === 'ioapic_deferred_service');
    expect(r.events.slice(0, i).map((e) => e.type)).toEqual(['action', 'guest_handler', 'pv_eoi_elided']);
    expect(r.events[i].cause).toBe(0);
  });
});

describe('the busy marks of a run', () => {
  it('keep a windows guest whose deferred IOAPIC EOI waits behind an interrupt it cannot take', () => {
    const m = play(`vcpus 1
apicv off
kvm seoib=enabled
guest 0 profile=windows
run
route 5 vector=0xa2 trigger=level dest=0 mask=0
pulse 5
run 2
cpu 0 cli
msi dest=0 vector=0x31
run
`);
    const v = m.state.cpus[0];
    // The task waits: 0x31 is pending and IF is clear, so the run above took no step.
    expect([v.frames.length, v.tasks.length, v.rflagsIf]).toEqual([0, 1, false]);
    // A TPR above 0x31 blocks it: the task can run now, though no interrupt was taken.
    m.apply(action('cpu 0 tpr 0xf0'));
    const r = m.apply({ kind: 'run', n: 10 });
    expect(r.events.map((e) => e.type)).toContain('guest_deferred_task');
    expect(r.work).toBe(2);
    expect(v.tasks).toEqual([]);
  });
});

describe('an IPI', () => {
  it('from an x2APIC vCPU exits as an MSR write', () => {
    const m = play('vcpus 2\napic x2apic\n');
    const exit = m.apply(action('ipi from=1 vector=0x42 dest=0')).events.find((e) => e.type === 'kvm_exit');
    expect(exit?.fields).toEqual({ reason: 'MSR_WRITE', what: 'icr-write' });
  });
});

describe('KVM_ENABLE_CAP(KVM_CAP_X2APIC_API) from the action', () => {
  it('records in the life strip whether the flag write succeeded', () => {
    const m = play('vcpus 1\nkvm-set-x2apic-api seoib=disable\nkvm-set-x2apic-api seoib=both\n');
    expect(m.state.vm.life.filter((e) => e.kind === 'flag-write').map((e) => [e.detail, e.ok])).toEqual([
      ['disable', true],
      ['both', false],
    ]);
  });
});

describe('GuestRun.stopHere (exported; the Machine stops a run only through ChunkedRun)', () => {
  it('ends the run once: done, one run_done, a second call records nothing', () => {
    const m = play(LINUX);
    m.beginRun(0); // starts the step: its root event
    const run = new GuestRun(m.ctx, 400);
    run.advance(2);
    run.stopHere();
    expect(run.done).toBe(true);
    run.stopHere();
    expect(types(m)).toEqual([
      'action',
      'guest_handler',
      'pv_eoi_elided',
      'guest_handler',
      'pv_eoi_elided',
      'run_done',
    ]);
    expect(m.ctx.events.at(-1)?.fields).toEqual({ steps: 2, limit: 2 });
  });
});
