/**
 * The `apicscope` command line (scenario-language.md §8):
 *   apicscope run FILE… [--json] [--set KEY=VALUE]…
 *   apicscope trace FILE [--why | --json | --perfetto] [--set KEY=VALUE]…
 *   apicscope state FILE --step K [--event J] [--set KEY=VALUE]…
 *   apicscope import TRACE [--check] [--json]   (see import.ts)
 *   apicscope explore FILE [--depth N] [--max-states M] [--json]   (see explore.ts)
 * Exit status: 0 all expectations hold; 1 an expectation failed; 2 a file could not be read or parsed.
 */
import type { TraceEvent } from '../core/events.ts';
import { machineSummary } from '../core/inspect.ts';
import { Machine } from '../core/machine.ts';
import { formatTraceLine } from '../core/trace-format.ts';
import type { StepWarning } from '../lint/run.ts';
import { collectLints } from '../lint/run.ts';
import { runScenario } from '../replay/run.ts';
import type { Scenario } from '../scenario/ast.ts';
import { choicesOf, SETTING_KEYS } from '../scenario/grammar/index.ts';
import { parseScenario, validateScenario } from '../scenario/parse.ts';
import { printAction } from '../scenario/print.ts';
import { applySetting, checkSetting } from '../scenario/settings.ts';
import type { StepEvents } from '../share/trace-export.ts';
import { chromeTrace } from '../share/trace-export.ts';
import { decodeFragment, encodeLink, MAX_FRAGMENT_CHARS } from '../share/url.ts';
import type { ExploreArgs } from './explore.ts';
import { exploreCommand, exploreCommandAsync } from './explore.ts';
import { importCommand } from './import.ts';
import { lineWriter } from './output.ts';
import { readTextInput } from './read.ts';

const USAGE = `usage:
  apicscope run FILE… [--json] [--strict] [--set KEY=VALUE]…   --strict: lint warnings fail the run
  apicscope trace FILE [--why] [--set KEY=VALUE]…   trace-cmd report lines (--why: with reasons)
  apicscope trace FILE --json                      one JSON object per event and line
  apicscope trace FILE --perfetto                  Chrome trace-event JSON for Perfetto
  apicscope state FILE --step K [--event J]        the state after step K (and its event J) as JSON
  apicscope url FILE [--step N]        print the share-link fragment (#v=1&…) for a scenario
  apicscope decode URL                 print the scenario a share link carries
  apicscope decode --file F | -        the same, the link read from file F or standard input
  apicscope import TRACE [--json]      a scenario from trace-cmd report / perf script text
  apicscope import TRACE --check [--json]   replay it and compare the model's events with the trace's
  apicscope explore FILE [--depth N] [--max-states M] [--json]
                                       every action sequence up to N steps (default 8) from the file's
                                       last state, at most M states (default 1000000): exit 1 with the
                                       shortest counterexample of each lint or invariant violated

  --set keys: ${setKeys()}
              apic="xapic cpuid=x2apic" (x2APIC in CPUID, LAPIC in xAPIC mode)`;

/** The `--set` keys with their values, from the grammar, wrapped at 80 columns. */
function setKeys(): string {
  const words = [
    ...new Set(
      SETTING_KEYS.map((s) => {
        if (s.key.startsWith('kvm.')) return 'kvm.<key>=VALUE';
        const values = choicesOf(s.values);
        const key = s.key === 'guest.all' ? 'guest.<cpu|all>' : s.key;
        return `${key}=${values.length ? values.join('|') : 'N'}`;
      }),
    ),
  ];
  const lines: string[] = [];
  for (const w of words) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + w.length <= 80) lines[last] += ` ${w}`;
    else lines.push(w);
  }
  return lines.join('\n              ');
}

class UsageError extends Error {}

/** Most bytes read for a link: the longest fragment, and room for the address before it. */
const LINK_INPUT_BYTES = MAX_FRAGMENT_CHARS + 64 * 1024;

interface Options {
  command: string;
  /** Files, or for `decode` the link. */
  files: string[];
  json: boolean;
  why: boolean;
  perfetto: boolean;
  event: number | null;
  sets: string[];
  step: number | null;
  /** `decode --file F`: the file that holds the link. */
  linkFile: string | null;
  /** run: lint warnings make the run fail. */
  strict: boolean;
  /** import: replay the scenario and compare. */
  check: boolean;
  /** explore: the bounds (null: the file's or the default). */
  depth: number | null;
  maxStates: number | null;
}

