/**
 * Lints: named warnings about states and steps that are legal but almost always a bug (in the
 * guest, the VMM or a KVM proposal), each defined from the machine state and the step's
 * counters, so that they hold with tracing off (the explorer) as with it on (the app, `run`).
 *
 * A state lint (stuck, lost, masked) warns at the step where its condition starts to hold (it
 * held not before the step and holds after it), once per pin, not at every step it still holds.
 * A step lint (storm, needless EOI exit, empty EOI, low vector, host crash) warns at every step
 * whose counters grew, once per vCPU / pin / vector, with how many times it happened.
 */

import { ioapicVersionOf } from '../core/config.ts';
import { CTR, countersForEach, LOW_INJECTIONS } from '../core/counters.ts';
import type { TraceEvent } from '../core/events.ts';
import { hex } from '../core/hex.ts';
import type { MachineState, VcpuState } from '../core/state.ts';

export type LintName =
  | 'stuck-remote-irr'
  | 'lost-interrupt'
  | 'irq-storm'
  | 'needless-eoi-exit'
  | 'empty-isr-eoi'
  | 'low-vector'
  | 'host-crash'
  | 'masked-remote-irr';

export interface LintDef {
  /** One line, for lists and the why panel's heading. */
  title: string;
  /** The rule the lint rests on (docs/rules.md). */
  rule: string;
  /** The precise definition, from state and counters (the docs repeat it). */
  definition: string;
  /** A state lint warns when its condition starts to hold; a step lint when a counter grows. */
  kind: 'state' | 'step';
}

/** The catalogue: every lint once, with its rule and the reading chosen where the words allow two. */
export const LINTS: Record<LintName, LintDef> = {
  'stuck-remote-irr': {
    title: 'remote IRR stuck',
    rule: 'R5.6 c',
    kind: 'state',
    definition:
      "a level pin has remote IRR = 1 and nobody owes its EOI: no vCPU has the RTE's vector in IRR or ISR (the guest's own registers and KVM's shadow ISR under Secure AVIC), and no windows deferred task will EOI it at the IOAPIC. A directed EOI that a manual guest might still write is not counted as owed.",
  },
  'lost-interrupt': {
    title: 'interrupt lost',
    rule: 'R5.4',
    kind: 'state',
    definition:
      'at quiescence a pin is unmasked and its line high, yet its interrupt is neither delivered nor on its way: a level pin with remote IRR = 0 and no storm-limit deferral pending (e.g. a message that reached no APIC on the fast path), or an edge pin whose rising edge no message carried (QEMU discarded it on a masked pin, KVM does not deliver it on unmask, R5.5). A message that does reach an IRR but waits there (IF = 0, PPR) is not lost.',
  },
  'irq-storm': {
    title: 'IRQ storm',
    rule: 'R5.6 d',
    kind: 'step',
    definition:
      'the storm limit deferred a re-injection in this step (the `storms` counter grew): that many successive EOIs found the line still high.',
  },
  'needless-eoi-exit': {
    title: 'needless EOI exit',
    rule: 'R7.3',
    kind: 'step',
    definition:
      'an EOI broadcast in this step found no level pin with that RTE vector and remote IRR set (the `needless-eoi-exits` counter grew): the EOI was intercepted for nothing.',
  },
  'empty-isr-eoi': {
    title: 'EOI with an empty ISR',
    rule: 'R3.8',
    kind: 'step',
    definition:
      'an EOI in this step found nothing in service (the `empty-eois` counter grew): the guest EOIs more often than it takes interrupts, or KVM already applied its EOI.',
  },
  'low-vector': {
    title: 'vector below 0x10 delivered',
    rule: 'R3.11',
    kind: 'step',
    definition:
      'a vector 0x00–0x0f reached a vCPU in this step: it appeared in an IRR or ISR that did not hold it (KVM accepts it, the SDM calls it illegal), or the guest took one that no IRR held before the step (the `injections` counter for it grew). Such a vector never beats the class of PPR (class 0), so it sits in IRR.',
  },
  'host-crash': {
    title: 'host crash',
    rule: 'R9.5',
    kind: 'step',
    definition: 'a host assertion fired in this step (the `host-crashes` counter grew); the VM is stopped.',
  },
  'masked-remote-irr': {
    title: 'masked with remote IRR set',
    rule: 'R5.5',
    kind: 'state',
    definition:
      'a level pin is masked while its remote IRR is set: the mask stops re-delivery after the EOI, and if the EOI is lost on the way the pin stays blocked after the unmask too.',
  },
};

