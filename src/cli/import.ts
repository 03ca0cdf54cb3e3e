/**
 * `apicscope import TRACE [--check] [--json]`: a scenario from a trace, and with --check the
 * line-by-line comparison of the model's replay with the trace. Exit status: 0 written (with
 * --check: every compared line agrees); 1 with --check, some line disagrees; 2 the trace cannot
 * be read or has nothing usable.
 */
import { readTextInput } from './read.ts';

/** A trace file is read up to this size (a long trace-cmd report of a storm). */
const MAX_TRACE_BYTES = 64 * 2 ** 20;

import { checkTrace, importTrace } from '../import/index.ts';

export function importCommand(
  file: string,
  json: boolean,
  check: boolean,
  out: (s: string) => void,
  err: (s: string) => void,
): number {
  // The one decoder of external text (BOM, UTF-16, binary refused); traces may be larger than scenarios.
  const input = readTextInput(file, MAX_TRACE_BYTES);
  if (!input.ok) {
    err(`${file}: ${input.error}`);
    return 2;
  }
  const text = input.text;
  if (!check) {
    const r = importTrace(text, file);
    if (!r.ok) {
      err(r.error);
      if (json) out(JSON.stringify({ ...r.summary, error: r.error }));
      return 2;
    }
    if (json)
      out(
        JSON.stringify({
          lines: r.summary.lines,
          used: r.summary.used,
          skipped: r.summary.skipped,
          skippedWhy: r.summary.skippedWhy,
          inferred: r.configWhy,
          steps: r.steps,
          scenario: r.text,
        }),
      );
    else out(r.text.replace(/\n$/, ''));
    return 0;
  }
  const { result: r, check: c } = checkTrace(text, file);
  if (!r.ok || !c) {
    err(r.ok ? `${file}: nothing to check` : r.error);
    if (json) out(JSON.stringify({ ...r.summary, error: r.ok ? 'nothing to check' : r.error }));
    return 2;
  }
  if (json) {
    out(
      JSON.stringify({
        lines: r.summary.lines,
        used: r.summary.used,
        skipped: r.summary.skipped,
        skippedWhy: r.summary.skippedWhy,
        agreements: c.agreements,
        disagreements: c.disagreements,
        steps: r.steps,
        scenario: r.text,
      }),
    );
  } else {
    const stepAction = new Map(r.steps.map((s) => [s.step, s.action]));
    for (const v of c.verdicts) {
      if (v.verdict === 'input') {
        const made = v.detail
          .split(', ')
          .filter(Boolean)
          .map((s) => `${s}: ${stepAction.get(Number(s.slice(5)))}`)
          .join('; ');
        out(`${file}:${v.line}: input: ${v.text} -> ${made}`);
      } else if (v.verdict === 'agree') out(`${file}:${v.line}: agree: ${v.text}`);
      else out(`${file}:${v.line}: disagree: ${v.detail}`);
    }
    const why = Object.entries(r.summary.skippedWhy)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    out(
      `apicscope import: ${r.summary.lines} lines, ${r.summary.used} used, ${r.summary.skipped} skipped${why ? ` (${why})` : ''}, ${c.agreements} agreements, ${c.disagreements.length} disagreements`,
    );
  }
  return c.disagreements.length ? 1 : 0;
}
