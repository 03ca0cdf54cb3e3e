/**
 * The event catalogue and causes: every event descends from its step's action through causes
 * that precede it; the stories of the presets have the chains the rules say; the state after
 * any event is reachable and deterministic; text and why come from the catalogue.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../presets/index.ts';
import { MUTATING, mustParse } from '../replay/testing.ts';
import { Timeline } from '../replay/timeline.ts';
import { scenarioText } from '../scenario/arbitrary.ts';
import type { Scenario } from '../scenario/ast.ts';
import { bitmapVectors } from './bitmap.ts';
import type { EventKind, TraceEvent } from './events.ts';
import {
  describeEvent,
  EVENT_KIND_NAMES,
  EVENT_KINDS,
  isTracepoint,
  laneOf,
  msiTraceDest,
} from './events.ts';
import { Machine } from './machine.ts';
import type { MachineState } from './state.ts';

const examplesDir = join(import.meta.dirname, '../scenario/examples');
const EXAMPLES = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.apic'))
  .map((f) => ({ id: f, text: readFileSync(join(examplesDir, f), 'utf8') }));
const ALL = [...PRESETS, ...EXAMPLES];

/** Every step's events, traced. */
function stepEvents(s: Scenario): TraceEvent[][] {
  const m = Machine.boot(s.config, true);
  return s.steps.map((st) => m.apply(st.action).events.slice());
}

function checkCauses(events: TraceEvent[]): void {
  expect(events[0]?.type).toBe('action');
  expect(events[0]?.cause).toBeNull();
  events.forEach((e, i) => {
    if (i === 0) return;
    expect(e.cause, `${e.type} (#${i}) has a cause`).not.toBeNull();
    expect(e.cause!).toBeGreaterThanOrEqual(0);
    expect(e.cause!, `${e.type} (#${i}) is caused by an earlier event`).toBeLessThan(i);
  });
}

/** The chain of types from an event back to the step's action (closest first). */
function chain(events: TraceEvent[], i: number): EventKind[] {
  const out: EventKind[] = [];
  for (let j: number | null = i; j !== null; j = events[j].cause) out.push(events[j].type);
  return out;
}

function first(events: TraceEvent[], type: EventKind): number {
  const i = events.findIndex((e) => e.type === type);
  expect(i, `an event ${type}`).toBeGreaterThanOrEqual(0);
  return i;
}

