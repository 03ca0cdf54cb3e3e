/**
 * The explorer's alphabet: the actions it may take at every step. By default it is derived from
 * the scenario (issue 10): each routed pin's assert, deassert and pulse; each manual vCPU's eoi,
 * iret, sti, cli, service of each routed pin and tpr of each priority class in use; the file's
 * MSIs and IPIs; `run 1` when a vCPU has an automatic guest. `explore actions KIND…` keeps only
 * some kinds of it, `explore action …` lines add actions (their `a|b` alternatives expanded).
 */
import type { Action } from '../core/actions.ts';
import type { MachineState } from '../core/state.ts';
import type { Scenario } from '../scenario/ast.ts';
import type { ExploreKind } from '../scenario/grammar/explore.ts';
import { printAction } from '../scenario/print.ts';

/** The most actions an alphabet may have (the explorer stores an action's index in 16 bits). */
export const MAX_ALPHABET = 0xffff;

/** A pin is routed when its RTE is not the reset one (masked, vector 0). */
function routedPins(s: MachineState): number[] {
  const pins: number[] = [];
  s.ioapic.rte.forEach((e, pin) => {
    if (e.vector !== 0 || e.mask === 0) pins.push(pin);
  });
  return pins;
}

/** The kind `explore actions` filters an action by. */
function kindOf(a: Action): ExploreKind | null {
  switch (a.kind) {
    case 'assert':
    case 'deassert':
    case 'pulse':
    case 'msi':
    case 'ipi':
    case 'run':
      return a.kind;
    case 'cpu':
      switch (a.op.op) {
        case 'eoi':
        case 'iret':
        case 'sti':
        case 'cli':
        case 'service':
        case 'tpr':
          return a.op.op;
      }
      return null;
    default:
      return null;
  }
}

/**
 * The alphabet derived from the scenario `s` whose prefix leaves state `end`, then narrowed and
 * extended by its `explore` statements; each action once, in a fixed order (pins, vCPUs, MSIs,
 * IPIs, run, then the `explore action` lines in file order).
 */
export function deriveAlphabet(s: Scenario, end: MachineState): Action[] {
  const derived: Action[] = [];
  const pins = routedPins(end);
  for (const pin of pins) {
    derived.push({ kind: 'assert', pin }, { kind: 'deassert', pin }, { kind: 'pulse', pin });
  }
  // Classes in use: the routed pins' vectors and the file's MSIs and IPIs.
  const vectors = new Set<number>();
  for (const pin of pins) vectors.add(end.ioapic.rte[pin].vector);
  const msis: Action[] = [];
  const ipis: Action[] = [];
  for (const st of s.steps) {
    if (st.action.kind === 'msi') msis.push(st.action);
    if (st.action.kind === 'ipi') ipis.push(st.action);
    if (st.action.kind === 'msi' || st.action.kind === 'ipi') vectors.add(st.action.vector);
  }
  const tprs = [
    0,
    ...[...new Set([...vectors].map((v) => v >>> 4))].sort((a, b) => a - b).map((c) => c << 4),
  ];
  const tprValues = [...new Set(tprs)];
  let automatic = false;
  for (const v of end.cpus) {
    if (v.profile !== 'manual') {
      automatic = true;
      continue;
    }
    const cpu = v.index;
    derived.push(
      { kind: 'cpu', cpu, op: { op: 'eoi' } },
      { kind: 'cpu', cpu, op: { op: 'iret' } },
      { kind: 'cpu', cpu, op: { op: 'sti' } },
      { kind: 'cpu', cpu, op: { op: 'cli' } },
    );
    for (const pin of pins) derived.push({ kind: 'cpu', cpu, op: { op: 'service', pin } });
    for (const value of tprValues) derived.push({ kind: 'cpu', cpu, op: { op: 'tpr', value } });
  }
  derived.push(...msis, ...ipis);
  if (automatic) derived.push({ kind: 'run', n: 1 });

  const x = s.explore;
  const kinds = x?.kinds ? new Set<string>(x.kinds) : null;
  const out: Action[] = [];
  const seen = new Set<string>();
  const add = (a: Action) => {
    const text = printAction(a);
    if (seen.has(text)) return;
    seen.add(text);
    out.push(a);
  };
  for (const a of derived) {
    const k = kindOf(a);
    if (kinds && (k === null || !kinds.has(k))) continue;
    add(a);
  }
  for (const line of x?.actions ?? []) for (const a of line.actions) add(a);
  return out;
}

/**
 * The pins an exploration can change: those not in their reset state (masked, all zero, line
 * low) at the start, and those the alphabet names. Any other pin keeps its start state in every
 * explored state (its RTE is written by no action, its line driven by none, and EOIs touch only
 * level pins, which a reset pin is not), so the codec and the lints leave it out. An alphabet
 * that restores a snapshot or EOIs vector 0 at the IOAPIC could change any pin: then all are.
 */
export function activePins(start: MachineState, alphabet: readonly Action[]): number {
  const io = start.ioapic;
  const all = (1 << io.rte.length) - 1;
  let pins = io.line | io.irr | io.edgeUndelivered;
  io.rte.forEach((e, pin) => {
    if (
      e.vector | e.trigger | e.dest | e.destMode | e.deliveryMode | e.polarity | e.remoteIrr ||
      e.mask !== 1
    )
      pins |= 1 << pin;
    if (io.irqEoi[pin] !== 0 || start.vm.routes[pin] !== null) pins |= 1 << pin;
  });
  for (const a of alphabet) {
    switch (a.kind) {
      case 'route':
      case 'mask':
      case 'unmask':
      case 'assert':
      case 'deassert':
      case 'pulse':
        pins |= 1 << a.pin;
        break;
      case 'restore':
        return all;
      case 'cpu':
        if (a.op.op === 'service' || a.op.op === 'ioapic-rte') pins |= 1 << a.op.pin;
        // IOREGSEL/IOWIN writes of any register, or an IOAPIC EOI of vector 0 (a reset pin's).
        if (a.op.op === 'ioapic-eoi' && a.op.value === 0) return all;
        break;
    }
  }
  return pins & all;
}