export const LINT_NAMES = Object.keys(LINTS) as LintName[];

export interface LintWarning {
  lint: LintName;
  rule: string;
  /** Plain words starting with the rule, as the events' whys do. */
  why: string;
  cpu?: number;
  pin?: number;
  vector?: number;
  /** Step lints: how many times it happened in the step. */
  count?: number;
}

/**
 * What the lints read besides the state: Machine.ctx (Ctx.vectorSets, Ctx.restores). Without it
 * the Linter looks at every vCPU at every step, as it must when it cannot know what changed.
 */
export interface LintProbe {
  readonly vectorSets: Float64Array;
  readonly restores: number;
}

const STEP_COUNTERS = ['storms', 'needless-eoi-exits', 'empty-eois', 'host-crashes', 'injections'] as const;
type StepCounter = (typeof STEP_COUNTERS)[number];

const bitOf = (pin: number) => 1 << pin;

/** Vector V pending in IRR or in service on this vCPU, KVM's registers or the Secure AVIC guest's. */
function pendingHere(v: VcpuState, vector: number): boolean {
  const r = vector >>> 5;
  const b = 1 << (vector & 31);
  if ((v.irr[r] | v.isr[r]) & b) return true;
  return v.savic !== null && ((v.savic.irr[r] | v.savic.isr[r]) & b) !== 0;
}

/** This vCPU owes the EOI of vector V (the stuck-remote-irr reading, see LINTS). */
function owesEoi(v: VcpuState, vector: number): boolean {
  if (pendingHere(v, vector)) return true;
  for (const t of v.tasks) if (t.vector === vector) return true;
  return false;
}

/** Vectors 0–15 held in IRR or ISR on this vCPU (16 bits): the low-vector lint's baseline. */
export function lowVectorMask(v: VcpuState): number {
  let w = v.irr[0] | v.isr[0];
  if (v.savic) w |= v.savic.irr[0] | v.savic.isr[0];
  return w & 0xffff;
}

/** State-lint conditions, numbered per pin: key = pin * 4 + condition; stateLintPins' out[] slots. */
export const STUCK = 0;
export const MASKED = 1;
export const LOST = 2;

/**
 * The pins where each state lint's condition holds, as bit masks in out[STUCK], out[MASKED] and
 * out[LOST], built without a warning, a string or a memo: the explorer asks it after every step
 * from states it restores in any order (the Linter's memos assume a sequence). Same conditions as
 * Linter.stateConditions (explore.test.ts compares both with lints-reference.ts).
 */
export function stateLintPins(s: MachineState, out: Uint32Array, only = -1): void {
  let stuck = 0;
  let masked = 0;
  let lost = 0;
  const io = s.ioapic;
  // `only`: the pins to look at (a bit each; the explorer's pins that can change).
  for (let left = only & ((1 << io.rte.length) - 1); left !== 0; left &= left - 1) {
    const pin = 31 - Math.clz32(left & -left);
    const e = io.rte[pin];
    if (e.trigger === 1 && e.remoteIrr === 1) {
      if (!eoiOwedAnywhere(s, e.vector)) stuck |= bitOf(pin);
      if (e.mask) masked |= bitOf(pin);
    }
    if (!(io.line & bitOf(pin)) || e.mask) continue;
    if (e.trigger === 1 && e.remoteIrr === 0 && io.deferredAt < 0) lost |= bitOf(pin);
    else if (e.trigger === 0 && io.edgeUndelivered & bitOf(pin)) lost |= bitOf(pin);
  }
  out[STUCK] = stuck;
  out[MASKED] = masked;
  out[LOST] = lost;
}

function eoiOwedAnywhere(s: MachineState, vector: number): boolean {
  for (const v of s.cpus) if (owesEoi(v, vector)) return true;
  return false;
}

/** One entry of a counter that grew in the step: by how much. */
interface Grown {
  cpu: number;
  vector: number;
  pin: number;
  n: number;
}

/** A step counter's entries as of the last state seen, and its total then (unchanged total, unchanged entries). */
interface CounterMemo {
  total: number;
  entries: Map<number, number>;
}

const entryKey = (cpu: number, vector: number, pin: number) => ((cpu + 1) * 257 + vector + 1) * 25 + pin + 1;

function times(n: number): string {
  return n === 1 ? '' : ` (${n} times in this step)`;
}

