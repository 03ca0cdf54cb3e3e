/** The lints of a whole scenario, step by step (the command line's warnings, the timeline's markers). */

import type { MachineState } from '../core/state.ts';
import type { Scenario } from '../scenario/ast.ts';
import type { LintProbe, LintWarning } from './lints.ts';
import { Linter } from './lints.ts';

export interface StepWarning extends LintWarning {
  /** The step (1-based) after which it holds. */
  step: number;
  /** The scenario line of that step's action. */
  line: number;
}

/** An onStep hook for runScenario that collects every step's warnings into `out`. */
export function collectLints(
  s: Scenario,
  out: StepWarning[],
): (step: number, state: MachineState, probe?: LintProbe) => void {
  let linter: Linter | null = null;
  return (step, state, probe) => {
    if (step === 0 || !linter) {
      linter = new Linter(state, probe);
      return;
    }
    for (const w of linter.step(state)) out.push({ ...w, step, line: s.steps[step - 1].line });
  };
}
