/** Runs a whole scenario from the booted start state, checking its expectations on the way. */
import type { Action } from '../core/actions.ts';
import type { Ctx } from '../core/ctx.ts';
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

export interface StepLoop {
  /** The state the expectations read (after the steps applied so far). */
  state: () => MachineState;
  /** Applies step `step` (1-based). */
  apply: (action: Action, step: number) => void;
  /** First step to apply, 0-based (default 0): expectations after earlier steps are not checked. */
  from?: number;
  /** Expectations on earlier lines are not checked (an append checks only its own lines). */
  minLine?: number;
}

/**
 * The one run-and-check loop (the command line, the tests and the worker's session all use it):
 * applies the scenario's steps from `from` on and checks each expectation on the state right
 * after its step.
 */
export function runSteps(s: Scenario, loop: StepLoop): ExpectResult[] {
  const from = loop.from ?? 0;
  const minLine = loop.minLine ?? 1;
  const byStep = expectationsByStep(s.expects, from, minLine);
  const out = checkExpectations(loop.state(), byStep.get(from) ?? []);
  for (let k = from + 1; k <= s.steps.length; k++) {
    loop.apply(s.steps[k - 1].action, k);
    const due = byStep.get(k);
    if (due) appendResults(out, checkExpectations(loop.state(), due));
  }
  return out;
}

export interface RunOptions {
  /** Receives each step's events (tracing is on only when this is given). */
  onEvents?: (step: number, events: TraceEvent[]) => void;
  /**
   * Receives the booted state (step 0), then the state after each step (lints use it), with the
   * machine's context (what the lints' LintProbe reads).
   */
  onStep?: (step: number, state: MachineState, ctx: Ctx) => void;
}

/**
 * The expectations grouped by the step they are checked after, in file order; only those at
 * step `from` or later and on line `minLine` or later. Linear: 100 000 expectations at one
 * step once took a spread copy per expectation (issue 14).
 */
export function expectationsByStep(
  expects: readonly Expectation[],
  from = 0,
  minLine = 1,
): Map<number, Expectation[]> {
  const byStep = new Map<number, Expectation[]>();
  for (const e of expects) {
    if (e.afterStep < from || e.line < minLine) continue;
    const list = byStep.get(e.afterStep);
    if (list) list.push(e);
    else byStep.set(e.afterStep, [e]);
  }
  return byStep;
}

/** Appends `results` to `out` one by one (`push(...results)` overflows the stack past ~100 000). */
export function appendResults(out: ExpectResult[], results: readonly ExpectResult[]): void {
  for (const r of results) out.push(r);
}

export function runScenario(s: Scenario, opts: RunOptions = {}): RunResult {
  const m = Machine.boot(s.config, opts.onEvents !== undefined);
  let steps = 0;
  opts.onStep?.(0, m.state, m.ctx);
  const expects = runSteps(s, {
    state: () => m.state,
    apply: (action, k) => {
      if (!m.state.vm.crashed) steps++;
      const r = m.apply(action);
      opts.onEvents?.(k, r.events);
      opts.onStep?.(k, m.state, m.ctx);
    },
  });
  return { steps, expects, final: m.state };
}
