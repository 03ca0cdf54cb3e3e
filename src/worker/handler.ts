/**
 * What the emulator worker does with each message: a session, long runs advanced in slices so
 * that `stop` is heard, at most one live frame per FRAME_MS. Framework-free: worker.ts wires it
 * to the Worker scope, and the store's tests to a fake worker in Node.
 */
import { Explorer } from '../explore/explorer.ts';
import { checkTrace } from '../import/index.ts';
import { parseScenario } from '../scenario/parse.ts';
import { checkSetting } from '../scenario/settings.ts';
import { chromeTrace, chromeTraceSides, traceText } from '../share/trace-export.ts';
import { decodeFragment, encodeLink } from '../share/url.ts';
import { createSliceQueue, FIRST_BUDGET, FRAME_MS, nextBudget } from './pace.ts';
import type {
  ExploreReport,
  LinkLook,
  Request,
  Response,
  TestHookRequest,
  TraceImportResult,
} from './protocol.ts';
import { checkpointRun, requestProblem, toCheckpoint } from './protocol.ts';
import { Session } from './session.ts';

/**
 * A long run's checkpoints (issue 14.6) come every CHECKPOINT_MS of running, or less often when
 * taking one (the copy of the state, its message) would take more than 1/CHECKPOINT_SHARE of
 * the time: a 4096-vCPU state is MBs, tens of ms to copy on each thread. The least time one
 * took sets the pace: the first carries the trace so far (up to its cap), which no later one
 * carries again, and a loaded machine makes some take longer.
 */
const CHECKPOINT_MS = 250;
const CHECKPOINT_SHARE = 20;

/**
 * Returns the handler of the requests; answers go to `post`, which must copy a message at once
 * (postMessage does: a checkpoint carries the live state). A message that is not a request of
 * the protocol (protocol.ts requestProblem) is answered with an error and changes nothing.
 */
