/**
 * `apicscope explore FILE [--depth N] [--max-states M] [--json]` (issue 10, docs/explore.md):
 * explores every action sequence from the state the file reaches and reports the shortest
 * counterexample of each property violated, as a runnable scenario and its share link.
 * Exit status: 0 nothing violated within the bound; 1 a violation; 2 the file cannot be read or
 * parsed (as `run`). Progress goes to stderr at most once a second; Ctrl-C stops the search and
 * prints what it found (exploreCommandAsync).
 */
import type { Violation } from '../explore/explorer.ts';
import { ExploreLineError, Explorer } from '../explore/explorer.ts';
import type { Scenario } from '../scenario/ast.ts';
import { parseScenario } from '../scenario/parse.ts';
import { checkSetting } from '../scenario/settings.ts';
import { encodeLink } from '../share/url.ts';
import { readTextInput } from './read.ts';

export interface ExploreArgs {
  depth: number | null;
  maxStates: number | null;
  json: boolean;
}

/** Steps per chunk between looks at the clock (and, when asynchronous, at Ctrl-C). */
const CHUNK = 20_000;

interface Session {
  file: string;
  explorer: Explorer;
  started: number;
  lastProgress: number;
}

function start(file: string, a: ExploreArgs, err: (s: string) => void): Session | number {
  const input = readTextInput(file);
  if (!input.ok) {
    err(`${file}: ${input.error}`);
    return 2;
  }
  const parsed = parseScenario(input.text);
  if (!parsed.ok) {
    for (const e of parsed.errors) err(`${file}:${e.line}:${e.col}: ${e.message}`);
    return 2;
  }
  const s: Scenario = parsed.scenario;
  let explorer: Explorer;
  try {
    explorer = new Explorer(s, {
      ...(a.depth !== null ? { depth: a.depth } : {}),
      ...(a.maxStates !== null ? { maxStates: a.maxStates } : {}),
    });
  } catch (e) {
    err(
      e instanceof ExploreLineError ? `${file}:${e.line}: ${e.detail}` : `${file}: ${(e as Error).message}`,
    );
    return 2;
  }
  const now = performance.now();
  return { file, explorer, started: now, lastProgress: now };
}

/** Runs one chunk; prints a progress line when a second has passed since the last one. */
function chunk(x: Session, err: (s: string) => void): boolean {
  const done = x.explorer.advance(CHUNK);
  const now = performance.now();
  if (!done && now - x.lastProgress >= 1000) {
    x.lastProgress = now;
    const st = x.explorer.stats();
    err(`explore: ${st.states} states, ${st.distinct} distinct, depth ${st.depth}`);
  }
  return done;
}

function link(v: Violation): string | null {
  const r = encodeLink({ text: v.scenario, step: v.step }, { checkSetting });
  return r.ok ? `#${r.fragment}` : null;
}

function report(x: Session, a: ExploreArgs, out: (s: string) => void, err: (s: string) => void): number {
  const e = x.explorer;
  const seconds = Math.max((performance.now() - x.started) / 1000, 1e-6);
  const st = e.stats();
  const violations = e.violations();
  const statesPerSecond = Math.round(st.distinct / seconds);
  if (a.json) {
    out(
      JSON.stringify({
        violations: violations.map((v) => ({
          property: v.property,
          step: v.step,
          why: v.why,
          scenario: v.scenario,
          link: link(v),
        })),
        stats: { states: st.states, distinct: st.distinct, depth: st.depth, statesPerSecond, cut: st.cut },
      }),
    );
  } else {
    const properties = e.lints.length + e.invariants.length;
    const cut = st.cut ? `, cut by ${st.cut === 'stopped' ? 'Ctrl-C' : `the ${st.cut} bound`}` : '';
    err(
      `explore: ${st.states} states, ${st.distinct} distinct, depth ${st.depth}, ${statesPerSecond} states/s${cut}`,
    );
    if (violations.length === 0)
      out(
        `${x.file}: no violation of ${properties} propert${properties === 1 ? 'y' : 'ies'} within depth ${e.maxDepth} (${st.distinct} distinct states${st.cut ? '' : ', every reachable state'})`,
      );
    for (const v of violations) {
      out(
        `${x.file}: violation: ${v.property} at step ${v.step} (${v.depth} after the file's last): ${v.why}`,
      );
      const l = link(v);
      out(l ? `link: ${l}` : 'link: none (the scenario is too large for a link)');
      out('--- counterexample (apicscope run exits 1 on its last expect) ---');
      out(v.scenario.replace(/\n$/, ''));
      out('---');
    }
  }
  return violations.length ? 1 : 0;
}

/** The whole search in one go (tests, and `main`): no Ctrl-C, progress still once a second. */
export function exploreCommand(
  file: string,
  a: ExploreArgs,
  out: (s: string) => void,
  err: (s: string) => void,
): number {
  const x = start(file, a, err);
  if (typeof x === 'number') return x;
  while (!chunk(x, err)) {}
  return report(x, a, out, err);
}

/**
 * The search in chunks that yield to the event loop, so that Ctrl-C (SIGINT) or `stop.stopped`
 * ends it; what was found until then is printed as usual (stats.cut = 'stopped').
 */
export async function exploreCommandAsync(
  file: string,
  a: ExploreArgs,
  out: (s: string) => void,
  err: (s: string) => void,
  stop: { stopped: boolean } = { stopped: false },
): Promise<number> {
  const x = start(file, a, err);
  if (typeof x === 'number') return x;
  const onSigint = () => {
    stop.stopped = true;
  };
  process.on('SIGINT', onSigint);
  try {
    for (;;) {
      if (stop.stopped) x.explorer.stop();
      if (chunk(x, err)) break;
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  return report(x, a, out, err);
}
