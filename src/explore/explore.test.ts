/**
 * The explorer (issue 10): the state codec reads back what it wrote, the fast lint check agrees
 * with the lints, it finds seed 001's needless EOI exit without the rescan patch (R7.3, R7.5) and
 * proves there is none with it, finds the SEOIB-quirked Windows storm (R8.5, R5.6 d), is
 * deterministic, honours its bounds, and its counterexamples run and fail.
 */
import { describe, expect, it } from 'vitest';
import type { Action } from '../core/actions.ts';
import { COUNTER_NAMES, countersEntries } from '../core/counters.ts';
import { Machine } from '../core/machine.ts';
import type { MachineState } from '../core/state.ts';
import { LINT_NAMES, LOST, MASKED, STUCK, stateLintPins } from '../lint/lints.ts';
import { stateConditionKeys } from '../lint/lints-reference.ts';
import { PRESETS } from '../presets/index.ts';
import { runScenario } from '../replay/run.ts';
import { MUTATING, mustParse } from '../replay/testing.ts';
import { EXPLORE_LINTS } from '../scenario/grammar/explore.ts';
import { printAction } from '../scenario/print.ts';
import { activePins, deriveAlphabet } from './alphabet.ts';
import { StateCodec } from './codec.ts';
import { Explorer } from './explorer.ts';

const preset = (id: string) => PRESETS.find((p) => p.id === id)!.text;

/** Deterministic pseudo-random numbers for the walks. */
function lcg(seed: number) {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x;
  };
}

/** A state as plain data, without what the codec leaves out (time, counters, display counts). */
function plain(s: MachineState, withCounters: boolean): string {
  // The VM's life history and leg are left out too (codec.ts): only displayed or counted.
  const skip = new Set([
    'time',
    'deliveries',
    'snapshots',
    'config',
    'deferredAt',
    'counters',
    'life',
    'leg',
  ]);
  const data = JSON.stringify(s, (k, v) =>
    skip.has(k)
      ? undefined
      : v instanceof Map
        ? [...v].sort()
        : ArrayBuffer.isView(v)
          ? Array.from(v as Uint32Array)
          : v,
  );
  const deadline = s.ioapic.deferredAt < 0 ? -1 : s.ioapic.deferredAt - s.time;
  const counters = withCounters
    ? COUNTER_NAMES.map((n) =>
        JSON.stringify(
          countersEntries(s.counters, n).sort(
            (a, b) => a.cpu - b.cpu || a.vector - b.vector || a.pin - b.pin,
          ),
        ),
      )
    : [];
  return [data, deadline, ...counters].join('|');
}

/** Random walks over a scenario's alphabet from its last state. */
function walks(text: string, f: (m: Machine, a: Action, pins: number) => void, n = 40, len = 12): void {
  const s = mustParse(text);
  const m0 = Machine.boot(s.config, false);
  for (const st of s.steps) m0.apply(st.action);
  const alphabet = deriveAlphabet(s, m0.state);
  const pins = activePins(m0.state, alphabet);
  const rnd = lcg(7);
  for (let w = 0; w < n; w++) {
    const m = Machine.fromState(m0.state, false);
    for (let d = 0; d < len && alphabet.length; d++) f(m, alphabet[rnd() % alphabet.length], pins);
  }
}

/** The SEOIB life's actions in the alphabet (R8.8–R8.12): reboots, power-ons, migrations, flag writes. */
const LIFE = `${'vcpus 2\nqemu seoib-policy=quirked\nguest 0 profile=windows\nroute 5 vector=0xa2 trigger=level dest=0 mask=0\nsnapshot s0\n'}explore action reboot
explore action power-on policy=respected|quirked|auto
explore action migrate policy=respected|not-advertised kernel=seoib-api|no-seoib-api flags=after-load|before-load
explore action kvm-set-x2apic-api seoib=enable|disable|both
explore action restore s0
explore action run 1
explore action assert 5
`;

const WALKED = [
  'stale-eoi-split-unpatched',
  'stale-eoi-kernel-apicv-patched',
  'seoib-quirked-windows',
  'pv-eoi-disable-unfixed',
  'savic-shadow-isr',
  'logical-destinations',
  'two-bit-ldr-remote-irr',
  'storm-limit',
];