export function createWorkerHandler(post: (r: Response) => void): (req: unknown) => void {
  const session = new Session();
  let current = 0;
  // Heartbeats during long loads: the UI's hang watchdog hears them.
  session.onProgress = (done, total) => post({ type: 'progress', id: current, steps: done, limit: total });

  /** Guest steps per slice, adjusted to keep each slice near SLICE_MS; live frames at most every FRAME_MS (pace.ts). */
  const slices = createSliceQueue();
  let run: {
    id: number;
    detailed: number[];
    budget: number;
    lastFrame: number;
    stop: boolean;
    /** When the next checkpoint is due, the least time one took, the events they have carried. */
    checkpointAt: number;
    checkpointMs: number;
    eventsSent: number;
  } | null = null;

  function checkpoint(r: NonNullable<typeof run>): void {
    const t0 = performance.now();
    const c = session.runCheckpoint(r.eventsSent);
    if (!c) return;
    r.eventsSent += c.events.length;
    post({ type: 'run-checkpoint', id: r.id, ...toCheckpoint(c) });
    const t1 = performance.now();
    // The one after the first learns the pace.
    const first = r.checkpointMs === Number.POSITIVE_INFINITY;
    r.checkpointMs = Math.min(r.checkpointMs, t1 - t0);
    r.checkpointAt =
      t1 + (first ? CHECKPOINT_MS : Math.max(CHECKPOINT_MS, CHECKPOINT_SHARE * r.checkpointMs));
  }

  function pumpRun(): void {
    if (!run) return;
    const r = run;
    const t0 = performance.now();
    const done = r.stop || session.runChunk(r.budget);
    const dt = performance.now() - t0;
    r.budget = nextBudget(r.budget, dt);
    if (done) {
      const ended = session.endRun(r.stop);
      run = null;
      if (ended.ok) post({ type: 'run-ended', id: r.id, info: ended.info });
      post({ type: 'frame', id: r.id, frame: session.frame(session.length, r.detailed) });
      return;
    }
    const now = performance.now();
    if (now - r.lastFrame >= FRAME_MS) {
      r.lastFrame = now;
      const p = session.runProgress;
      if (p) post({ type: 'progress', id: r.id, steps: p.steps, limit: p.limit });
      post({ type: 'frame', id: r.id, frame: session.liveFrame(r.detailed), live: true });
      if (now >= r.checkpointAt) checkpoint(r);
    }
    slices.next(pumpRun);
  }

  /** The exploration in progress: advanced in slices beside everything else, until done or stopped. */
  let exploring: { id: number; explorer: Explorer; lastProgress: number } | null = null;
  /** A pumpExplore slice is scheduled. */
  let pumping = false;

  function exploreReport(e: Explorer): ExploreReport {
    const st = e.stats();
    return {
      violations: e.violations().map((v) => {
        const link = encodeLink({ text: v.scenario, step: v.step }, { checkSetting });
        return { property: v.property, step: v.step, why: v.why, link: link.ok ? link.fragment : null };
      }),
      stats: { states: st.states, distinct: st.distinct, depth: st.depth, maxDepth: e.maxDepth, cut: st.cut },
    };
  }

  function pumpExplore(): void {
    pumping = false;
    const x = exploring;
    if (!x) return;
    const t0 = performance.now();
    let done = x.explorer.done;
    // About one slice of work (SLICE_MS in pace.ts), so that `explore-stop` is heard.
    while (!done && performance.now() - t0 < 20) done = x.explorer.advance(2000);
    const now = performance.now();
    if (done) {
      exploring = null;
      post({ type: 'explore-done', id: x.id, report: exploreReport(x.explorer) });
      return;
    }
    if (now - x.lastProgress >= FRAME_MS) {
      x.lastProgress = now;
      const st = x.explorer.stats();
      post({
        type: 'explore-progress',
        id: x.id,
        states: st.states,
        distinct: st.distinct,
        depth: st.depth,
        maxDepth: x.explorer.maxDepth,
      });
    }
    pumping = true;
    slices.next(pumpExplore);
  }

  function startExplore(id: number, depth?: number, maxStates?: number): void {
    // The one it replaces is answered now with what it found: every explore gets its report
    // (the UI's host owes each request by id until then).
    const old = exploring;
    if (old) {
      old.explorer.stop();
      exploring = null;
      post({ type: 'explore-done', id: old.id, report: exploreReport(old.explorer) });
    }
    const parsed = parseScenario(session.info().text);
    const empty = (error: string): ExploreReport => ({
      violations: [],
      stats: { states: 0, distinct: 0, depth: 0, maxDepth: depth ?? 0, cut: false },
      error,
    });
    if (!parsed.ok) return post({ type: 'explore-done', id, report: empty('the scenario does not parse') });
    let explorer: Explorer;
    try {
      explorer = new Explorer(parsed.scenario, {
        ...(depth !== undefined ? { depth } : {}),
        ...(maxStates !== undefined ? { maxStates } : {}),
      });
    } catch (e) {
      return post({ type: 'explore-done', id, report: empty((e as Error).message) });
    }
    exploring = { id, explorer, lastProgress: 0 };
    if (!pumping) {
      pumping = true;
      slices.next(pumpExplore);
    }
  }

  /**
   * After the frame of a step, the next step is replayed in a task of its own, unless a request
   * came first: stepping forward, the worker answers the next → from the replay it kept.
   */
  let ahead = 0;
  function replayAhead(step: number): void {
    const mine = ++ahead;
    slices.next(() => {
      if (mine === ahead && !run && !exploring) session.replayAhead(step);
    });
  }

  /**
   * The answer to a load (text, configuration or link): the refusal, or the session (after the
   * link's look, for a link) and the frame of `step` (default: the end).
   */
  function answerLoad(
    id: number,
    r: ReturnType<Session['load']>,
    step: number | undefined,
    event: number | null,
    detailed: number[],
    link?: LinkLook,
  ): void {
    if (!r.ok && r.settingsError !== undefined)
      return post({ type: 'settings-error', id, error: r.settingsError });
    if (!r.ok) return post({ type: 'error', id, errors: r.errors });
    if (link) post({ type: 'link-opened', id, link });
    post({ type: 'loaded', id, info: r.info });
    const k = step ?? session.length;
    post({ type: 'frame', id, frame: session.frame(k, detailed, event) });
    replayAhead(k + 1);
  }

  function handle(req: Request | TestHookRequest): void {
    current = req.id;
    ahead++;
    switch (req.type) {
      case 'load':
      case 'configure': {
        const r =
          req.type === 'load'
            ? session.load(
                req.text,
                req.settings,
                (req.checkpoint && checkpointRun(req.checkpoint)) ?? undefined,
              )
            : session.configure(req.config);
        const event = req.type === 'load' ? (req.event ?? null) : null;
        return answerLoad(req.id, r, req.step, event, req.detailed);
      }
      case 'open-link': {
        const d = decodeFragment(req.fragment, { checkSetting });
        if (!d.ok) return post({ type: 'link-refused', id: req.id, error: d.error });
        const { view, compare, pinned, allPins } = d.state;
        const link = {
          ...(view ? { view } : {}),
          ...(compare ? { compare } : {}),
          ...(pinned ? { pinned } : {}),
          ...(allPins ? { allPins } : {}),
        };
        const detailed = [...new Set([...req.detailed, ...(pinned ?? [])])];
        const r = session.load(d.state.text, req.settings);
        return answerLoad(req.id, r, d.state.step, d.state.event ?? null, detailed, link);
      }
      case 'check-link': {
        const d = decodeFragment(req.fragment, { checkSetting });
        return post({ type: 'link-checked', id: req.id, error: d.ok ? null : d.error });
      }
      case 'seek':
        post({ type: 'frame', id: req.id, frame: session.frame(req.step, req.detailed, req.event ?? null) });
        replayAhead(req.step + 1);
        return;
      case 'append': {
        const r = session.append(req.lines, req.at);
        if (!r.ok) return post({ type: 'error', id: req.id, errors: r.errors });
        post({ type: 'loaded', id: req.id, info: r.info });
        post({ type: 'frame', id: req.id, frame: session.frame(session.length, req.detailed) });
        return;
      }
      case 'run': {
        const r = session.beginRun(req.n, req.at);
        if (!r.ok) return post({ type: 'error', id: req.id, errors: r.errors });
        post({ type: 'loaded', id: req.id, info: r.info });
        const p = session.runProgress;
        if (p) post({ type: 'progress', id: req.id, steps: p.steps, limit: p.limit });
        run = {
          id: req.id,
          detailed: req.detailed,
          budget: FIRST_BUDGET,
          lastFrame: 0,
          stop: false,
          checkpointAt: performance.now() + CHECKPOINT_MS,
          checkpointMs: Number.POSITIVE_INFINITY,
          eventsSent: 0,
        };
        slices.next(pumpRun);
        return;
      }
      case 'stop':
        if (run) run.stop = true;
        return;
      case 'export': {
        const steps = session.traceSteps();
        const info = session.info();
        const title = info.title ?? 'scenario';
        const sides = req.compare
          ? [
              { label: 'A', steps },
              { label: `B (${req.compare.label})`, steps: req.compare.steps },
            ]
          : null;
        const text =
          req.what === 'chrome-trace'
            ? JSON.stringify(
                sides ? chromeTraceSides(sides, info.vcpus, title) : chromeTrace(steps, info.vcpus, title),
              )
            : sides
              ? sides.map((s) => `# ${s.label}\n${traceText(s.steps, req.what === 'trace-why')}`).join('\n')
              : traceText(steps, req.what === 'trace-why');
        post({ type: 'exported', id: req.id, what: req.what, text });
        return;
      }
      case 'trace-steps':
        post({ type: 'trace-steps', id: req.id, steps: session.traceSteps() });
        return;
      case 'import-trace':
        post({ type: 'trace-imported', id: req.id, result: importedTrace(req.text, req.name) });
        return;
      case 'explore':
        startExplore(req.id, req.depth, req.maxStates);
        return;
      case 'explore-stop':
        exploring?.explorer.stop();
        return;
      // Test hooks (TestHookRequest): only the end-to-end tests send them.
      case 'test-crash':
        throw new Error('worker crash requested by a test');
      case 'test-hang': {
        const until = performance.now() + req.ms;
        while (performance.now() < until) {
          // Busy on purpose: the UI's watchdog must notice and restart the worker.
        }
        return;
      }
      case 'test-escape':
        void tryEscape().then((r) => post({ type: 'escaped', id: req.id, ...r }));
        return;
    }
  }

  return (msg: unknown) => {
    const problem = requestProblem(msg);
    if (problem !== null) {
      const id = (msg as { id?: unknown } | null)?.id;
      return post({
        type: 'error',
        id: Number.isSafeInteger(id) ? (id as number) : 0,
        errors: [
          { line: 1, col: 1, message: `the worker was sent a message outside its protocol (${problem})` },
        ],
      });
    }
    const req = msg as Request | TestHookRequest;
    // A request that changes or shows the session ends a run first, as a stop would.
    if (
      run &&
      req.type !== 'stop' &&
      req.type !== 'test-crash' &&
      req.type !== 'test-hang' &&
      req.type !== 'test-escape' &&
      req.type !== 'export' &&
      req.type !== 'explore-stop'
    ) {
      run.stop = true;
      pumpRun();
    }
    handle(req);
  };
}