/**
 * Lints a sequence of states: feed it the booted state, then the state after each step. Each
 * state is looked at once (the state after step k is the baseline of step k+1), and only where
 * it may have changed: a counter whose total did not grow has no grown entry; a vector that no
 * vCPU held and that was neither set in an IRR nor given a task since (LintProbe) is held by
 * none still; only vCPUs holding a vector below 0x10 are looked at again, unless such a vector
 * was set somewhere. The warnings are those of the definitions (lints-reference.ts, compared on
 * random scenarios in lints.test.ts).
 */
export class Linter {
  private readonly probe: LintProbe | null;
  /** The state conditions that held in the last state. */
  private conditions = new Set<number>();
  private readonly counters = new Map<StepCounter, CounterMemo>();
  /** Per vCPU (absent = 0): vectors 0–15 held in IRR or ISR in the last state. */
  private low = new Map<number, number>();
  private lowSets = -1;
  private lowRestores = -1;
  /** Per vector: where its EOI was last found owed, and the probe's counts when it was owed nowhere. */
  private readonly owedAt = new Int32Array(256).fill(-1);
  private readonly notOwedSets = new Float64Array(256).fill(Number.NaN);
  private readonly notOwedRestores = new Float64Array(256).fill(Number.NaN);

  constructor(start: MachineState, probe?: LintProbe) {
    this.probe = probe ?? null;
    this.stateConditions(start);
    for (const name of STEP_COUNTERS) {
      const entries = new Map<number, number>();
      this.grown(start, name, { total: -1, entries }, entries);
      this.counters.set(name, { total: start.counters.totals[this.totalIndex(name)], entries });
    }
    this.lowVectors(start, null);
  }

  private totalIndex(name: StepCounter): number {
    return name === 'injections' ? LOW_INJECTIONS : CTR[name];
  }

  /** Somebody still owes the EOI of vector V in state `s`. */
  private eoiOwed(s: MachineState, vector: number): boolean {
    const p = this.probe;
    if (p && this.notOwedSets[vector] === p.vectorSets[vector] && this.notOwedRestores[vector] === p.restores)
      return false;
    const at = this.owedAt[vector];
    if (at >= 0 && at < s.cpus.length && owesEoi(s.cpus[at], vector)) return true;
    for (const v of s.cpus)
      if (owesEoi(v, vector)) {
        this.owedAt[vector] = v.index;
        return true;
      }
    this.owedAt[vector] = -1;
    if (p) {
      this.notOwedSets[vector] = p.vectorSets[vector];
      this.notOwedRestores[vector] = p.restores;
    }
    return false;
  }

  /** The state conditions of `s` (keys), remembered; calls `fresh` for each one that did not hold before. */
  private stateConditions(s: MachineState, fresh?: (key: number) => void): void {
    const now = new Set<number>();
    const io = s.ioapic;
    for (let pin = 0; pin < io.rte.length; pin++) {
      const e = io.rte[pin];
      const key = pin * 4;
      if (e.trigger === 1 && e.remoteIrr === 1) {
        if (!this.eoiOwed(s, e.vector)) now.add(key + STUCK);
        if (e.mask) now.add(key + MASKED);
      }
      if (!(io.line & bitOf(pin)) || e.mask) continue;
      if (e.trigger === 1 && e.remoteIrr === 0 && io.deferredAt < 0) now.add(key + LOST);
      else if (e.trigger === 0 && io.edgeUndelivered & bitOf(pin)) now.add(key + LOST);
    }
    if (fresh) for (const k of now) if (!this.conditions.has(k)) fresh(k);
    this.conditions = now;
  }

  /** The entries of `name` that grew from `memo` to `s` (sorted by cpu, pin, vector); fills `into` with them all. */
  private grown(s: MachineState, name: StepCounter, memo: CounterMemo, into: Map<number, number>): Grown[] {
    const rows: Grown[] = [];
    const was = memo.entries;
    countersForEach(s.counters, name, (cpu, vector, pin, n) => {
      if (name === 'injections' && vector >= 16) return;
      const k = entryKey(cpu, vector, pin);
      into.set(k, n);
      const d = n - (was.get(k) ?? 0);
      if (d > 0) rows.push({ cpu, vector, pin, n: d });
    });
    return rows.sort((a, b) => a.cpu - b.cpu || a.pin - b.pin || a.vector - b.vector);
  }