function parseArgs(argv: string[]): Options {
  const [command, ...rest] = argv;
  if (!['run', 'trace', 'state', 'url', 'decode', 'import', 'explore'].includes(command))
    throw new UsageError(command ? `unknown command '${command}'` : 'no command');
  const o: Options = {
    command,
    files: [],
    json: false,
    why: false,
    perfetto: false,
    event: null,
    sets: [],
    step: null,
    linkFile: null,
    strict: false,
    check: false,
    depth: null,
    maxStates: null,
  };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--json') o.json = true;
    else if (a === '--why') o.why = true;
    else if (a === '--perfetto') o.perfetto = true;
    else if (a === '--strict') o.strict = true;
    else if (a === '--check') o.check = true;
    else if ((a === '--depth' || a === '--max-states') && command === 'explore') {
      const v = rest[++i];
      if (!v || !/^[1-9]\d{0,8}$/.test(v)) throw new UsageError(`${a} needs a whole number of 1 or more`);
      if (a === '--depth') o.depth = Number(v);
      else o.maxStates = Number(v);
    } else if (a === '--event') {
      const v = rest[++i];
      if (!v || !/^\d+$/.test(v)) throw new UsageError('--event needs an event index');
      o.event = Number(v);
    } else if (a === '--set') {
      const v = rest[++i];
      if (!v) throw new UsageError('--set needs KEY=VALUE');
      o.sets.push(v);
    } else if (a.startsWith('--set=')) o.sets.push(a.slice(6));
    else if (a === '--step') {
      const v = rest[++i];
      if (!v || !/^\d+$/.test(v)) throw new UsageError('--step needs a step number');
      o.step = Number(v);
    } else if (a === '--file' && command === 'decode') {
      const v = rest[++i];
      if (!v) throw new UsageError('--file needs the name of a file that holds the link');
      o.linkFile = v;
    } else if (a.startsWith('--')) throw new UsageError(`unknown option '${a}'`);
    else o.files.push(a);
  }
  if (o.linkFile !== null && o.files.length > 0)
    throw new UsageError('decode takes one link: URL, --file F or -');
  if (o.files.length === 0 && o.linkFile === null)
    throw new UsageError(
      o.command === 'decode'
        ? 'no link given'
        : o.command === 'import'
          ? 'no trace file given'
          : 'no scenario file given',
    );
  if (o.strict && o.command !== 'run') throw new UsageError('--strict goes with run');
  if (o.check && o.command !== 'import') throw new UsageError('--check goes with import');
  if (o.command === 'import' && (o.why || o.perfetto || o.sets.length || o.step !== null))
    throw new UsageError('import takes only --json and --check');
  if (
    o.command === 'explore' &&
    (o.why || o.perfetto || o.sets.length || o.step !== null || o.event !== null || o.strict || o.check)
  )
    throw new UsageError('explore takes only --depth N, --max-states M and --json');
  if (o.command !== 'run' && o.files.length > 1)
    throw new UsageError(
      `${o.command} takes one ${o.command === 'decode' ? 'link' : o.command === 'import' ? 'trace' : 'file'}`,
    );
  if (o.command === 'state' && o.step === null) throw new UsageError('state needs --step K');
  if (o.event !== null && o.command !== 'state') throw new UsageError('--event goes with state');
  if (o.perfetto && o.command !== 'trace') throw new UsageError('--perfetto goes with trace');
  if (o.command === 'trace' && [o.json, o.why, o.perfetto].filter(Boolean).length > 1)
    throw new UsageError('trace takes one of --why, --json, --perfetto');
  return o;
}

/** Reads, parses and applies --set; returns the scenario or prints FILE:LINE:COL errors. */
function load(file: string, sets: string[], err: (s: string) => void): Scenario | null {
  const input = readTextInput(file);
  if (!input.ok) {
    err(`${file}: ${input.error}`);
    return null;
  }
  const text = input.text;
  const parsed = parseScenario(text);
  if (!parsed.ok) {
    for (const e of parsed.errors) err(`${file}:${e.line}:${e.col}: ${e.message}`);
    return null;
  }
  const s = parsed.scenario;
  for (const set of sets) {
    const problem = applySetting(s.config, set);
    if (problem) {
      err(`${file}: --set ${set}: ${problem}`);
      return null;
    }
  }
  if (sets.length) {
    const errors = validateScenario(s);
    if (errors.length) {
      for (const e of errors) err(`${file}:${e.line}:${e.col}: ${e.message} (after --set)`);
      return null;
    }
  }
  return s;
}