describe('causes', () => {
  it.each(ALL.map((p) => [p.id, p.text]))(
    '%s: each event descends from the action through earlier events',
    (_id, text) => {
      for (const events of stepEvents(mustParse(text))) checkCauses(events);
    },
  );

  it('holds on random scenarios too', () => {
    fc.assert(
      fc.property(scenarioText(), (text) => {
        for (const events of stepEvents(mustParse(text))) checkCauses(events);
      }),
      { numRuns: 150 },
    );
  });

  it("a level IRQ's chain: action → line raised → RTE serviced → accepted into IRR → injected (R5.3, R5.4, R3.7, R3.6)", () => {
    const s = mustParse(PRESETS.find((p) => p.id === 'level-irq')!.text);
    const steps = stepEvents(s);
    const assert = steps[1];
    expect(chain(assert, first(assert, 'kvm_inj_virq'))).toEqual([
      'kvm_inj_virq',
      'kvm_apic_accept_irq',
      'delivery_fast_path',
      'ioapic_service',
      'kvm_ioapic_set_irq',
      'kvm_set_irq',
      'action',
    ]);
    // The kick that makes the vCPU take it comes from the acceptance too.
    expect(assert[assert[first(assert, 'kvm_exit')].cause!].type).toBe('kvm_apic_accept_irq');
  });

  it("an in-kernel EOI's chain: EOI exit → ISR cleared → forwarded (handled) → remote IRR cleared (R3.8, R7.3, R5.6)", () => {
    const s = mustParse(PRESETS.find((p) => p.id === 'level-irq')!.text);
    const eoi = stepEvents(s)[4];
    expect(chain(eoi, first(eoi, 'remote_irr_clear'))).toEqual([
      'remote_irr_clear',
      'eoi_forwarded',
      'kvm_eoi',
      'kvm_exit',
      'action',
    ]);
  });

  it('split: EOI → request → KVM_EXIT_IOAPIC_EOI → QEMU broadcast → remote IRR cleared → re-injection (R7.3, R7.4, R6)', () => {
    const s = mustParse(`vcpus 1
route 5 vector=0x41 trigger=level dest=0 mask=0
assert 5
cpu 0 eoi
`);
    const eoi = stepEvents(s)[2];
    expect(chain(eoi, first(eoi, 'ioapic_clear_remote_irr'))).toEqual([
      'ioapic_clear_remote_irr',
      'ioapic_eoi_broadcast',
      'kvm_userspace_exit',
      'ioapic_eoi_exit_request',
      'kvm_eoi',
      'kvm_exit',
      'action',
    ]);
    // The line is still high: QEMU re-injects, and the new message descends from the clear.
    expect(chain(eoi, first(eoi, 'kvm_apic_accept_irq')).slice(0, 6)).toEqual([
      'kvm_apic_accept_irq',
      'delivery_fast_path',
      'kvm_msi_set_irq',
      'kvm_set_irq',
      'ioapic_service',
      'ioapic_clear_remote_irr',
    ]);
  });

  it('an EOI of a vector nobody routes stops at the handled-vectors check (R7.3 step 1)', () => {
    const eoi = stepEvents(mustParse('vcpus 1\nmsi dest=0 vector=0x31\ncpu 0 eoi\n'))[1];
    expect(chain(eoi, first(eoi, 'eoi_not_forwarded'))).toEqual([
      'eoi_not_forwarded',
      'kvm_eoi',
      'kvm_exit',
      'action',
    ]);
  });

  it('a stale EOI asks for the rescan, and the rescan at the next entry descends from it (R7.3 step 2, R7.6)', () => {
    const s = mustParse(PRESETS.find((p) => p.id === 'stale-eoi-split-patched')!.text);
    const steps = stepEvents(s);
    const k = steps.findIndex((ev) => ev.some((e) => e.type === 'stale_eoi_rescan'));
    expect(k).toBeGreaterThanOrEqual(0);
    const ev = steps[k];
    const rescan = first(ev, 'stale_eoi_rescan');
    const scans = ev.map((_e, i) => i).filter((i) => ev[i].type === 'scan_ioapic' && ev[i].cause === rescan);
    expect(scans.length).toBe(1);
  });

  it('a guest run is one causal story: each handler step descends from the injection that started it (§5)', () => {
    const s = mustParse(`vcpus 1
guest all profile=linux
kvm pv-eoi=off
route 5 vector=0x41 trigger=level dest=0 mask=0
assert 5
msi dest=0 vector=0x31
run 20
`);
    const run = stepEvents(s)[3];
    checkCauses(run);
    // 0x41 was taken before the run: its handler hangs from the run itself.
    const handlers = run.map((_e, i) => i).filter((i) => run[i].type === 'guest_handler');
    expect(handlers.map((i) => run[i].vector)).toEqual([0x41, 0x31]);
    expect(run[handlers[0]].cause).toBe(0);
    // Its steps descend from it.
    expect(run[first(run, 'guest_service')].cause).toBe(handlers[0]);
    // 0x31 waited in IRR behind IF = 0; the iret opens IF, an interrupt-window exit follows, KVM
    // injects, and the new handler descends from that injection (R3.5, R3.6).
    expect(chain(run, handlers[1]).slice(0, 5)).toEqual([
      'guest_handler',
      'kvm_inj_virq',
      'kvm_exit',
      'guest_iret',
      'guest_handler',
    ]);
  });
});