  private grownIn(s: MachineState, name: StepCounter): Grown[] {
    const memo = this.counters.get(name)!;
    const total = s.counters.totals[this.totalIndex(name)];
    if (total === memo.total) return [];
    const entries = new Map<number, number>();
    const rows = this.grown(s, name, memo, entries);
    this.counters.set(name, { total, entries });
    return rows;
  }

  /**
   * Remembers the low vectors of `s`; when `fresh` is given, calls it with each vCPU and the
   * vectors below 0x10 it holds now and did not hold before.
   */
  private lowVectors(s: MachineState, fresh: ((cpu: number, bits: number) => void) | null): void {
    const p = this.probe;
    let sets = 0;
    if (p) for (let vector = 0; vector < 16; vector++) sets += p.vectorSets[vector];
    const now = new Map<number, number>();
    const look = (cpu: number) => {
      const u = lowVectorMask(s.cpus[cpu]);
      if (u === 0) return;
      now.set(cpu, u);
      const bits = u & ~(this.low.get(cpu) ?? 0);
      if (bits && fresh) fresh(cpu, bits);
    };
    if (!p || sets !== this.lowSets || p.restores !== this.lowRestores) {
      for (let cpu = 0; cpu < s.cpus.length; cpu++) look(cpu);
    } else {
      // No vector below 0x10 was set anywhere: only the vCPUs holding one can have changed (it left).
      for (const cpu of this.low.keys()) look(cpu);
    }
    this.lowSets = sets;
    this.lowRestores = p ? p.restores : -1;
    this.low = now;
  }

  step(after: MachineState): LintWarning[] {
    const out: LintWarning[] = [];
    const io = after.ioapic;
    const split = after.config.irqchip === 'split';
    this.stateConditions(after, (key) => {
      const pin = key >> 2;
      const e = io.rte[pin];
      const vector = e.vector;
      const cond = key & 3;
      if (cond === STUCK) {
        const eoiRegister = split && ioapicVersionOf(after.config) === 0x20;
        out.push({
          lint: 'stuck-remote-irr',
          rule: 'R5.6 c',
          pin,
          vector,
          why: `R5.6 c: pin ${pin} (level, vector ${hex(vector)}) has remote IRR set and no vCPU owes its EOI: no LAPIC has ${hex(vector)} pending or in service, so no EOI broadcast will clear it; the pin is blocked until the guest rewrites its RTE (edge and back, S13)${eoiRegister ? ' or writes the IOAPIC EOI register' : ''}`,
        });
      } else if (cond === MASKED) {
        out.push({
          lint: 'masked-remote-irr',
          rule: 'R5.5',
          pin,
          vector,
          why: `R5.5: pin ${pin} (level, vector ${hex(vector)}) is masked while its remote IRR is set: after the EOI the masked pin is not re-delivered, and if the EOI never comes the pin stays blocked when it is unmasked`,
        });
      } else if (e.trigger === 1) {
        out.push({
          lint: 'lost-interrupt',
          rule: 'R5.4',
          pin,
          vector,
          why: `R5.4: pin ${pin} (level, vector ${hex(vector)}) is unmasked and its line high, but remote IRR is 0 and no delivery is deferred: its interrupt reached no APIC${split ? '' : ' (the fast path returns 0 when nobody accepts, R4.8)'} and will not be sent again until the line drops and rises or the RTE is rewritten`,
        });
      } else {
        out.push({
          lint: 'lost-interrupt',
          rule: split ? 'R6' : 'R5.5',
          pin,
          vector,
          why: split
            ? `R6: pin ${pin} (edge, vector ${hex(vector)}) is unmasked and its line high, but its rising edge came while the pin was masked and QEMU discarded it: no interrupt until the line drops and rises again`
            : `R5.5: pin ${pin} (edge, vector ${hex(vector)}) is unmasked and its line high, but its edge arrived while the pin was masked and KVM does not deliver it on unmask: no interrupt until the line drops and rises again`,
        });
      }
    });

    const limit = after.config.kvm.stormLimit;
    for (const r of this.grownIn(after, 'storms'))
      out.push({
        lint: 'irq-storm',
        rule: 'R5.6 d',
        pin: r.pin,
        count: r.n,
        why: `R5.6 d: IRQ storm on pin ${r.pin}: ${limit} successive EOIs found its line still high, so the storm limit deferred the re-injection by 10 ms${times(r.n)}`,
      });
    for (const r of this.grownIn(after, 'needless-eoi-exits'))
      out.push({
        lint: 'needless-eoi-exit',
        rule: 'R7.3',
        cpu: r.cpu,
        vector: r.vector,
        count: r.n,
        why: `R7.3: the EOI of ${hex(r.vector)} on vCPU ${r.cpu} was broadcast to the IOAPIC but no level pin with that vector had remote IRR set: it cleared nothing (a needless EOI exit${split ? ' to userspace' : ''})${times(r.n)}`,
      });
    for (const r of this.grownIn(after, 'empty-eois'))
      out.push({
        lint: 'empty-isr-eoi',
        rule: 'R3.8',
        cpu: r.cpu,
        count: r.n,
        why: `R3.8: vCPU ${r.cpu} EOI'd with nothing in service: the EOI changes nothing${times(r.n)}`,
      });

    const lowBefore = this.low;
    const low = new Map<number, LintWarning>();
    this.lowVectors(after, (cpu, bits) => {
      for (let vector = 0; vector < 16; vector++)
        if (bits & (1 << vector))
          low.set(cpu * 16 + vector, {
            lint: 'low-vector',
            rule: 'R3.11',
            cpu,
            vector,
            why: `R3.11: vector ${hex(vector)} reached vCPU ${cpu}: vectors below 0x10 are illegal for the SDM (exceptions), but KVM accepts them (is a vector missing from an RTE, MSI or IPI?)`,
          });
    });
    for (const r of this.grownIn(after, 'injections')) {
      const k = r.cpu * 16 + r.vector;
      // Taking an interrupt that was already waiting in IRR is the same delivery: warned before.
      if (!low.has(k) && !((lowBefore.get(r.cpu) ?? 0) & (1 << r.vector)))
        low.set(k, {
          lint: 'low-vector',
          rule: 'R3.11',
          cpu: r.cpu,
          vector: r.vector,
          count: r.n,
          why: `R3.11: vCPU ${r.cpu} took vector ${hex(r.vector)}${times(r.n)}: vectors below 0x10 are illegal for the SDM (exceptions), but KVM accepts and injects them (is a vector missing from an RTE, MSI or IPI?)`,
        });
    }
    if (low.size) out.push(...[...low.values()].sort((a, b) => a.cpu! - b.cpu! || a.vector! - b.vector!));
    for (const r of this.grownIn(after, 'host-crashes'))
      out.push({
        lint: 'host-crash',
        rule: 'R9.5',
        count: r.n,
        why: 'R9.5: the host assertion fired: KVM_APIC_PV_EOI_PENDING was set while PV EOI was disabled (BUG_ON in apic_sync_pv_eoi_from_guest); the VM is stopped',
      });
    return out;
  }
}

