/**
 * The lints as first written (one full pass over every vCPU and every counter entry per state,
 * string keys): slow at 4096 vCPUs, kept as the oracle that lints.ts's incremental Linter must
 * match warning for warning (lints.test.ts, on random scenarios). Test-only.
 */

import { ioapicVersionOf } from '../core/config.ts';
import type { CounterName, Counters } from '../core/counters.ts';
import { countersEntries } from '../core/counters.ts';
import { hex } from '../core/hex.ts';
import type { MachineState, VcpuState } from '../core/state.ts';
import type { LintWarning } from './lints.ts';

/** What the lints remember of the state before a step. */
interface LintBaseline {
  /** The state conditions that held, by `lint:pin`. */
  conditions: Set<string>;
  counters: Partial<Record<CounterName, Map<string, number>>>;
  /** Per vCPU: vectors 0–15 held in IRR or ISR (16 bits). */
  lowVectors: Uint16Array;
}

const STEP_COUNTERS = ['storms', 'needless-eoi-exits', 'empty-eois', 'host-crashes', 'injections'] as const;

const bitOf = (pin: number) => 1 << pin;

/** Vector V pending in IRR or in service on this vCPU, KVM's registers or the Secure AVIC guest's. */
function pendingHere(v: VcpuState, vector: number): boolean {
  const r = vector >>> 5;
  const b = 1 << (vector & 31);
  if ((v.irr[r] | v.isr[r]) & b) return true;
  return v.savic !== null && ((v.savic.irr[r] | v.savic.isr[r]) & b) !== 0;
}

/** Somebody still owes the EOI of vector V (the stuck-remote-irr reading, see LINTS). */
function eoiOwed(s: MachineState, vector: number): boolean {
  for (const v of s.cpus) {
    if (pendingHere(v, vector)) return true;
    if (v.tasks.some((t) => t.vector === vector)) return true;
  }
  return false;
}

function stateWarnings(s: MachineState): Map<string, LintWarning> {
  const out = new Map<string, LintWarning>();
  const io = s.ioapic;
  const split = s.config.irqchip === 'split';
  const eoiRegister = split && ioapicVersionOf(s.config) === 0x20;
  for (let pin = 0; pin < io.rte.length; pin++) {
    const e = io.rte[pin];
    const high = (io.line & bitOf(pin)) !== 0;
    if (e.trigger === 1 && e.remoteIrr === 1) {
      if (!eoiOwed(s, e.vector))
        out.set(`stuck-remote-irr:${pin}`, {
          lint: 'stuck-remote-irr',
          rule: 'R5.6 c',
          pin,
          vector: e.vector,
          why: `R5.6 c: pin ${pin} (level, vector ${hex(e.vector)}) has remote IRR set and no vCPU owes its EOI: no LAPIC has ${hex(e.vector)} pending or in service, so no EOI broadcast will clear it; the pin is blocked until the guest rewrites its RTE (edge and back, S13)${eoiRegister ? ' or writes the IOAPIC EOI register' : ''}`,
        });
      if (e.mask)
        out.set(`masked-remote-irr:${pin}`, {
          lint: 'masked-remote-irr',
          rule: 'R5.5',
          pin,
          vector: e.vector,
          why: `R5.5: pin ${pin} (level, vector ${hex(e.vector)}) is masked while its remote IRR is set: after the EOI the masked pin is not re-delivered, and if the EOI never comes the pin stays blocked when it is unmasked`,
        });
    }
    if (!high || e.mask) continue;
    if (e.trigger === 1 && e.remoteIrr === 0 && io.deferredAt < 0)
      out.set(`lost-interrupt:${pin}`, {
        lint: 'lost-interrupt',
        rule: 'R5.4',
        pin,
        vector: e.vector,
        why: `R5.4: pin ${pin} (level, vector ${hex(e.vector)}) is unmasked and its line high, but remote IRR is 0 and no delivery is deferred: its interrupt reached no APIC${split ? '' : ' (the fast path returns 0 when nobody accepts, R4.8)'} and will not be sent again until the line drops and rises or the RTE is rewritten`,
      });
    else if (e.trigger === 0 && io.edgeUndelivered & bitOf(pin))
      out.set(`lost-interrupt:${pin}`, {
        lint: 'lost-interrupt',
        rule: split ? 'R6' : 'R5.5',
        pin,
        vector: e.vector,
        why: split
          ? `R6: pin ${pin} (edge, vector ${hex(e.vector)}) is unmasked and its line high, but its rising edge came while the pin was masked and QEMU discarded it: no interrupt until the line drops and rises again`
          : `R5.5: pin ${pin} (edge, vector ${hex(e.vector)}) is unmasked and its line high, but its edge arrived while the pin was masked and KVM does not deliver it on unmask: no interrupt until the line drops and rises again`,
      });
  }
  return out;
}

function keyOf(cpu: number, vector: number, pin: number): string {
  return `${cpu}:${vector}:${pin}`;
}

function counterSnapshot(c: Counters, name: CounterName): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of countersEntries(c, name)) {
    if (name === 'injections' && e.vector >= 16) continue;
    const k = keyOf(e.cpu, e.vector, e.pin);
    m.set(k, (m.get(k) ?? 0) + e.n);
  }
  return m;
}