describe('sub-steps: the state after each event', () => {
  const levelIrq = mustParse(PRESETS.find((p) => p.id === 'level-irq')!.text);

  it('after the accept event IRR holds 0x62 and ISR is empty; after the injection the reverse (R3.7, R3.6)', () => {
    const t = new Timeline(
      levelIrq.config,
      levelIrq.steps.map((st) => st.action),
    );
    const events = t.eventsOf(2);
    const accept = t.stateAfterEvent(2, first(events, 'kvm_apic_accept_irq'))!;
    expect(bitmapVectors(accept.cpus[0].irr)).toEqual([0x62]);
    expect(bitmapVectors(accept.cpus[0].isr)).toEqual([]);
    const inj = t.stateAfterEvent(2, first(events, 'kvm_inj_virq'))!;
    expect(bitmapVectors(inj.cpus[0].irr)).toEqual([]);
    expect(bitmapVectors(inj.cpus[0].isr)).toEqual([0x62]);
    // Event 0 is the action itself: nothing has happened yet.
    expect(t.stateAfterEvent(2, 0)).toEqual(t.stateAt(1));
    expect(t.stateAfterEvent(2, events.length)).toBeNull();
  });

  it('the state after event J is the same from a keyframe and from the start, and the same twice', () => {
    const s = mustParse(PRESETS.find((p) => p.id === 'storm-limit')!.text);
    const actions = s.steps.map((st) => st.action);
    const withKeyframes = new Timeline(s.config, actions, { interval: 1 });
    const fromStart = new Timeline(s.config, actions, { interval: 1e9 });
    for (let k = 1; k <= actions.length; k++) {
      const n = Math.min(withKeyframes.eventsOf(k).length, 40);
      for (let j = 0; j < n; j += 7) {
        const a = withKeyframes.stateAfterEvent(k, j);
        expect(a).toEqual(fromStart.stateAfterEvent(k, j));
        expect(a).toEqual(withKeyframes.stateAfterEvent(k, j));
      }
    }
  });

  it('a sub-step stops the step where it is: an early event of a ten-million-step run is there at once', () => {
    const s = mustParse(`vcpus 1
guest all profile=linux
kvm pv-eoi=off storm-limit=1000000
route 5 vector=0x41 trigger=level dest=0 mask=0
assert 5
run 10000000
`);
    const t = new Timeline(
      s.config,
      s.steps.slice(0, 2).map((st) => st.action),
    );
    const m = t.machineAt(2);
    const state = m.stateAfterEvent(s.steps[2].action, 5);
    expect(state).not.toBeNull();
    expect(state!.time).toBeLessThan(1e6);
  });

  /** Register sets and the objects whose change each event must declare in `touches`. */
  const watched: [string, (s: MachineState, cpu: number) => string, string[]][] = [
    ['irr', (s, c) => bitmapVectors(s.cpus[c].irr).join(), ['irr', 'snapshot']],
    ['isr', (s, c) => bitmapVectors(s.cpus[c].isr).join(), ['isr', 'shadow-isr', 'snapshot']],
    ['tmr', (s, c) => bitmapVectors(s.cpus[c].tmr).join(), ['tmr', 'snapshot']],
    ['handled', (s, c) => bitmapVectors(s.cpus[c].ioapicHandledVectors).join(), ['handled', 'snapshot']],
  ];

  it.each(ALL.map((p) => [p.id, p.text]))(
    '%s: an event that changes IRR, ISR, TMR or the handled vectors says so in its catalogue entry',
    (_id, text) => {
      const s = mustParse(text);
      const t = new Timeline(
        s.config,
        s.steps.map((st) => st.action),
      );
      for (let k = 1; k <= t.length; k++) {
        const events = t.eventsOf(k);
        let prev = t.stateAt(k - 1);
        for (let j = 0; j < Math.min(events.length, 200); j++) {
          const cur = t.stateAfterEvent(k, j)!;
          for (const [name, read, kinds] of watched)
            for (let c = 0; c < cur.cpus.length; c++)
              if (read(prev, c) !== read(cur, c))
                expect(
                  EVENT_KINDS[events[j].type].touches.some((x) => kinds.includes(x)),
                  `step ${k} event ${j} ${events[j].type} changed vCPU ${c}'s ${name}`,
                ).toBe(true);
          prev = cur;
        }
      }
    },
  );
});

