/**
 * The hostile-input pipeline: each link, file and text goes the way the app and the command
 * line take it (decode, decode the bytes, parse, validate, derive the compare column, clone
 * for the worker, run when cheap), and every way it can go wrong is counted. A pass has 0
 * uncaught errors, 0 stack traces, 0 messages without a line or field, 0 values a worker
 * could not be sent, 0 decodes over 50 ms, and the session untouched by every refusal.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as cli } from '../../cli/main.ts';
import { runScenario } from '../../replay/run.ts';
import type { Scenario } from '../../scenario/ast.ts';
import { parseScenario } from '../../scenario/parse.ts';
import { deriveCompare } from '../../scenario/settings.ts';
import { decodeExternalText, MAX_INPUT_BYTES } from '../../scenario/text-input.ts';
import { Session } from '../../worker/session.ts';
import { decodeFragment } from '../url.ts';
import type { HostileFile, HostileLink, HostileText } from './inputs.ts';

/** Longest a decode may block the page's main thread (one task). */
export const MAIN_THREAD_BUDGET_MS = 50;
/** Work (actions + guest steps of `run`) up to which a valid scenario is also run. */
const RUN_BUDGET = 50_000;

export interface Tally {
  count: number;
  accepted: number;
  refused: number;
}

export interface HostileReport {
  links: number;
  files: number;
  texts: number;
  /** Per input kind, e.g. `link/mutated`, `file/utf-16le`, `text/prototype`. */
  kinds: Record<string, Tally>;
  scenariosParsed: number;
  scenariosRun: number;
  cliRuns: number;
  uncaught: number;
  stackTraces: number;
  badMessages: number;
  notCloneable: number;
  sessionChanged: number;
  slowDecodes: number;
  /** Damaged links that opened as another session than the one they were made from. */
  misread: number;
  maxDecodeMs: number;
  /** The decodes over budget (kept apart from `failures`: see `failed`). */
  slow: string[];
  failures: string[];
}

export function emptyReport(): HostileReport {
  return {
    links: 0,
    files: 0,
    texts: 0,
    kinds: {},
    scenariosParsed: 0,
    scenariosRun: 0,
    cliRuns: 0,
    uncaught: 0,
    stackTraces: 0,
    badMessages: 0,
    notCloneable: 0,
    sessionChanged: 0,
    slowDecodes: 0,
    misread: 0,
    maxDecodeMs: 0,
    slow: [],
    failures: [],
  };
}

/**
 * The number of failures. `time: false` leaves out decodes over the budget: on a machine
 * shared with other work a unit test cannot tell a slow decode from a busy scheduler, so the
 * sampled suite reports them and `npm run hostile` (run alone) counts them.
 */
export function failed(r: HostileReport, opts: { time?: boolean } = {}): number {
  const f = r.uncaught + r.stackTraces + r.badMessages + r.notCloneable + r.sessionChanged + r.misread;
  return opts.time === false ? f : f + r.slowDecodes;
}

const STACK = /\n\s+at |\bat .+:\d+:\d+\)?$/m;

function note(r: HostileReport, what: string, input: string): void {
  if (r.failures.length < 30) r.failures.push(`${what}: ${JSON.stringify(input.slice(0, 160))}`);
}

/** A message a person can act on: one line, no stack, not empty, not endless. */
function checkMessage(r: HostileReport, message: unknown, input: string): void {
  if (typeof message !== 'string' || message.length === 0 || message.length > 400 || message.includes('\n')) {
    r.badMessages++;
    note(r, `bad message ${JSON.stringify(message)}`, input);
  } else if (STACK.test(message)) {
    r.stackTraces++;
    note(r, 'stack trace in a message', input);
  }
}

function tally(r: HostileReport, kind: string, accepted: boolean): void {
  r.kinds[kind] ??= { count: 0, accepted: 0, refused: 0 };
  const t = r.kinds[kind];
  t.count++;
  if (accepted) t.accepted++;
  else t.refused++;
}