describe('the state codec', () => {
  it('reads back every state it writes: the next step from the copy is the step from the original', {
    timeout: 120_000,
  }, () => {
    // Inside a mutation run, one preset: the codec is not mutated, the core runs the same in the
    // original and the copy (docs/mutation.md).
    for (const id of MUTATING ? WALKED.slice(0, 1) : WALKED)
      for (const withCounters of [false, true]) {
        walks(preset(id), (m, a, pins) => {
          const codec = new StateCodec(withCounters, pins);
          const n = codec.write(m.state);
          const copy = Machine.fromState(mustParse(preset(id)) && m.state, false);
          // Scramble the copy first, so that every field has to come from the words.
          copy.apply({ kind: 'assert', pin: 3 });
          codec.read(copy.ctx, codec.buf.slice(0, n), 0, 12345);
          expect(plain(copy.state, withCounters), id).toBe(plain(m.state, withCounters));
          m.apply(a);
          copy.apply(a);
          expect(plain(copy.state, withCounters), `${id}: ${printAction(a)}`).toBe(
            plain(m.state, withCounters),
          );
        });
      }
  });

  it('finds and restores only the segments a step changed: the machine is then the one a full read makes, and so are its next steps', {
    timeout: 120_000,
  }, () => {
    let partial = 0;
    // The RTC pin's EOI tracking (an RTC EOI map) and counters are compared as written words.
    const texts: Record<string, string> = {
      LIFE,
      RTC: 'vcpus 2\nirqchip kernel\nroute 8 vector=0x38 dest=0 mask=0\nassert 8\n',
    };
    const cases: [string, boolean][] = [
      ...(MUTATING ? WALKED.slice(0, 1) : WALKED).map((id): [string, boolean] => [id, false]),
      ['LIFE', false],
      ['RTC', false],
      ['RTC', true],
      ['storm-limit', true],
    ];
    for (const [id, withCounters] of cases)
      walks(
        texts[id] ?? preset(id),
        (m, a, pins) => {
          const codec = new StateCodec(withCounters, pins);
          const parent = codec.buf.slice(0, codec.write(m.state));
          const seg = codec.seg.slice();
          // The live machine takes a step from the parent; the segments it changed are restored.
          const live = Machine.fromState(m.state, false);
          live.apply(a);
          codec.write(live.state);
          const changed = new Uint8Array(seg.length - 1);
          for (let k = 0; k < changed.length; k++) {
            const child = codec.buf.slice(codec.seg[k], codec.seg[k + 1]);
            changed[k] = child.join() === parent.slice(seg[k], seg[k + 1]).join() ? 0 : 1;
          }
          if (changed.includes(0) && changed.includes(1)) partial++;
          // writeChanged finds the same segments, field by field, and writes them as write does.
          const child = codec.buf.slice(0, codec.length);
          const childSeg = codec.seg.slice();
          const found = new Uint8Array(changed.length);
          expect(codec.writeChanged(live.state, parent, seg, found)).toBe(changed.includes(1));
          expect(Array.from(found), `${id}: ${printAction(a)}`).toEqual(Array.from(changed));
          for (let k = 0; k < changed.length; k++)
            if (changed[k])
              expect(Array.from(codec.buf.slice(codec.seg[k], codec.seg[k + 1]))).toEqual(
                Array.from(child.slice(childSeg[k], childSeg[k + 1])),
              );
          codec.readSegments(live.ctx, parent, seg, changed, 12345);
          const full = Machine.fromState(m.state, false);
          full.apply({ kind: 'assert', pin: 3 });
          codec.read(full.ctx, parent, 0, 12345);
          expect(plain(live.state, withCounters), `${id}: ${printAction(a)}`).toBe(
            plain(full.state, withCounters),
          );
          expect(live.state.time).toBe(full.state.time);
          expect(live.state.ioapic.deferredAt).toBe(full.state.ioapic.deferredAt);
          expect(Array.from(live.ctx.guestBusy)).toEqual(Array.from(full.ctx.guestBusy));
          expect(Array.from(live.ctx.vectorPins)).toEqual(Array.from(full.ctx.vectorPins));
          for (const b of [a, { kind: 'run', n: 1 } as const]) {
            live.apply(b);
            full.apply(b);
            expect(plain(live.state, withCounters), `${id}: ${printAction(a)}, ${printAction(b)}`).toBe(
              plain(full.state, withCounters),
            );
          }
          m.apply(a);
        },
        8,
      );
    expect(partial).toBeGreaterThan(100);
  });

  it('reads back the SEOIB life: QEMU’s state, the host leg, the outcomes; the history stays the root’s (R8.8–R8.12)', {
    timeout: 60_000,
  }, () => {
    const root = Machine.boot(mustParse(LIFE).config, false);
    for (const st of mustParse(LIFE).steps) root.apply(st.action);
    const rootLife = root.state.vm.life;
    let changed = 0;
    walks(LIFE, (m, a, pins) => {
      const codec = new StateCodec(true, pins, true);
      codec.write(root.state);
      const n = codec.write(m.state);
      const copy = Machine.fromState(root.state, false);
      copy.apply({ kind: 'migrate', host: { policy: 'not-advertised' } });
      codec.read(copy.ctx, codec.buf.slice(0, n), 0, 12345);
      const vm = m.state.vm;
      const got = copy.state.vm;
      expect([got.qemuSeoib, got.lastMigration, got.lastFlagWrite, got.leg, got.seoib]).toEqual([
        vm.qemuSeoib,
        vm.lastMigration,
        vm.lastFlagWrite,
        vm.leg,
        vm.seoib,
      ]);
      expect(got.host).toEqual(vm.host);
      expect(got.life).toBe(rootLife);
      // Totals follow the counts read back (countersGet without filters reads them).
      expect(Array.from(copy.state.counters.totals)).toEqual(Array.from(m.state.counters.totals));
      expect(plain(copy.state, true)).toBe(plain(m.state, true));
      if (vm.qemuSeoib !== root.state.vm.qemuSeoib || vm.host !== root.state.vm.host) changed++;
      m.apply(a);
      copy.apply(a);
      expect(plain(copy.state, true), printAction(a)).toBe(plain(m.state, true));
    });
    expect(changed).toBeGreaterThan(0);
  });

  it('tells states apart by their SEOIB life, and by the leg only when an invariant reads it', () => {
    const s = mustParse('vcpus 1\nqemu seoib-policy=quirked\n');
    const a = Machine.boot(s.config, false);
    const b = Machine.boot(s.config, false);
    const words = (c: StateCodec, m: Machine) => Array.from(c.buf.slice(0, c.write(m.state)));
    const codec = new StateCodec(false);
    expect(words(codec, b)).toEqual(words(codec, a));
    // The same registers after a migration to an identical host: one state unless the leg counts.
    b.apply({ kind: 'migrate', host: {} });
    expect(b.state.vm.leg).toBe(1);
    expect(b.state.vm.lastMigration).toBe('completed');
    expect(words(codec, b)).not.toEqual(words(codec, a)); // lastMigration differs
    const c = Machine.boot(s.config, false);
    c.apply({ kind: 'migrate', host: {} });
    c.apply({ kind: 'migrate', host: {} });
    expect(words(codec, c)).toEqual(words(codec, b));
    const withLeg = new StateCodec(false, 0xffffff, true);
    expect(words(withLeg, c)).not.toEqual(words(withLeg, b));
    // Another host policy is another state: it decides the next power-on's flag (R8.10).
    const d = Machine.boot(s.config, false);
    d.apply({ kind: 'migrate', host: { policy: 'respected' } });
    expect(words(codec, d)).not.toEqual(words(codec, b));
  });

  it('writes equal states as equal words, whenever and however they were reached', () => {
    const s = mustParse('vcpus 1\nroute 3 vector=0x33 trigger=level dest=0 mask=0\n');
    const a = Machine.boot(s.config, false);
    const b = Machine.boot(s.config, false);
    for (const st of s.steps) {
      a.apply(st.action);
      b.apply(st.action);
    }
    b.apply({ kind: 'wait', ns: 5_000_000 }); // time passes: the same state
    b.apply({ kind: 'cpu', cpu: 0, op: { op: 'eoi' } }); // counted (an empty EOI), the same state
    const codec = new StateCodec(false);
    const wa = codec.buf.slice(0, codec.write(a.state));
    const wb = codec.buf.slice(0, codec.write(b.state));
    expect(Array.from(wb)).toEqual(Array.from(wa));
    // With counters in the state (an invariant reads them), the EOI makes it another state.
    const withCounters = new StateCodec(true);
    const ca = withCounters.buf.slice(0, withCounters.write(a.state));
    expect(Array.from(withCounters.buf.slice(0, withCounters.write(b.state)))).not.toEqual(Array.from(ca));
  });
});