/** Event kinds that mark where in its step each lint happened (the timeline marker's event). */
const MARKER_EVENTS: Record<LintName, readonly string[]> = {
  'stuck-remote-irr': ['ioapic_service', 'ioapic_delivered', 'ioapic_write_rte', 'kvm_eoi', 'eoi_forwarded'],
  'lost-interrupt': ['ioapic_delivered', 'delivery_fast_path', 'ioapic_set_irq', 'kvm_ioapic_set_irq'],
  'irq-storm': ['kvm_ioapic_delayed_eoi_inj', 'ioapic_eoi_delayed_reassert'],
  'needless-eoi-exit': ['kvm_userspace_exit', 'eoi_forwarded'],
  'empty-isr-eoi': ['eoi_isr_empty', 'apicv_eoi', 'savic_eoi_warn', 'savic_eoi_empty'],
  'low-vector': ['kvm_apic_accept_irq', 'kvm_inj_virq', 'apicv_deliver', 'savic_deliver'],
  'host-crash': ['host_bug_on'],
  'masked-remote-irr': ['ioapic_write_rte', 'ioapic_mem_write', 'ioapic_mmio_write'],
};

/**
 * The index of the step's event a warning points at (the last event of a matching kind about
 * the same pin, vCPU or vector), or -1 when the step has none (e.g. untraced).
 */
export function lintEventIndex(w: LintWarning, events: readonly TraceEvent[]): number {
  const kinds = MARKER_EVENTS[w.lint];
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (!kinds.includes(e.type)) continue;
    if (w.pin !== undefined && e.pin !== undefined && e.pin !== w.pin) continue;
    if (w.cpu !== undefined && e.cpu >= 0 && e.cpu !== w.cpu) continue;
    if (w.vector !== undefined && e.vector !== undefined && e.vector !== w.vector) continue;
    return i;
  }
  return -1;
}
