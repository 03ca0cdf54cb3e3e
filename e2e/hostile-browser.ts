/**
 * The hostile-input suite in the built app (issue 14): links through the address bar, files
 * through the file input and scenario texts through the editor's path into the store, each on a
 * running app, as a user would give them. Counted per input: uncaught page errors, emulator
 * crashes and watchdog restarts, inputs never answered, main-thread tasks over 50 ms, refusals
 * that changed the session (text, step, Undo or Redo), and answers that differ from the Node
 * pipeline's (the worker's own Session: what must open opens, what must not does not).
 * Used by e2e/hostile.spec.ts (a sample) and `npm run hostile` (the lot).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { MAX_SCENARIO_CHARS } from '../src/scenario/limits.ts';
import { checkSetting } from '../src/scenario/settings.ts';
import { decodeExternalText, MAX_INPUT_BYTES } from '../src/scenario/text-input.ts';
import type { HostileFile, HostileLink, HostileText } from '../src/share/hostile/inputs.ts';
import { decodeFragment } from '../src/share/url.ts';
import { readStepComment } from '../src/ui/common/apicFile.ts';
import { looksLikeTrace } from '../src/ui/import/detect.ts';
import { Session } from '../src/worker/session.ts';

export const LONG_TASK_MS = 50;
/** An input not answered in this long counts as a hang (the heavy links take seconds). */
const ANSWER_MS = 30_000;

export interface BrowserReport {
  links: number;
  files: number;
  texts: number;
  accepted: number;
  refused: number;
  /** Per input kind (`link/mutated`, `file/utf-16le`, …): count, accepted, refused. */
  kinds: Record<string, { count: number; accepted: number; refused: number }>;
  pageErrors: number;
  /** Crash and hang notices of the store's watchdog (either is a failure here: no input may cause one). */
  workerRestarts: number;
  unanswered: number;
  sessionChanged: number;
  /** The app opened what the Node pipeline refuses, or refused what it opens. */
  disagreements: number;
  longTasks: number;
  maxTaskMs: number;
  /** The inputs whose handling had a long task: kind and duration. */
  slow: string[];
  failures: string[];
}

export function emptyBrowserReport(): BrowserReport {
  return {
    links: 0,
    files: 0,
    texts: 0,
    accepted: 0,
    refused: 0,
    kinds: {},
    pageErrors: 0,
    workerRestarts: 0,
    unanswered: 0,
    sessionChanged: 0,
    disagreements: 0,
    longTasks: 0,
    maxTaskMs: 0,
    slow: [],
    failures: [],
  };
}

/** The counts that must be 0 (long tasks only with `time`: a loaded machine makes them). */
export function browserFailed(r: BrowserReport, opts: { time?: boolean } = {}): number {
  return (
    r.pageErrors +
    r.workerRestarts +
    r.unanswered +
    r.sessionChanged +
    r.disagreements +
    (opts.time === false ? 0 : r.longTasks)
  );
}

/** Whether the worker's Session opens it: decoded, then parsed, validated and run. */
function sessionOpens(text: string): boolean {
  return new Session().load(text).ok;
}

/**
 * The fragment the app reads after `location.hash = link`: the URL parser's (it drops tabs and
 * line breaks, and percent-encodes spaces, quotes and angle brackets), so a link wrapped over
 * two lines opens as it was made.
 */
export function fragmentSeen(link: string): string {
  const url = new URL('http://127.0.0.1/');
  url.hash = link;
  return url.hash.slice(1);
}

export function linkOpens(link: string): boolean {
  const d = decodeFragment(fragmentSeen(link), { checkSetting });
  return d.ok && sessionOpens(d.state.text);
}

/** Null: the file is a trace (another path, not compared). */
export function fileOpens(f: HostileFile): boolean | null {
  if (f.bytes.length > MAX_INPUT_BYTES) return false;
  const d = decodeExternalText(f.bytes, MAX_INPUT_BYTES);
  if (!d.ok || d.text.length > MAX_SCENARIO_CHARS) return false;
  if (looksLikeTrace(f.name, d.text)) return null;
  const { text } = readStepComment(d.text);
  return text.trim() !== '' && sessionOpens(text);
}

/** The store's counters as the page keeps them. */
interface Look {
  loads: number;
  refusals: number;
  restarts: number;
}

/** What one input did, as the page saw it. */
interface Outcome {
  before: Look;
  after: Look;
  answered: boolean;
  /**
   * What of the session is not as it was: text, step, view, compare, undo, redo (compared in the
   * page: sending stacks of MBs out for each input would be most of the suite's time).
   */
  changed: string[];
  /** Long tasks while it was handled: [start, duration]. */
  tasks: [number, number][];
  /** The browser's own span of a link (the fragment setter), not counted against the app. */
  span: [number, number] | null;
}