describe('the fast lint check', () => {
  it('marks exactly the pins of the state lints the lints see (R5.6 c, R5.5, R5.4)', {
    timeout: 60_000,
  }, () => {
    const pins = new Uint32Array(3);
    let seen = 0;
    const texts = [
      ...WALKED.map(preset),
      'vcpus 2\nroute 10 vector=0x62 trigger=level dest=7 mask=0\nexplore action mask 10\nexplore action unmask 10\n',
      'vcpus 1\nirqchip kernel\nroute 4 vector=0x44 dest=0 mask=1\nexplore action mask 4\nexplore action unmask 4\n',
      'vcpus 1\nroute 4 vector=0x44 trigger=level dest=0 mask=0\nexplore action mask 4\nexplore action unmask 4\n',
    ];
    for (const text of texts)
      walks(text, (m, a) => {
        m.apply(a);
        stateLintPins(m.state, pins);
        const want = stateConditionKeys(m.state).sort();
        const got: string[] = [];
        for (let p = 0; p < 24; p++) {
          if (pins[STUCK] & (1 << p)) got.push(`stuck-remote-irr:${p}`);
          if (pins[MASKED] & (1 << p)) got.push(`masked-remote-irr:${p}`);
          if (pins[LOST] & (1 << p)) got.push(`lost-interrupt:${p}`);
        }
        seen += got.length;
        expect(got.sort()).toEqual(want);
      });
    expect(seen).toBeGreaterThan(0);
  });

  it('knows the lints by the names the parser accepts', () => {
    expect([...EXPLORE_LINTS]).toEqual(LINT_NAMES);
  });
});

