/** Helpers for tests that write their cases as scenario text. */
import type { Scenario } from '../scenario/ast.ts';
import { formatError } from '../scenario/ast.ts';
import { parseScenario } from '../scenario/parse.ts';
import type { RunResult } from './run.ts';
import { runScenario } from './run.ts';

/**
 * True inside a mutation run (`npm run mutate`; Stryker marks its test processes), which runs
 * the covering tests once per mutant: the few tests that take seconds (fuzzing, subprocesses,
 * huge inputs) are skipped there and property tests make fewer runs.
 */
export const MUTATING = process.env.STRYKER_MUTATOR_WORKER !== undefined;

export function mustParse(text: string): Scenario {
  const r = parseScenario(text);
  if (!r.ok) throw new Error(`scenario does not parse:\n${r.errors.map(formatError).join('\n')}`);
  return r.scenario;
}

export function run(text: string): RunResult {
  return runScenario(mustParse(text));
}

/** The failed expectations of a scenario, as `LINE: expected …, got …` lines (empty = all hold). */
export function failures(text: string): string[] {
  return run(text)
    .expects.filter((e) => !e.ok)
    .map((e) => `${e.line}: expected ${e.expected}, got ${e.actual}`);
}

/**
 * R9.5: a windows guest's deferred IOAPIC EOI exits (MMIO) with PV EOI pending but turned off by
 * the host: a host crash at guest step 3 of the last `run 3`.
 */
export const HOST_CRASH_AT_RUN_STEP_3 = `vcpus 1
apicv off
kvm seoib=enabled
kvm pv-eoi-disable-fix=off
guest 0 profile=windows
run
cpu 0 pv-eoi on
route 5 vector=0xa2 trigger=level dest=0 mask=0
assert 5
run 3
msi dest=0 vector=0xb1
host-pv-eoi 0 off
`;
