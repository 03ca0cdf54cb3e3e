/**
 * A `run K` appended from a checkpoint (Timeline.appendRecorded, issue 14.6) is the step that
 * running it gives, and one that does not fit is refused with nothing changed.
 */
import { describe, expect, it } from 'vitest';
import type { Action } from '../core/actions.ts';
import type { Config } from '../core/config.ts';
import type { VcpuState } from '../core/state.ts';
import type { RunSoFar } from './recorded.ts';
import { MUTATING, mustParse } from './testing.ts';
import { Timeline } from './timeline.ts';

const CAP = 3000;

/** Storms on two pins, a snapshot taken (the state's Map of them travels too). */
const storm = mustParse(`vcpus 8
kvm storm-limit=1000000
guest all profile=windows
run
route 3 vector=0xa3 trigger=level dest=2 mask=0
assert 3
snapshot a
route 4 vector=0xb4 trigger=level dest=5 mask=0
assert 4
`);
/** Secure AVIC: its guest-owned registers are part of every vCPU's state. */
const savic = mustParse(`vcpus 3
secure-avic on
guest all profile=windows
run
route 5 vector=0xa2 trigger=level dest=1 mask=0
assert 5
`);

const actionsOf = (s: typeof storm) => s.steps.map((st) => st.action);

/** The checkpoint of a run after `chunks` chunks of `chunk` guest steps, as it arrives (a structured clone). */
function checkpointOf(config: Config, prefix: Action[], chunk: number, chunks: number): RunSoFar {
  const t = new Timeline(config, prefix, { traceLongSteps: CAP });
  const run = t.beginRun(1_000_000_000, CAP);
  for (let i = 0; i < chunks; i++) expect(run.advance(chunk)).toBe(false);
  const r = t.runSoFar();
  expect(r?.steps).toBe(chunk * chunks);
  return structuredClone(r!);
}

describe('a run appended from its checkpoint', () => {
  for (const [what, s, chunk, chunks] of [
    ['a storm, its trace full (events dropped)', storm, 997, 120],
    ['a storm, a few guest steps in (its trace not full)', storm, 3, 4],
    ['Secure AVIC', savic, 211, 30],
  ] as const) {
    it.skipIf(MUTATING)(`is the step that running it gives: ${what}`, () => {
      const prefix = actionsOf(s);
      const cp = checkpointOf(s.config, prefix, chunk, chunks);
      if (chunks === 4) expect(cp.events.length).toBeLessThan(CAP);
      else expect(cp.dropped).toBeGreaterThan(0);
      const given = new Timeline(s.config, prefix, { traceLongSteps: CAP });
      expect(given.appendRecorded(cp)).toBeNull();
      const computed = new Timeline(s.config, [...prefix, { kind: 'run', n: cp.steps }], {
        traceLongSteps: CAP,
      });
      const k = prefix.length + 1;
      expect(given.length).toBe(k);
      expect(given.actionOf(k)).toEqual({ kind: 'run', n: cp.steps });
      expect(given.last).toEqual(computed.last);
      expect(Object.keys(given.last.cpus[1])).toEqual(Object.keys(computed.last.cpus[1]));
      expect(given.keyframeCount).toBe(computed.keyframeCount);
      // Its trace (root `run K`, run_done, dropped count), the states around it, a sub-step.
      expect(given.replayStep(k, CAP)).toEqual(computed.replayStep(k, CAP));
      expect(given.stateAfterEvent(k, 5, CAP)).toEqual(computed.stateAfterEvent(k, 5, CAP));
      // The steps after it go on from the same state.
      for (const a of [
        { kind: 'cpu', cpu: 1, op: { op: 'eoi' } },
        { kind: 'run', n: 5000 },
      ] as Action[]) {
        given.append(a);
        computed.append(a);
      }
      expect(given.last).toEqual(computed.last);
      expect(given.replayStep(k + 2, CAP)).toEqual(computed.replayStep(k + 2, CAP));
      expect(given.stateAt(k - 1)).toEqual(computed.stateAt(k - 1));
    });
  }

  const prefix = actionsOf(storm);
  const full = checkpointOf(storm.config, prefix, 997, 20);
  const short = checkpointOf(storm.config, prefix, 3, 4);
  const cpu = (c: RunSoFar, i: number) => c.state.cpus[i] as unknown as Record<string, unknown>;
  const spoilt: [string, RunSoFar, (c: RunSoFar) => void][] = [
    ['one guest step more than its state took', full, (c: RunSoFar) => void c.steps++],
    [
      'another configuration',
      full,
      (c: RunSoFar) =>
        void (c.state = { ...c.state, config: { ...c.state.config, apicv: !c.state.config.apicv } }),
    ],
    ['a vCPU fewer', full, (c: RunSoFar) => void c.state.cpus.pop()],
    ['vCPUs in another order', full, (c: RunSoFar) => void c.state.cpus.reverse()],
    ['a vCPU field missing', full, (c: RunSoFar) => void delete cpu(c, 1).tpr],
    ['a vCPU field more', full, (c: RunSoFar) => void (cpu(c, 1).extra = 1)],
    ['a bitmap that is an array', full, (c: RunSoFar) => void (cpu(c, 0).irr = [0, 0])],
    ['a number that is a string', full, (c: RunSoFar) => void (cpu(c, 2).tpr = '0')],
    ['no IOAPIC redirection table', full, (c: RunSoFar) => void (c.state.ioapic.rte = null as never)],
    ['a snapshot table that is no Map', full, (c: RunSoFar) => void (c.state.snapshots = {} as never)],
    ['more events than the cap', full, (c: RunSoFar) => void c.events.push(c.events[1])],
    ['events dropped while the trace had room', short, (c: RunSoFar) => void (c.dropped = 1)],
    ['a trace without its action', short, (c: RunSoFar) => void c.events.shift()],
  ];
  it.each(spoilt)('is refused, nothing changed, when it has %s', (_, base, spoil) => {
    const c = structuredClone(base);
    spoil(c);
    const t = new Timeline(storm.config, prefix, { traceLongSteps: CAP });
    const last = structuredClone(t.last);
    expect(t.appendRecorded(c)).toMatch(/\w/);
    expect(t.length).toBe(prefix.length);
    expect(t.last).toEqual(last);
    // The timeline goes on as if it had not been offered.
    t.append({ kind: 'run', n: full.steps });
    expect(t.last).toEqual(new Timeline(storm.config, [...prefix, { kind: 'run', n: full.steps }]).last);
  });

  it('is refused by a timeline that keeps no run traces (no cap to give its trace)', () => {
    const t = new Timeline(storm.config, prefix);
    expect(t.appendRecorded(structuredClone(full))).toMatch(/no run traces/);
    expect(t.length).toBe(prefix.length);
  });

  it('a profile is checked as the vCPU it belongs to', () => {
    const c = structuredClone(full);
    (c.state.cpus[4] as VcpuState).profile = 'linux';
    expect(new Timeline(storm.config, prefix, { traceLongSteps: CAP }).appendRecorded(c)).toBe(
      'vCPU 4 is another',
    );
  });
});