function lowVectorMask(v: VcpuState): number {
  let w = v.irr[0] | v.isr[0];
  if (v.savic) w |= v.savic.irr[0] | v.savic.isr[0];
  return w & 0xffff;
}

/** The baseline of a state, to lint the step that starts from it. */
function lintBaseline(s: MachineState): LintBaseline {
  const counters: LintBaseline['counters'] = {};
  for (const n of STEP_COUNTERS) counters[n] = counterSnapshot(s.counters, n);
  return {
    conditions: new Set(stateWarnings(s).keys()),
    counters,
    lowVectors: Uint16Array.from(s.cpus, lowVectorMask),
  };
}

function times(n: number): string {
  return n === 1 ? '' : ` (${n} times in this step)`;
}

/** The warnings of one step: from the baseline of the state before it to the state after it. */
function lintStep(before: LintBaseline, after: MachineState): LintWarning[] {
  const out: LintWarning[] = [];
  for (const [key, w] of stateWarnings(after)) if (!before.conditions.has(key)) out.push(w);

  const grown = (name: (typeof STEP_COUNTERS)[number]) => {
    const was = before.counters[name] ?? new Map<string, number>();
    const rows: { cpu: number; vector: number; pin: number; n: number }[] = [];
    for (const [k, n] of counterSnapshot(after.counters, name)) {
      const d = n - (was.get(k) ?? 0);
      if (d <= 0) continue;
      const [cpu, vector, pin] = k.split(':').map(Number);
      rows.push({ cpu, vector, pin, n: d });
    }
    return rows.sort((a, b) => a.cpu - b.cpu || a.pin - b.pin || a.vector - b.vector);
  };

  const limit = after.config.kvm.stormLimit;
  for (const r of grown('storms'))
    out.push({
      lint: 'irq-storm',
      rule: 'R5.6 d',
      pin: r.pin,
      count: r.n,
      why: `R5.6 d: IRQ storm on pin ${r.pin}: ${limit} successive EOIs found its line still high, so the storm limit deferred the re-injection by 10 ms${times(r.n)}`,
    });
  for (const r of grown('needless-eoi-exits'))
    out.push({
      lint: 'needless-eoi-exit',
      rule: 'R7.3',
      cpu: r.cpu,
      vector: r.vector,
      count: r.n,
      why: `R7.3: the EOI of ${hex(r.vector)} on vCPU ${r.cpu} was broadcast to the IOAPIC but no level pin with that vector had remote IRR set: it cleared nothing (a needless EOI exit${after.config.irqchip === 'split' ? ' to userspace' : ''})${times(r.n)}`,
    });
  for (const r of grown('empty-eois'))
    out.push({
      lint: 'empty-isr-eoi',
      rule: 'R3.8',
      cpu: r.cpu,
      count: r.n,
      why: `R3.8: vCPU ${r.cpu} EOI'd with nothing in service: the EOI changes nothing${times(r.n)}`,
    });
  const low = new Map<string, LintWarning>();
  after.cpus.forEach((v, cpu) => {
    const fresh = lowVectorMask(v) & ~(before.lowVectors[cpu] ?? 0);
    for (let vector = 0; vector < 16; vector++)
      if (fresh & (1 << vector))
        low.set(keyOf(cpu, vector, -1), {
          lint: 'low-vector',
          rule: 'R3.11',
          cpu,
          vector,
          why: `R3.11: vector ${hex(vector)} reached vCPU ${cpu}: vectors below 0x10 are illegal for the SDM (exceptions), but KVM accepts them (is a vector missing from an RTE, MSI or IPI?)`,
        });
  });
  for (const r of grown('injections')) {
    const k = keyOf(r.cpu, r.vector, -1);
    // Taking an interrupt that was already waiting in IRR is the same delivery: warned before.
    if (!low.has(k) && !((before.lowVectors[r.cpu] ?? 0) & (1 << r.vector)))
      low.set(k, {
        lint: 'low-vector',
        rule: 'R3.11',
        cpu: r.cpu,
        vector: r.vector,
        count: r.n,
        why: `R3.11: vCPU ${r.cpu} took vector ${hex(r.vector)}${times(r.n)}: vectors below 0x10 are illegal for the SDM (exceptions), but KVM accepts and injects them (is a vector missing from an RTE, MSI or IPI?)`,
      });
  }
  out.push(...[...low.values()].sort((a, b) => a.cpu! - b.cpu! || a.vector! - b.vector!));
  for (const r of grown('host-crashes'))
    out.push({
      lint: 'host-crash',
      rule: 'R9.5',
      count: r.n,
      why: 'R9.5: the host assertion fired: KVM_APIC_PV_EOI_PENDING was set while PV EOI was disabled (BUG_ON in apic_sync_pv_eoi_from_guest); the VM is stopped',
    });
  return out;
}

/** The state conditions that hold in `s`, by `lint:pin` (the oracle of the explorer's stateLintPins). */
export function stateConditionKeys(s: MachineState): string[] {
  return [...stateWarnings(s).keys()];
}

/** Lints a sequence of states: feed it the booted state, then the state after each step. */
export class ReferenceLinter {
  private base: LintBaseline;

  constructor(start: MachineState) {
    this.base = lintBaseline(start);
  }

  step(after: MachineState): LintWarning[] {
    const w = lintStep(this.base, after);
    this.base = lintBaseline(after);
    return w;
  }
}