/** One line of `trace --json`: the event with its place (step, index in the step) and its cause. */
export function eventJson(step: number, index: number, e: TraceEvent): Record<string, unknown> {
  return {
    step,
    index,
    type: e.type,
    cause: e.cause,
    time: e.time,
    ...(e.cpu >= 0 ? { cpu: e.cpu } : {}),
    ...(e.pin !== undefined ? { pin: e.pin } : {}),
    ...(e.vector !== undefined ? { vector: e.vector } : {}),
    text: e.text,
    why: e.why,
    rule: e.rule,
  };
}

/** One entry of `run --json`'s `warnings`. */
function warningJson(w: StepWarning): Record<string, unknown> {
  return {
    line: w.line,
    step: w.step,
    lint: w.lint,
    rule: w.rule,
    why: w.why,
    ...(w.cpu !== undefined ? { cpu: w.cpu } : {}),
    ...(w.pin !== undefined ? { pin: w.pin } : {}),
    ...(w.vector !== undefined ? { vector: w.vector } : {}),
    ...(w.count !== undefined ? { count: w.count } : {}),
  };
}

/** The arguments, or null after printing the usage error (exit status 2). */
function options(argv: string[], err: (s: string) => void): Options | null {
  try {
    return parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`apicscope: ${e.message}\n${USAGE}`);
    return null;
  }
}

const exploreArgs = (o: Options): ExploreArgs => ({ depth: o.depth, maxStates: o.maxStates, json: o.json });

/**
 * The command line as the installed program runs it: `explore` searches in chunks that Ctrl-C
 * can stop (it prints what it found so far); every other command is `main`.
 */
export async function mainAsync(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  if (argv[0] !== 'explore') return main(argv, out, err);
  const o = options(argv, err);
  if (!o) return 2;
  return exploreCommandAsync(o.files[0], exploreArgs(o), out, err);
}

