/**
 * Replay of a real trace (issue 10 §3): `importTrace` reads the text of `trace-cmd report` or
 * `perf script` (KVM's tracepoints, QEMU's ioapic_* events), infers the configuration and writes
 * a scenario that reproduces the traced inputs, each action annotated with the trace line it
 * came from; `checkTrace` replays that scenario and compares, line by line. Pure: the command
 * line reads the file, the app can pass pasted text.
 */

import type { Scenario } from '../scenario/ast.ts';
import { formatError } from '../scenario/ast.ts';
import { parseScenario } from '../scenario/parse.ts';
import { printAction, printConfig, quote } from '../scenario/print.ts';
import type { CheckResult, Disagreement, LineVerdict } from './check.ts';
import { checkImport } from './check.ts';
import type { SplitTrace } from './records.ts';
import { splitTrace } from './records.ts';
import type { ConfigVariant, Imported } from './synth.ts';
import { synthesize } from './synth.ts';

export type { CheckResult, Disagreement, LineVerdict };

export interface ImportSummary {
  /** Physical lines of the input. */
  lines: number;
  /** Lines that belong to records apicscope read (inputs, compared lines, context). */
  used: number;
  /** Lines not read (blank lines are neither used nor skipped). */
  skipped: number;
  /** Why, with a count each. */
  skippedWhy: Record<string, number>;
}

export interface ImportedStepInfo {
  /** 1-based step of the scenario. */
  step: number;
  /** The scenario line of its action, and the trace line it came from. */
  scenarioLine: number;
  traceLine: number;
  action: string;
  inferred: string | null;
}

export type ImportResult =
  | {
      ok: true;
      summary: ImportSummary;
      /** The scenario text, ready for `apicscope run` or the app. */
      text: string;
      scenario: Scenario;
      steps: ImportedStepInfo[];
      configWhy: string[];
      imported: Imported;
    }
  | { ok: false; summary: ImportSummary; error: string };

const MAX_NOTE = 200;

function summarize(imp: Imported): ImportSummary {
  const { trace, uses } = imp;
  const skippedWhy: Record<string, number> = {};
  const lineRole: ('used' | string)[] = new Array(trace.lineCount).fill('');
  trace.lineKinds.forEach((k, i) => {
    if (k === 'header') lineRole[i] = 'header or comment';
    else if (k === 'garbled') lineRole[i] = 'not a trace line';
  });
  trace.records.forEach((r, i) => {
    const u = uses[i];
    for (const l of r.lines) lineRole[l - 1] = u.role === 'skipped' ? (u.reason ?? 'skipped') : 'used';
  });
  let used = 0;
  let skipped = 0;
  for (const role of lineRole) {
    if (role === '') continue;
    if (role === 'used') used++;
    else {
      skipped++;
      // unknown tracepoints are counted together, their names listed
      const key = role.startsWith('unknown tracepoint ') ? 'unknown tracepoint' : role;
      skippedWhy[key] = (skippedWhy[key] ?? 0) + 1;
    }
  }
  return { lines: trace.lineCount, used, skipped, skippedWhy };
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > MAX_NOTE ? `${t.slice(0, MAX_NOTE - 1)}…` : t;
}

/** Reads a trace; `name` (the file name) goes into the title and the header comment. */
/** The scenario text: a header, the configuration, and each step annotated with its trace line. */
function scenarioText(
  imp: Imported,
  name: string,
  summary: ImportSummary,
): { text: string; steps: ImportedStepInfo[] } {
  const out: string[] = [];
  const why = Object.entries(summary.skippedWhy)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  out.push(
    `# imported by apicscope from ${oneLine(name)}: ${summary.lines} lines, ${summary.used} used, ${summary.skipped} skipped${why ? ` (${why})` : ''}`,
  );
  out.push('# configuration inferred from the trace:');
  for (const w of imp.configWhy) out.push(`#   ${w}`);
  out.push(`title ${quote(`trace ${oneLine(name)}`)}`);
  out.push(...printConfig({ ...imp.config, title: null }));
  const steps: ImportedStepInfo[] = [];
  const recordText = (ri: number) => {
    const r = imp.trace.records[ri];
    return oneLine(`${r.name}: ${r.body}`);
  };
  imp.steps.forEach((s, k) => {
    const action = printAction(s.action);
    const src = imp.trace.records[s.record];
    const at = s.inferred ? `# L${s.line} (inferred: ${oneLine(s.inferred)})` : `# L${s.line}`;
    const quoted = src && src.line === s.line ? `: ${recordText(s.record)}` : '';
    out.push(`${action}   ${at}${quoted}`);
    steps.push({ step: k + 1, scenarioLine: out.length, traceLine: s.line, action, inferred: s.inferred });
  });
  return { text: `${out.join('\n')}\n`, steps };
}

/**
 * KVM code versions a trace cannot show directly: when the replay disagrees, the import tries
 * each and keeps the one that disagrees least (ties keep the default).
 */
const VARIANTS: ConfigVariant[] = [
  {
    apply: (c) => {
      c.kvm.staleEoiRescan = false;
    },
    why: 'kvm stale-eoi-rescan=off: the replay agrees with more lines without the stale-EOI rescan (KVM before that patch)',
  },
];

function bestImport(trace: SplitTrace): Imported {
  let best = synthesize(trace);
  const scored = (imp: Imported) => {
    const text = scenarioText(imp, 'trace', summarize(imp)).text;
    const parsed = parseScenario(text);
    return parsed.ok ? checkImport(imp, parsed.scenario).disagreements.length : Number.POSITIVE_INFINITY;
  };
  let bestScore = scored(best);
  if (bestScore === 0) return best;
  for (const v of VARIANTS) {
    const imp = synthesize(trace, v);
    const n = scored(imp);
    if (n < bestScore) {
      best = imp;
      bestScore = n;
    }
  }
  return best;
}

export function importTrace(text: string, name = 'trace'): ImportResult {
  const imp = bestImport(splitTrace(text));
  const summary = summarize(imp);
  if (summary.used === 0) {
    const unknown = [
      ...new Set(imp.trace.records.filter((_, i) => imp.uses[i].role === 'skipped').map((r) => r.name)),
    ].slice(0, 8);
    return {
      ok: false,
      summary,
      error: `${name}: nothing usable: none of its ${summary.lines} lines is a kvm or QEMU ioapic tracepoint apicscope reads${
        unknown.length ? ` (it has ${unknown.join(', ')})` : ''
      }; give the text of \`trace-cmd report\` or \`perf script\` of the kvm: events`,
    };
  }
  const { text: written, steps } = scenarioText(imp, name, summary);

  const parsed = parseScenario(written);
  if (!parsed.ok)
    return {
      ok: false,
      summary,
      error: `${name}: the scenario written from it does not parse (an apicscope bug): ${parsed.errors.map(formatError).join('; ')}`,
    };
  return {
    ok: true,
    summary,
    text: written,
    scenario: parsed.scenario,
    steps,
    configWhy: imp.configWhy,
    imported: imp,
  };
}

/** Imports, replays and compares. */
export function checkTrace(
  text: string,
  name = 'trace',
): { result: ImportResult; check: CheckResult | null } {
  const result = importTrace(text, name);
  return { result, check: result.ok ? checkImport(result.imported, result.scenario) : null };
}