/** Tracepoints in include/trace/events/kvm.h and arch/x86/kvm/trace.h that the core emits. */
const KVM_TRACEPOINTS = new Set([
  'kvm_set_irq',
  'kvm_ioapic_set_irq',
  'kvm_ioapic_delayed_eoi_inj',
  'kvm_msi_set_irq',
  'kvm_apic_ipi',
  'kvm_apic_accept_irq',
  'kvm_eoi',
  'kvm_pv_eoi',
  'kvm_inj_virq',
  'kvm_userspace_exit',
  'kvm_exit',
  'kvm_entry',
  'kvm_apic',
  'kvm_inj_exception',
  'kvm_apicv_inhibit_changed',
  'kvm_mmio',
]);
/** QEMU's hw/intc/trace-events names the core uses. */
const QEMU_TRACE_EVENTS = new Set([
  'ioapic_set_irq',
  'ioapic_eoi_broadcast',
  'ioapic_clear_remote_irr',
  'ioapic_eoi_delayed_reassert',
  'ioapic_mem_write',
]);

describe('the catalogue', () => {
  it('names: a kind that looks like a KVM tracepoint is one, and every tracepoint is marked as such', () => {
    for (const k of EVENT_KIND_NAMES) {
      const src = EVENT_KINDS[k].source;
      if (k.startsWith('kvm_'))
        expect(KVM_TRACEPOINTS.has(k), `${k} is named like a KVM tracepoint`).toBe(true);
      expect(src === 'kvm', k).toBe(KVM_TRACEPOINTS.has(k));
      expect(src === 'qemu', k).toBe(QEMU_TRACE_EVENTS.has(k));
      expect(isTracepoint(k)).toBe(src !== 'model');
    }
  });

  it('every event text, rule and why is the catalogue entry applied to its fields; every why starts with its rule', () => {
    const seen = new Set<EventKind>();
    for (const p of ALL)
      for (const events of stepEvents(mustParse(p.text)))
        for (const e of events) {
          seen.add(e.type);
          const d = describeEvent(e.type, e.fields as never, e.cpu);
          expect(e.text).toBe(d.text);
          expect(e.why).toBe(d.why);
          expect(e.rule).toBe(d.rule);
          if (e.rule) expect(e.why.startsWith(`${e.rule}: `)).toBe(true);
          expect(['ioapic', 'kvm', 'vcpu']).toContain(laneOf(e));
          if (laneOf(e) === 'vcpu') expect(e.cpu).toBeGreaterThanOrEqual(0);
        }
    // The presets and examples exercise most of the catalogue.
    expect(seen.size).toBeGreaterThan(EVENT_KIND_NAMES.length * 0.7);
  });

  // A check of the source text: under mutation testing the sources are instrumented.
  it.skipIf(MUTATING)(
    'behaviour code writes no inline why prose: every emit names a catalogue kind and its fields',
    () => {
      const dir = import.meta.dirname;
      for (const f of readdirSync(dir).filter(
        (n) => n.endsWith('.ts') && !n.endsWith('.test.ts') && n !== 'events.ts',
      )) {
        const src = readFileSync(join(dir, f), 'utf8');
        for (const m of src.matchAll(/\bemit\(\s*m,\s*[^,]+,\s*([^,)]+)/g))
          expect(m[1].trim(), `${f}: ${m[0]}`).toMatch(/^'[a-z_0-9]+'$/);
        // R-rule prose (the why texts) lives in the catalogue only.
        expect(src.match(/'R\d+\.\d+[^']*: /g) ?? [], f).toEqual([]);
      }
    },
  );
});