export function main(argv: string[], out: (s: string) => void, err: (s: string) => void): number {
  const o = options(argv, err);
  if (!o) return 2;
  if (o.command === 'explore') return exploreCommand(o.files[0], exploreArgs(o), out, err);
  if (o.command === 'url') {
    const file = o.files[0];
    const input = readTextInput(file);
    if (!input.ok) {
      err(`${file}: ${input.error}`);
      return 2;
    }
    const text = input.text;
    const parsed = parseScenario(text);
    if (!parsed.ok) {
      for (const e of parsed.errors) err(`${file}:${e.line}:${e.col}: ${e.message}`);
      return 2;
    }
    const steps = parsed.scenario.steps.length;
    const step = o.step ?? steps;
    if (step > steps) {
      err(`${file}: --step ${step} is beyond its ${steps} steps`);
      return 2;
    }
    // Only a link that opens is printed; otherwise the message opening it would give.
    const link = encodeLink({ text, step }, { checkSetting });
    if (!link.ok) {
      err(`${file}: no link: ${link.error}`);
      return 2;
    }
    out(`#${link.fragment}`);
    return 0;
  }
  if (o.command === 'decode') {
    // A link over ~128 KiB does not fit in an argument: it may come from a file or stdin.
    const source = o.linkFile ?? (o.files[0] === '-' ? '-' : null);
    let link = o.files[0];
    if (source !== null) {
      const input = readTextInput(source, LINK_INPUT_BYTES);
      if (!input.ok) {
        err(`${source === '-' ? 'standard input' : source}: ${input.error}`);
        return 2;
      }
      link = input.text.replace(/\s+/g, ''); // a link wrapped over lines, as mail does
    }
    const r = decodeFragment(link, { checkSetting });
    if (!r.ok) {
      err(`apicscope: ${r.error}`);
      return 2;
    }
    const parsed = parseScenario(r.state.text);
    out(r.state.text.replace(/\n$/, ''));
    if (!parsed.ok) {
      for (const e of parsed.errors) err(`link:${e.line}:${e.col}: ${e.message}`);
      return 2;
    }
    err(
      `(step ${r.state.step} of ${parsed.scenario.steps.length}${r.state.view ? `, view ${r.state.view}` : ''})`,
    );
    return 0;
  }
  if (o.command === 'trace') {
    const s = load(o.files[0], o.sets, err);
    if (!s) return 2;
    const perfetto: StepEvents[] = [];
    const r = runScenario(s, {
      onEvents: (step, events) => {
        if (o.perfetto) {
          perfetto.push({ step, action: printAction(s.steps[step - 1].action), events, dropped: 0 });
          return;
        }
        events.forEach((ev, index) => {
          if (o.json) out(JSON.stringify(eventJson(step, index, ev)));
          else {
            out(formatTraceLine(ev));
            if (o.why) out(`    # ${ev.why}`);
          }
        });
      },
    });
    if (o.perfetto) out(JSON.stringify(chromeTrace(perfetto, s.config.vcpus, s.config.title ?? o.files[0])));
    return r.expects.every((e) => e.ok) ? 0 : 1;
  }
  if (o.command === 'state') {
    const s = load(o.files[0], o.sets, err);
    if (!s) return 2;
    const step = o.step ?? 0;
    if (step > s.steps.length) {
      err(`${o.files[0]}: --step ${step} is beyond its ${s.steps.length} steps`);
      return 2;
    }
    const m = Machine.boot(s.config, false);
    for (let i = 0; i < step - (o.event === null ? 0 : 1); i++) m.apply(s.steps[i].action);
    let state = m.state;
    if (o.event !== null) {
      if (step === 0) {
        err(`${o.files[0]}: --event needs a step of 1 or more (step 0 has no events)`);
        return 2;
      }
      const after = m.stateAfterEvent(s.steps[step - 1].action, o.event);
      if (!after) {
        err(
          `${o.files[0]}: step ${step} has ${m.ctx.events.length} events (0–${m.ctx.events.length - 1}); there is no event ${o.event}`,
        );
        return 2;
      }
      state = after;
    }
    const summary = machineSummary(state);
    out(JSON.stringify({ cpus: summary.cpus, ioapic: summary.ioapic, kvm: summary.kvm }));
    return 0;
  }
  if (o.command === 'import') return importCommand(o.files[0], o.json, o.check, out, err);
  let status = 0;
  let passed = 0;
  let failed = 0;
  let warned = 0;
  for (const file of o.files) {
    const s = load(file, o.sets, err);
    if (!s) {
      status = 2;
      continue;
    }
    const warnings: StepWarning[] = [];
    const r = runScenario(s, { onStep: collectLints(s, warnings) });
    warned += warnings.length;
    // Failures on stdout, as the contract prints them; lint warnings on stderr, like a compiler's
    // (they do not fail the run unless --strict), so stdout stays exactly the contract's.
    for (const e of r.expects) {
      if (e.ok) passed++;
      else {
        failed++;
        if (!o.json) out(`${file}:${e.line}: expected ${e.expected}, got ${e.actual}`);
      }
    }
    for (const w of warnings) err(`${file}:${w.line}: warning: ${w.lint}: ${w.why}`);
    if (failed && status === 0) status = 1;
    if (o.strict && warnings.length && status === 0) status = 1;
    if (o.json) {
      const summary = machineSummary(r.final);
      out(
        JSON.stringify({
          file,
          steps: r.steps,
          expects: r.expects.map(({ line, ok, expected, actual }) => ({ line, ok, expected, actual })),
          counters: summary.counters,
          final: { cpus: summary.cpus, ioapic: summary.ioapic, kvm: summary.kvm },
          warnings: warnings.map(warningJson),
        }),
      );
    }
  }
  if (!o.json) out(`apicscope: ${o.files.length} file(s), ${passed} passed, ${failed} failed`);
  if (warned) err(`apicscope: ${warned} warning(s)${o.strict ? ' (--strict: they fail the run)' : ''}`);
  return status;
}

// Run when executed directly (not when imported by tests).
if (process.argv[1] && /cli[\\/]main\.ts$/.test(process.argv[1])) {
  mainAsync(process.argv.slice(2), lineWriter(process.stdout), lineWriter(process.stderr)).then((code) => {
    process.exitCode = code;
  });
}