/**
 * The page's side (evaluated as a script, which the page's CSP allows): counters of what the
 * store did (loads answered, refusals, watchdog restarts), the long tasks, and `give` / `arm` +
 * `wait`, which hand an input over and resolve once the store has answered it and is ready
 * again, in one round trip per input.
 */
const PROBE = `(() => {
  const store = window.__apicViz;
  const h = { loads: 0, refusals: 0, restarts: 0, tasks: [], armed: null };
  window.__hostile = h;
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) h.tasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask' });
  let prev = store.getState();
  const waiters = new Set();
  store.subscribe((s) => {
    if (s.info !== prev.info && s.info) h.loads++;
    if (s.notice !== prev.notice && s.notice && s.notice.kind === 'error') {
      if (/^The emulator (crashed|stopped responding)/.test(s.notice.text)) h.restarts++;
      else h.refusals++;
    }
    if (s.editorErrors !== prev.editorErrors && s.editorErrors.length) h.refusals++;
    prev = s;
    for (const w of [...waiters]) w();
  });
  h.look = () => ({ loads: h.loads, refusals: h.refusals, restarts: h.restarts });
  const session = () => {
    const s = store.getState();
    return { text: s.text, step: s.frame ? s.frame.step : -1, undo: s.undoStack, redo: s.redoStack, view: s.view, compare: s.compare };
  };
  // What differs from the session \`a\` (empty when nothing does).
  const changed = (a) => {
    const b = session();
    const eq = (x, y) => x === y || JSON.stringify(x) === JSON.stringify(y);
    return ['text', 'step', 'view', 'compare', 'undo', 'redo'].filter((k) => !eq(a[k], b[k]));
  };
  h.changed = changed;
  h.session = session;
  h.arm = () => {
    h.tasks = [];
    h.armed = { before: h.look(), session: session(), span: null };
  };
  h.wait = (ms, quiet) =>
    new Promise((resolve) => {
      const { before, span, session: was } = h.armed;
      const done = (answered) => {
        waiters.delete(check);
        clearTimeout(timer);
        // A frame later, so that the render of the answer is in the long tasks.
        requestAnimationFrame(() =>
          setTimeout(() => {
            const tasks = h.tasks;
            h.tasks = [];
            resolve({ before, after: h.look(), answered, changed: changed(was), tasks, span });
          }, 0),
        );
      };
      const check = () => {
        const s = store.getState();
        const moved = h.loads > before.loads || h.refusals > before.refusals || h.restarts > before.restarts;
        if (moved && s.status === 'ready' && s.loading === null) done(true);
      };
      const timer = setTimeout(() => done(quiet), quiet ? 100 : ms);
      waiters.add(check);
      check();
    });
  // The input is staged first (stage), in a task of its own: the harness's cost of sending a
  // text of MBs into the page is no task of the app's.
  h.stage = (payload) => {
    h.staged = payload;
  };
  h.give = (what, ms) => {
    const payload = h.staged;
    h.staged = null;
    h.arm();
    let quiet = false;
    if (what === 'link') {
      const fragment = payload.slice(payload.indexOf('#') + 1);
      // An empty fragment, or the one already there, is no link to open: nothing happens.
      quiet = fragment === '' || '#' + fragment === location.hash;
      // Chromium's own work on a new fragment (parsing a URL of up to 256 KiB, the history
      // entry) runs in the setter, with the app's popstate handler (which only posts the link
      // to the worker): that span is the browser's, not counted against the app.
      const t = performance.now();
      location.hash = payload;
      h.armed.span = [t, performance.now()];
    } else store.getState().load(payload, undefined, true);
    return h.wait(ms, quiet);
  };
})()`;

/**
 * The session every refusal must leave as it is: a preset with one action appended and undone,
 * so that Undo and Redo both hold something, in the timeline view without a compare column.
 */
async function baseSession(page: Page, preset: string): Promise<void> {
  // The timeline view without a compare column (a link may have opened either).
  await page.evaluate(() => {
    const s = window.__apicViz!.getState();
    s.setCompare(null);
    s.setView('timeline');
  });
  const steps = [
    `window.__apicViz.getState().load(${JSON.stringify(preset)})`,
    `window.__apicViz.getState().act(['msi dest=0 vector=0x41'])`,
    'window.__apicViz.getState().undo()',
  ];
  // Each is answered by the worker (a new session) before the next: none may land on an input.
  for (const step of steps) {
    const o = await page.evaluate<Outcome>(
      `(async () => { window.__hostile.arm(); ${step}; return window.__hostile.wait(${ANSWER_MS}, false); })()`,
    );
    if (!o.answered) throw new Error('the base session did not load');
  }
  // Settled: a frame of its last step may still be on its way (then a refusal would seem to move the step).
  await page.evaluate(`(async () => {
    const h = window.__hostile;
    for (let i = 0; i < 40; i++) {
      const was = h.session();
      await new Promise((r) => setTimeout(r, 25));
      if (h.changed(was).length === 0 && window.__apicViz.getState().status === 'ready') return;
    }
  })()`);
}