/** Seed 001 / S4: the handler moved the level IRQ to vCPU 1; vCPU 0 then reuses 0x62 for an MSI. */
const retargeted = (rescan: 'on' | 'off', eoiInPrefix: boolean) => `vcpus 2
irqchip split
apicv off
kvm stale-eoi-rescan=${rescan}
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
cpu 0 service 10
route 10 dest=1
${eoiInPrefix ? 'cpu 0 eoi\n' : ''}explore actions assert deassert eoi iret service
explore action msi dest=0 vector=0x62
explore lints needless-eoi-exit
`;

describe('seed 001: needless EOI exits after the handler retargets its IRQ (R7.3, R7.5)', () => {
  it('finds the shortest needless EOI exit without the rescan patch', () => {
    const e = new Explorer(mustParse(retargeted('off', true)));
    e.advance(Number.POSITIVE_INFINITY);
    const [v] = e.violations();
    expect(v.property).toBe('needless-eoi-exit');
    expect(v.actions.map(printAction)).toEqual(['cpu 0 iret', 'msi dest=0 vector=0x62', 'cpu 0 eoi']);
    expect(v.step).toBe(8); // the five steps of the file, then three
    expect(v.why).toMatch(/^R7\.3: the EOI of 0x62 on vCPU 0/);
  });

  it('proves there is none within the bound with the patch', () => {
    const e = new Explorer(mustParse(retargeted('on', true)), { depth: 10 });
    e.advance(Number.POSITIVE_INFINITY);
    expect(e.violations()).toEqual([]);
    expect(e.stats().distinct).toBeGreaterThan(100);
  });

  it('finds the patch still intercepts once when the reused vector arrives before the in-flight EOI', () => {
    // The rescan after the stale EOI finds 0x62 pending in IRR (the MSI): still "pending EOI".
    const e = new Explorer(mustParse(retargeted('on', false)));
    e.advance(Number.POSITIVE_INFINITY);
    const [v] = e.violations();
    expect(v.actions.map(printAction)).toEqual([
      'cpu 0 iret',
      'msi dest=0 vector=0x62',
      'cpu 0 eoi',
      'cpu 0 eoi',
    ]);
  });
});