/** `apicscope import TRACE --check`, as the app shows it: the scenario, and the verdicts by step. */
export function importedTrace(text: string, name: string): TraceImportResult {
  const { result, check } = checkTrace(text, name);
  if (!result.ok) return { ok: false, error: result.error };
  const steps = result.steps.map((s) => ({
    step: s.step,
    traceLine: s.traceLine,
    action: s.action,
    inferred: s.inferred,
  }));
  // The step of a trace line: the last step whose input line comes before it (0: the start).
  const stepOf = (line: number) => {
    let lo = 0;
    let hi = steps.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (steps[mid].traceLine <= line) {
        found = steps[mid].step;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  const { summary } = result;
  return {
    ok: true,
    text: result.text,
    info: {
      name,
      lines: summary.lines,
      used: summary.used,
      skipped: summary.skipped,
      skippedWhy: summary.skippedWhy,
      agreements: check?.agreements ?? 0,
      steps,
      disagreements: (check?.disagreements ?? []).map((d) => ({ ...d, step: stepOf(d.line) })),
    },
  };
}

/** What `eval` (and `new Function`) and `fetch` do in this scope: both must be refused (issue 14.12). */
async function tryEscape(): Promise<{ eval: string; fetch: string }> {
  const say = (e: unknown) => `blocked: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
  let evalResult: string;
  try {
    const g = globalThis as { eval?: (s: string) => unknown };
    const a = g.eval?.('6 * 7');
    // The Function constructor, reached as a page script could (no `new Function` in the bundle).
    const F = Object.getPrototypeOf(() => 0).constructor as (body: string) => () => unknown;
    const b = F('return 6 * 7')();
    evalResult = `allowed: ${String(a)} ${String(b)}`;
  } catch (e) {
    evalResult = say(e);
  }
  let fetchResult: string;
  try {
    const f = (globalThis as { fetch?: typeof fetch }).fetch;
    if (typeof f !== 'function') throw new TypeError('fetch is not a function here');
    const r = await f(
      new URL('/', (globalThis as { location?: { href: string } }).location?.href ?? 'http://127.0.0.1/'),
    );
    fetchResult = `allowed: HTTP ${r.status}`;
  } catch (e) {
    fetchResult = say(e);
  }
  return { eval: evalResult, fetch: fetchResult };
}