type Input =
  | { what: 'link'; kind: string; link: string; opens: boolean | null }
  | { what: 'file'; kind: string; file: HostileFile; opens: boolean | null }
  | { what: 'text'; kind: string; text: string; opens: boolean | null };

export function browserInputs(links: HostileLink[], files: HostileFile[], texts: HostileText[]): Input[] {
  return [
    ...links.map((l) => ({
      what: 'link' as const,
      kind: `link/${l.kind}`,
      link: l.link,
      opens: linkOpens(l.link),
    })),
    ...files.map((f) => ({ what: 'file' as const, kind: `file/${f.kind}`, file: f, opens: fileOpens(f) })),
    ...texts.map((t) => ({
      what: 'text' as const,
      kind: `text/${t.kind}`,
      text: t.text,
      opens: sessionOpens(t.text),
    })),
  ];
}

/**
 * Gives each input to the app on `page` (already open on the app) and counts what happened.
 * `preset`: the base session (see baseSession).
 */
export async function hostileInBrowser(
  page: Page,
  inputs: Input[],
  preset: string,
  r: BrowserReport,
  onProgress?: (done: number) => void,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'apicscope-hostile-'));
  try {
    await giveAll(page, inputs, preset, r, dir, onProgress);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function giveAll(
  page: Page,
  inputs: Input[],
  preset: string,
  r: BrowserReport,
  dir: string,
  onProgress?: (done: number) => void,
): Promise<void> {
  page.on('pageerror', (e) => {
    r.pageErrors++;
    r.failures.push(`page error: ${e.message.slice(0, 200)}`);
  });
  await page.evaluate(PROBE);
  await baseSession(page, preset);
  let dirty = false;
  let done = 0;
  for (const [i, input] of inputs.entries()) {
    // A refusal must keep Undo and Redo: give it a session that has both.
    if (dirty && input.opens === false) {
      await baseSession(page, preset);
      dirty = false;
    }
    let o: Outcome;
    if (input.what === 'file') {
      r.files++;
      await page.evaluate('window.__hostile.arm()');
      // From disk: given as a buffer, the page itself would decode its base64 (a long task of the harness's).
      const path = join(dir, `${i}-${input.file.name}`);
      writeFileSync(path, input.file.bytes);
      await page.getByTestId('file-input').setInputFiles(path);
      o = await page.evaluate<Outcome>(`window.__hostile.wait(${ANSWER_MS}, false)`);
    } else {
      if (input.what === 'link') r.links++;
      else r.texts++;
      type Probe = { __hostile: { stage(p: string): void; give(w: string, ms: number): Promise<Outcome> } };
      await page.evaluate(
        (payload) => (window as unknown as Probe).__hostile.stage(payload),
        input.what === 'link' ? input.link : input.text,
      );
      o = await page.evaluate(([what, ms]) => (window as unknown as Probe).__hostile.give(what, ms), [
        input.what,
        ANSWER_MS,
      ] as const);
    }
    const label = `${input.kind} #${i}`;
    const { before, after } = o;
    const quiet = o.answered && after.loads === before.loads && after.refusals === before.refusals;
    if (!o.answered) {
      r.unanswered++;
      r.failures.push(`${label}: not answered in ${ANSWER_MS / 1000} s`);
      await baseSession(page, preset);
      continue;
    }
    const opened = after.loads > before.loads;
    if (!quiet) {
      const tally = (r.kinds[input.kind] ??= { count: 0, accepted: 0, refused: 0 });
      tally.count++;
      if (opened) {
        tally.accepted++;
        r.accepted++;
        dirty = true;
      } else {
        tally.refused++;
        r.refused++;
      }
      if (input.opens !== null && input.opens !== opened) {
        r.disagreements++;
        r.failures.push(
          `${label}: the app ${opened ? 'opened' : 'refused'} what the Node pipeline ${input.opens ? 'opens' : 'refuses'}`,
        );
      }
    }
    if (!opened && o.changed.length) {
      r.sessionChanged++;
      r.failures.push(`${label}: refused, yet the session changed (${o.changed.join(', ')})`);
    }
    if (after.restarts > before.restarts) {
      r.workerRestarts++;
      r.failures.push(`${label}: the emulator was restarted`);
    }
    const span = o.span;
    for (const [start, duration] of o.tasks) {
      const inSpan = span !== null && start <= span[0] && start + duration >= span[1];
      const ms = inSpan ? duration - (span[1] - span[0]) : duration;
      r.maxTaskMs = Math.max(r.maxTaskMs, ms);
      if (ms > LONG_TASK_MS) {
        r.longTasks++;
        r.slow.push(`${label}: ${ms.toFixed(0)} ms`);
      }
    }
    onProgress?.(++done);
  }
}