describe('the SEOIB-quirked Windows storm (R8.5, R5.6 d)', () => {
  // seoib-quirked-windows.apic with a storm limit of 3 (20 there), so that the storm is 6 steps deep.
  const explored = (seoib: string) => {
    const e = new Explorer(
      mustParse(`vcpus 1
kvm storm-limit=3 seoib=${seoib}
guest 0 profile=windows
run
route 5 vector=0xa2 trigger=level dest=0 mask=0
explore actions assert deassert run
explore lints irq-storm
`),
      { depth: 10 },
    );
    e.advance(Number.POSITIVE_INFINITY);
    return e;
  };

  it('finds the storm with SEOIB quirked and a windows guest', () => {
    const [v] = explored('quirked').violations();
    expect(v.property).toBe('irq-storm');
    expect(v.actions.map(printAction)).toEqual(['assert 5', 'run 1', 'run 1', 'run 1', 'run 1', 'run 1']);
    expect(v.why).toMatch(/^R5\.6 d: IRQ storm on pin 5: 3 successive EOIs/);
  });

  it('finds none with SEOIB disabled (the guest services the device before its EOI)', () => {
    expect(explored('disabled').violations()).toEqual([]);
  });
});

describe('the search', () => {
  const text = `vcpus 2
route 3 vector=0x33 trigger=level dest=0 mask=0
route 4 vector=0x44 trigger=level dest=1 mask=0
invariant ioapic 3 remote-irr = 0
`;
  it('is deterministic: the same counterexamples and statistics on every run', () => {
    const run = () => {
      const e = new Explorer(mustParse(text), { depth: 4 });
      e.advance(Number.POSITIVE_INFINITY);
      return { v: e.violations(), st: e.stats() };
    };
    expect(run()).toEqual(run());
  });

  it('honours the depth bound and says it cut the search', () => {
    const e = new Explorer(mustParse(text), { depth: 2 });
    e.advance(Number.POSITIVE_INFINITY);
    expect(e.stats()).toMatchObject({ depth: 2, cut: 'depth' });
    for (const v of e.violations()) expect(v.depth).toBeLessThanOrEqual(2);
    const deeper = new Explorer(mustParse(text), { depth: 3 });
    deeper.advance(Number.POSITIVE_INFINITY);
    expect(deeper.stats().distinct).toBeGreaterThan(e.stats().distinct);
  });

  it('honours max-states (the file may set it too)', () => {
    const e = new Explorer(mustParse(`${text}explore depth=8 max-states=50\n`));
    e.advance(Number.POSITIVE_INFINITY);
    expect(e.stats()).toMatchObject({ distinct: 50, cut: 'max-states' });
    expect(e.maxDepth).toBe(8);
  });

  it('exhausts a small space: no cut', () => {
    const e = new Explorer(
      mustParse('vcpus 1\nroute 3 vector=0x33 dest=0 mask=0\nexplore actions assert deassert\n'),
    );
    e.advance(Number.POSITIVE_INFINITY);
    expect(e.stats().cut).toBe(false);
    expect(e.stats().distinct).toBeLessThan(10);
  });

  it('stops when asked', () => {
    const e = new Explorer(mustParse(text), { depth: 8 });
    e.advance(100);
    e.stop();
    expect(e.advance(1000)).toBe(true);
    expect(e.stats().cut).toBe('stopped');
  });

  it('checks invariants, and each counterexample runs and fails only on its last expect', () => {
    const e = new Explorer(mustParse(text), { depth: 4 });
    e.advance(Number.POSITIVE_INFINITY);
    const vs = e.violations();
    const inv = vs.find((v) => v.property === 'invariant ioapic 3 remote-irr = 0');
    expect(inv?.actions.map(printAction)).toEqual(['assert 3']);
    expect(vs.map((v) => v.property)).toContain('empty-isr-eoi');
    for (const v of vs) {
      const s = mustParse(v.scenario);
      const r = runScenario(s);
      expect(
        r.expects.map((x) => x.ok),
        v.scenario,
      ).toEqual([false]);
      expect(s.steps).toHaveLength(v.step);
    }
  });
});
