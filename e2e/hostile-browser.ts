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

export function linkOpens(link: string): boolean {
  const d = decodeFragment(link, { checkSetting });
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

interface Look {
  text: string;
  step: number;
  undo: string;
  redo: string;
  loads: number;
  refusals: number;
  restarts: number;
  status: string;
}

/** Counters of what the store did (kept in the page): loads answered, refusals, watchdog restarts. */
const PROBE = `(() => {
  window.__hostile = { loads: 0, refusals: 0, restarts: 0, tasks: [] };
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) window.__hostile.tasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask' });
  const store = window.__apicViz;
  let prev = store.getState();
  store.subscribe((s) => {
    const h = window.__hostile;
    if (s.info !== prev.info && s.info) h.loads++;
    if (s.notice !== prev.notice && s.notice && s.notice.kind === 'error') {
      if (/^The emulator (crashed|stopped responding)/.test(s.notice.text)) h.restarts++;
      else h.refusals++;
    }
    if (s.editorErrors !== prev.editorErrors && s.editorErrors.length) h.refusals++;
    prev = s;
  });
})()`;

async function look(page: Page): Promise<Look> {
  return page.evaluate(() => {
    const s = window.__apicViz!.getState();
    const h = (window as unknown as { __hostile: { loads: number; refusals: number; restarts: number } })
      .__hostile;
    return {
      text: s.text,
      step: s.frame?.step ?? -1,
      undo: JSON.stringify(s.undoStack),
      redo: JSON.stringify(s.redoStack),
      loads: h.loads,
      refusals: h.refusals,
      restarts: h.restarts,
      status: s.status,
    };
  });
}

/** Waits for the store to answer (a load or a refusal) and to be ready again; false if it never does. */
async function answered(page: Page, before: Look): Promise<boolean> {
  try {
    await page.waitForFunction(
      ([loads, refusals, restarts]) => {
        const h = (window as unknown as { __hostile: { loads: number; refusals: number; restarts: number } })
          .__hostile;
        const s = window.__apicViz!.getState();
        return (
          (h.loads > loads || h.refusals > refusals || h.restarts > restarts) &&
          s.status === 'ready' &&
          s.loading === null
        );
      },
      [before.loads, before.refusals, before.restarts] as const,
      { timeout: ANSWER_MS, polling: 5 },
    );
    return true;
  } catch {
    return false;
  }
}

/** The long tasks since the last call: [start, duration]. */
async function takeTasks(page: Page): Promise<[number, number][]> {
  return page.evaluate(() => {
    const h = (window as unknown as { __hostile: { tasks: [number, number][] } }).__hostile;
    const t = h.tasks;
    h.tasks = [];
    return t;
  });
}

/**
 * The session every refusal must leave as it is: a preset with one action appended and undone,
 * so that Undo and Redo both hold something.
 */
async function baseSession(page: Page, preset: string): Promise<void> {
  const steps: (() => Promise<void>)[] = [
    () => page.evaluate((t) => window.__apicViz!.getState().load(t), preset),
    () => page.evaluate(() => window.__apicViz!.getState().act(['msi dest=0 vector=0x41'])),
    () => page.evaluate(() => window.__apicViz!.getState().undo()),
  ];
  // Each is answered by the worker (a new session) before the next: none may land on an input.
  for (const step of steps) {
    const before = await look(page);
    await step();
    if (!(await answered(page, before))) throw new Error('the base session did not load');
  }
  await takeTasks(page);
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
    const before = await look(page);
    let browserSpan: [number, number] | null = null;
    if (input.what === 'link') {
      r.links++;
      const fragment = input.link.slice(input.link.indexOf('#') + 1);
      // An empty fragment, or the one already there, is no link to open: nothing happens.
      const quiet = fragment === '' || `#${fragment}` === (await page.evaluate(() => location.hash));
      // Chromium's own work on a new fragment (parsing a URL of up to 256 KiB, the history entry)
      // runs in the setter, with the app's popstate handler (which only posts the link to the
      // worker): that span is the browser's, not counted against the app.
      browserSpan = await page.evaluate((l) => {
        const t = performance.now();
        location.hash = l;
        return [t, performance.now()] as [number, number];
      }, input.link);
      if (quiet) {
        await page.waitForTimeout(100);
        const after = await look(page);
        if (after.loads !== before.loads || after.text !== before.text || after.redo !== before.redo) {
          r.sessionChanged++;
          r.failures.push(`${input.kind} #${i}: an empty link changed the session`);
        }
        continue;
      }
    } else if (input.what === 'file') {
      r.files++;
      // From disk: given as a buffer, the page itself would decode its base64 (a long task of the harness's).
      const path = join(dir, `${i}-${input.file.name}`);
      writeFileSync(path, input.file.bytes);
      await page.getByTestId('file-input').setInputFiles(path);
    } else {
      r.texts++;
      await page.evaluate((t) => window.__apicViz!.getState().load(t, undefined, true), input.text);
    }
    const label = `${input.kind} #${i}`;
    if (!(await answered(page, before))) {
      r.unanswered++;
      r.failures.push(`${label}: not answered in ${ANSWER_MS / 1000} s`);
      await baseSession(page, preset);
      continue;
    }
    const after = await look(page);
    const opened = after.loads > before.loads;
    const tally = (r.kinds[input.kind] ??= { count: 0, accepted: 0, refused: 0 });
    tally.count++;
    if (opened) {
      tally.accepted++;
      r.accepted++;
      dirty = true;
    } else {
      tally.refused++;
      r.refused++;
      if (
        after.text !== before.text ||
        after.step !== before.step ||
        after.undo !== before.undo ||
        after.redo !== before.redo
      ) {
        r.sessionChanged++;
        r.failures.push(`${label}: refused, yet the session changed`);
      }
    }
    if (after.restarts > before.restarts) {
      r.workerRestarts++;
      r.failures.push(`${label}: the emulator was restarted`);
    }
    if (input.opens !== null && input.opens !== opened) {
      r.disagreements++;
      r.failures.push(
        `${label}: the app ${opened ? 'opened' : 'refused'} what the Node pipeline ${input.opens ? 'opens' : 'refuses'}`,
      );
    }
    for (const [start, duration] of await takeTasks(page)) {
      const inSpan = browserSpan && start <= browserSpan[0] && start + duration >= browserSpan[1];
      const ms = inSpan && browserSpan ? duration - (browserSpan[1] - browserSpan[0]) : duration;
      r.maxTaskMs = Math.max(r.maxTaskMs, ms);
      if (ms > LONG_TASK_MS) {
        r.longTasks++;
        r.slow.push(`${label}: ${ms.toFixed(0)} ms`);
      }
    }
    onProgress?.(++done);
  }
}