/** Only numbers, strings, booleans, null, plain objects, arrays, Maps and Sets: what a worker message may carry, and nothing from Object.prototype. */
function plainData(x: unknown, depth = 0): boolean {
  if (x === null || x === undefined) return true;
  const t = typeof x;
  if (t === 'number' || t === 'string' || t === 'boolean') return true;
  if (t !== 'object' || depth > 8) return false;
  if (x === Object.prototype || x === Array.prototype) return false;
  if (x instanceof Map) return [...x].every(([k, v]) => plainData(k, depth + 1) && plainData(v, depth + 1));
  if (x instanceof Set) return [...x].every((v) => plainData(v, depth + 1));
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return false;
  return Object.values(x as object).every((v) => plainData(v, depth + 1));
}

/** What a worker is sent and keeps: the configuration and the actions. */
function checkScenario(r: HostileReport, s: Scenario, input: string): void {
  let ok = true;
  try {
    structuredClone(s);
  } catch {
    ok = false;
  }
  const sample = s.steps.length > 2000 ? [...s.steps.slice(0, 1000), ...s.steps.slice(-1000)] : s.steps;
  if (!ok || !plainData(s.config) || !sample.every((st) => plainData(st.action))) {
    r.notCloneable++;
    note(r, 'scenario a worker could not be sent, or with inherited values', input);
  }
}

function work(s: Scenario): number {
  let w = s.steps.length;
  for (const st of s.steps) if (st.action.kind === 'run') w += st.action.n;
  return w;
}

export interface TextOptions {
  /** A session to load refused texts into: it must stay as it was. */
  session?: Session;
  run?: boolean;
}

/** Parse, validate, clone, and run when cheap; true when the text is a valid scenario. */
export function checkText(r: HostileReport, text: string, opts: TextOptions = {}): boolean {
  let parsed: ReturnType<typeof parseScenario>;
  try {
    parsed = parseScenario(text);
  } catch (e) {
    r.uncaught++;
    note(r, `parse threw ${(e as Error).name}`, text);
    return false;
  }
  if (!parsed.ok) {
    for (const e of parsed.errors) {
      if (!(e.line >= 1 && e.col >= 1)) {
        r.badMessages++;
        note(r, `error without LINE:COL (${e.line}:${e.col})`, text);
      }
      checkMessage(r, e.message, text);
    }
    const s = opts.session;
    if (s) {
      const before = s.text;
      try {
        const loaded = s.load(text);
        if (loaded.ok || s.text !== before) {
          r.sessionChanged++;
          note(r, 'a refused text changed the session', text);
        }
      } catch (e) {
        r.uncaught++;
        note(r, `session load threw ${(e as Error).name}`, text);
      }
    }
    return false;
  }
  r.scenariosParsed++;
  checkScenario(r, parsed.scenario, text);
  if (opts.run !== false && work(parsed.scenario) <= RUN_BUDGET && parsed.scenario.config.vcpus <= 256) {
    try {
      runScenario(parsed.scenario);
      r.scenariosRun++;
    } catch (e) {
      r.uncaught++;
      note(r, `run threw ${(e as Error).name}: ${(e as Error).message}`, text);
    }
  }
  return true;
}

/**
 * How long `f` keeps a core busy: the lesser of wall-clock time and the process's CPU time,
 * so that a machine shared with other work (where wall time counts their turns too) does not
 * make a fast decode look slow, while a decode that truly computes that long still does.
 */
export function busyMs(f: () => void): number {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return Math.min(wall, (c.user + c.system) / 1000);
}

function timedDecode(link: string): { result: ReturnType<typeof decodeFragment>; ms: number } {
  let best = Number.POSITIVE_INFINITY;
  let result!: ReturnType<typeof decodeFragment>;
  // Over budget once may be a collection or the first, unoptimised run: a slow decode is slow every time.
  for (let i = 0; i < 3 && best > MAIN_THREAD_BUDGET_MS; i++) {
    best = Math.min(
      best,
      busyMs(() => {
        result = decodeFragment(link);
      }),
    );
  }
  return { result, ms: best };
}