describe('citations follow the implementation that acts', () => {
  const storm = (irqchip: string) =>
    mustParse(
      `vcpus 1\nirqchip ${irqchip}\nkvm storm-limit=2\nroute 5 vector=0x62 trigger=level dest=0 mask=0\nassert 5\ncpu 0 eoi\ncpu 0 iret\ncpu 0 eoi\n`,
    );
  const ruleOf = (s: Scenario, type: EventKind) =>
    stepEvents(s)
      .flat()
      .filter((e) => e.type === type)
      .map((e) => e.rule);

  it("a re-injection cites the in-kernel IOAPIC's rule (R5.6 d) or QEMU's (R6); QEMU's deferral cites R6", () => {
    expect(ruleOf(storm('kernel'), 'ioapic_reinject')).toEqual(['R5.6 d']);
    expect(ruleOf(storm('split'), 'ioapic_reinject')).toEqual(['R6']);
    expect(ruleOf(storm('split'), 'ioapic_eoi_delayed_reassert')).toEqual(['R6']);
  });

  it('a trapped EOI cites R3.8 with its own why; one with nothing in service is eoi_isr_empty', () => {
    const s = mustParse(
      'vcpus 1\nirqchip kernel\nroute 5 vector=0x62 trigger=level dest=0 mask=0\nassert 5\ncpu 0 service 5\ncpu 0 eoi\ncpu 0 eoi\n',
    );
    const [, , , eoi, empty] = stepEvents(s);
    const kvmEoi = eoi.filter((e) => e.type === 'kvm_eoi');
    expect(kvmEoi.map((e) => e.rule)).toEqual(['R3.8']);
    expect(kvmEoi[0].why).toMatch(/^R3\.8: EOI clears the highest in-service vector 0x62/);
    expect(empty.map((e) => e.type)).toContain('eoi_isr_empty');
    expect(empty.some((e) => e.type === 'kvm_eoi')).toBe(false);
  });

  it("Secure AVIC's EOI exit cites R10.4, an EOI-induced exit R3.9", () => {
    const savic = mustParse(
      'vcpus 1\nirqchip kernel\nsecure-avic on\nroute 5 vector=0x62 trigger=level dest=0 mask=0\nassert 5\ncpu 0 service 5\ncpu 0 eoi\n',
    );
    const kvmEoi = stepEvents(savic)
      .flat()
      .filter((e) => e.type === 'kvm_eoi');
    expect(kvmEoi.map((e) => e.rule)).toEqual(['R10.4']);
    expect(kvmEoi[0].why).toMatch(/^R10\.4: Secure AVIC EOI exit: KVM took 0x62 off its shadow ISR/);
    const apicv = mustParse(
      'vcpus 1\nirqchip kernel\napicv on\nroute 5 vector=0x62 trigger=level dest=0 mask=0\nassert 5\ncpu 0 service 5\ncpu 0 eoi\n',
    );
    expect(
      stepEvents(apicv)
        .flat()
        .filter((e) => e.type === 'kvm_eoi')
        .map((e) => e.rule),
    ).toEqual(['R3.9']);
  });
});

describe('msiTraceDest: the dst kvm_msi_set_irq prints', () => {
  it('is address[19:12] | address_hi[31:8], from the address as the model prints it', () => {
    expect(msiTraceDest('fee00000')).toBe(0);
    expect(msiTraceDest('fee01000')).toBe(1);
    expect(msiTraceDest('feeff00c')).toBe(0xff);
    // With 32-bit IDs, address_hi first: dest[31:8] is in address_hi[31:8].
    expect(msiTraceDest('1200fee34000')).toBe(0x1234);
    expect(msiTraceDest('ffffff00fee00000')).toBe(0xffffff00);
    // address_hi's low byte is not part of the destination.
    expect(msiTraceDest('1fffee01000')).toBe(0x101);
  });
});
