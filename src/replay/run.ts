/** Runs a whole scenario from the booted start state, checking its expectations on the way. */
import type { TraceEvent } from '../core/events.ts';
import { Machine } from '../core/machine.ts';
import type { MachineState } from '../core/state.ts';
import type { Expectation, Scenario } from '../scenario/ast.ts';
import { evaluateCheck } from '../scenario/expect.ts';
import { printCheck } from '../scenario/print.ts';

export interface ExpectResult {
  line: number;
  afterStep: number;
  ok: boolean;
  expected: string;
  actual: string;
}

export interface RunResult {
  /** Actions executed (those skipped after a host crash are not). */
  steps: number;
  expects: ExpectResult[];
  final: MachineState;
}

export function checkExpectations(state: MachineState, expects: Expectation[]): ExpectResult[] {
  return expects.map((e) => {
    const r = evaluateCheck(state, e.check);
    return {
      line: e.line,
      afterStep: e.afterStep,
      ok: r.ok,
      expected: e.text || printCheck(e.check),
      actual: r.actual,
    };
  });
}

export interface RunOptions {
  /** Receives each step's events (tracing is on only when this is given). */
  onEvents?: (step: number, events: TraceEvent[]) => void;
  /** Receives the booted state (step 0), then the state after each step (lints use it). */
  onStep?: (step: number, state: MachineState) => void;
}

export function runScenario(s: Scenario, opts: RunOptions = {}): RunResult {
  const m = Machine.boot(s.config, opts.onEvents !== undefined);
  const byStep = new Map<number, Expectation[]>();
  for (const e of s.expects) byStep.set(e.afterStep, [...(byStep.get(e.afterStep) ?? []), e]);
  const expects: ExpectResult[] = checkExpectations(m.state, byStep.get(0) ?? []);
  opts.onStep?.(0, m.state);
  let steps = 0;
  s.steps.forEach((st, i) => {
    if (!m.state.vm.crashed) steps++;
    const r = m.apply(st.action);
    opts.onEvents?.(i + 1, r.events);
    opts.onStep?.(i + 1, m.state);
    expects.push(...checkExpectations(m.state, byStep.get(i + 1) ?? []));
  });
  return { steps, expects, final: m.state };
}