export function checkLinks(r: HostileReport, links: HostileLink[], session?: Session): void {
  for (const { kind, link, from } of links) {
    r.links++;
    let d: ReturnType<typeof timedDecode>;
    try {
      d = timedDecode(link);
    } catch (e) {
      r.uncaught++;
      note(r, `decode threw ${(e as Error).name}`, link);
      continue;
    }
    r.maxDecodeMs = Math.max(r.maxDecodeMs, d.ms);
    if (d.ms > MAIN_THREAD_BUDGET_MS) {
      r.slowDecodes++;
      r.slow.push(`${d.ms.toFixed(0)} ms: ${link.slice(0, 60)}`);
    }
    const res = d.result;
    tally(r, `link/${kind}`, res.ok);
    if (!res.ok) {
      checkMessage(r, res.error, link);
      continue;
    }
    if (from) {
      const orig = decodeFragment(from.link);
      const same =
        orig.ok &&
        orig.state.text === res.state.text &&
        // Sealed by the original h=, every field is the original's.
        (from.resealed ||
          !/&h=[0-9a-f]{8}$/.test(link) ||
          JSON.stringify(orig.state) === JSON.stringify(res.state));
      if (!same) {
        r.misread++;
        note(r, 'a damaged link opened as another session', link);
      }
    }
    const valid = checkText(r, res.state.text, { session });
    if (valid && res.state.compare) {
      try {
        const p = parseScenario(res.state.text);
        if (!p.ok) continue;
        const c = deriveCompare(res.state.text, p.scenario.config, res.state.compare);
        if (!c.ok) checkMessage(r, c.error, link);
        else checkText(r, c.text, { run: false });
      } catch (e) {
        r.uncaught++;
        note(r, `compare threw ${(e as Error).name}`, link);
      }
    }
  }
}

export function checkTexts(r: HostileReport, texts: HostileText[], session?: Session): void {
  for (const { kind, text } of texts) {
    r.texts++;
    tally(r, `text/${kind}`, checkText(r, text, { session }));
  }
}

/**
 * Files through the shared decoding, then (`viaCli`) the command line on a copy on disk:
 * exit 0, 1 or 2, never a stack trace, a refusal always `FILE: cannot read: …` or FILE:LINE:COL.
 */
export function checkFiles(r: HostileReport, files: HostileFile[], viaCli: boolean, session?: Session): void {
  const dir = viaCli ? mkdtempSync(join(tmpdir(), 'apicscope-hostile-')) : '';
  try {
    for (const f of files) {
      r.files++;
      let decoded: ReturnType<typeof decodeExternalText>;
      try {
        decoded = decodeExternalText(f.bytes, MAX_INPUT_BYTES);
      } catch (e) {
        r.uncaught++;
        note(r, `decodeExternalText threw ${(e as Error).name}`, f.name);
        continue;
      }
      tally(r, `file/${f.kind}`, decoded.ok);
      let cheap = true;
      if (!decoded.ok) checkMessage(r, decoded.error, f.name);
      else {
        const valid = checkText(r, decoded.text, { session });
        if (valid) {
          const p = parseScenario(decoded.text);
          cheap = p.ok && work(p.scenario) <= RUN_BUDGET && p.scenario.config.vcpus <= 256;
        }
      }
      if (!viaCli || !cheap) continue;
      const path = join(dir, f.name);
      writeFileSync(path, f.bytes);
      const out: string[] = [];
      const err: string[] = [];
      let status: number;
      try {
        status = cli(
          ['run', path],
          (s) => out.push(s),
          (s) => err.push(s),
        );
      } catch (e) {
        r.uncaught++;
        note(r, `the command line threw ${(e as Error).name}`, f.name);
        continue;
      } finally {
        rmSync(path, { force: true });
      }
      r.cliRuns++;
      if (![0, 1, 2].includes(status)) {
        r.badMessages++;
        note(r, `exit status ${status}`, f.name);
      }
      for (const line of err) {
        checkMessage(r, line, f.name);
        // The lint summary (`apicscope: N warning(s)`) follows warnings that name the file.
        if (/^apicscope: \d+ warning\(s\)$/.test(line)) continue;
        if (!line.startsWith(`${path}: cannot read: `) && !line.startsWith(`${path}:`)) {
          r.badMessages++;
          note(r, `a refusal that names no file: ${line}`, f.name);
        }
      }
      if (!decoded.ok && (status !== 2 || err.length !== 1 || !err[0].includes(decoded.error))) {
        r.badMessages++;
        note(r, `the command line disagrees with the app's decoding (exit ${status})`, f.name);
      }
    }
  } finally {
    if (viaCli) rmSync(dir, { recursive: true, force: true });
  }
}

/** A session as the app has it, to load refused input into. */
export function sessionWithPreset(text: string): Session {
  const s = new Session();
  const r = s.load(text);
  if (!r.ok) throw new Error('the preset does not load');
  return s;
}
