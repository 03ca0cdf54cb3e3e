/**
 * One zustand store per visualizer instance (two can sit side by side). It holds what the UI
 * shows and sends every change to the worker as scenario text; the text is the source of truth.
 */
import { createStore } from 'zustand/vanilla';
import type { Config } from '../core/config.ts';
import type { ScenarioError } from '../scenario/ast.ts';
import type { View } from '../share/url.ts';
import type { WorkerFactory } from '../worker/host.ts';
import { WorkerHost } from '../worker/host.ts';
import type {
  CpuDetail,
  ExploreReport,
  ExportKind,
  Frame,
  RequestBody,
  Response,
  RunCheckpoint,
  SessionInfo,
  StepEvents,
  TraceImportInfo,
} from '../worker/protocol.ts';
import { ALL_DETAILED } from '../worker/protocol.ts';
import type { Quiz, Score } from './teach.ts';
import { judge, makeQuiz, scoreKey } from './teach.ts';

export type Status = 'loading' | 'ready' | 'running';

export interface Notice {
  kind: 'error' | 'info';
  text: string;
}

interface Snapshot {
  text: string;
  step: number;
}

/** Where a load came from: errors of editor text go to the editor, the others to the notice bar. */
export type LoadSource = 'editor' | 'link' | 'file' | 'trace' | 'app';

export interface VizState {
  /** The scenario text of the session (the last one that parsed). */
  text: string;
  info: SessionInfo | null;
  frame: Frame | null;
  /** vCPU details kept across frames when unchanged, so unchanged cards do not re-render. */
  cpus: Record<number, CpuDetail>;
  status: Status;
  /**
   * The run in progress: guest steps so far (its last checkpoint's: what a restart keeps, issue
   * 14.6), and its length once the worker has said it.
   */
  run: { steps: number; limit: number | null } | null;
  /** A load, link or file being opened: steps replayed so far of how many (0 of 0 until the first heartbeat). */
  loading: { done: number; total: number } | null;
  notice: Notice | null;
  /** Errors of the text last submitted from the editor (the session kept the previous text). */
  editorErrors: ScenarioError[];
  /** vCPUs the user pinned as full cards (part of the share link). */
  selected: number[];
  /** The IOAPIC table shows all 24 pins (part of the share link). */
  allPins: boolean;
  setAllPins(all: boolean): void;
  /** An action waiting for confirmation because it would discard later steps. */
  pending:
    | { lines: string[]; discard: number }
    | { run: number | string | undefined; discard: number }
    | null;
  undoStack: Snapshot[];
  redoStack: Snapshot[];
  /** The sidebar panel on show (part of the share link). */
  view: View;
  /** How the next URL update enters the browser history: a new entry, or in place. */
  historyMode: 'push' | 'replace';
  /** Compare view: the second column's configuration settings, or null when off. */
  compare: string[] | null;
  /** A compare setting of this store's own (`settings`) that does not apply to the text. */
  settingsError: string | null;
  /** The Explore panel's search (docs/explore.md): its progress, then what it found. */
  exploration: {
    running: boolean;
    states: number;
    distinct: number;
    depth: number;
    maxDepth: number;
    report: ExploreReport | null;
  } | null;
  /** Explores every action sequence from the session's last state, in the worker. */
  explore(depth?: number): void;
  stopExplore(): void;
  /** The KVM trace the session was imported from (kept while its steps are acted on; a load clears it). */
  traceImport: TraceImportInfo | null;
  /** Teaching mode: stepping forward first asks a question about the next step. */
  teach: boolean;
  quiz: Quiz | null;
  /** Teaching mode: right answers and questions asked, per preset title (not in links). */
  scores: Record<string, Score>;
  setTeach(on: boolean): void;
  /** Teaching mode: the learner picks a choice; the step is shown and the answer judged on it. */
  answerQuiz(choice: number): void;

  load(text: string, step?: number, fromEditor?: boolean, source?: LoadSource): void;
  /** Opens a share link (its fragment); a bad link leaves the session as it is. Returns false then. */
  /**
   * Opens a share link: the worker decodes and loads it; a link that does not open changes
   * nothing but the notice. `opened` is called once it has opened (Back/Forward's stacks).
   */
  openLink(fragment: string, fromHistory?: boolean, opened?: () => void): void;
  /** Null when this link would open, else why not (the decoder's message). */
  checkLink(fragment: string): Promise<string | null>;
  /** Rewrites the configuration lines of the text to `config` and replays (the worker edits the text). */
  configure(config: Config): void;
  setView(view: View): void;
  /** Opens a `trace-cmd report` / `perf script` text as a scenario (read in the worker); a trace with nothing usable changes nothing. */
  importTrace(text: string, name: string): void;
  setCompare(settings: string[] | null): void;
  /** The whole session's trace, computed in the worker. */
  requestExport(what: ExportKind, compare?: { label: string; steps: StepEvents[] }): Promise<string>;
  /** The whole session's events, per step (the compare view's first difference and its exports). */
  requestTraceSteps(): Promise<StepEvents[]>;
  /** Compare view: the second column's store while it is on screen (exports hold both sides). */
  peer: { store: VizStore; label: string } | null;
  /** Shows the state after `step` actions (with `event`, right after that event of the step). */
  seek(step: number, event?: number | null): void;
  /**
   * Steps forward or back from the step last asked for (not the one on screen), so that keys
   * pressed faster than frames arrive each count.
   */
  stepBy(delta: number): void;
  /** Shows the state right after event `event` of the current step (a sub-step); null = the whole step. */
  seekEvent(event: number | null): void;
  /** The next / previous sub-step: through the events of a step, then on to the next step. */
  stepEvent(delta: 1 | -1): void;
  /** Appends action lines after the current step (asks first if later steps would go). */
  act(lines: string[]): void;
  /**
   * `run n`; without n, the scenario language's `run` (its default length). `n` may be the Run
   * box's text: the worker reads it as a `run` line, and refuses what the language refuses.
   */
  startRun(n?: number | string): void;
  stopRun(): void;
  /** Abandons the load in progress: the previous session comes back as it was (Undo and Redo included). */
  cancelLoad(): void;
  confirmPending(ok: boolean): void;
  undo(): void;
  redo(): void;
  toggleSelected(cpu: number): void;
  dismissNotice(): void;
  dispose(): void;
}

/** For the end-to-end tests only (kept out of the state, so no component can reach them). */
export interface TestHooks {
  /** The worker fails as a crash would. */
  crashWorker(): void;
  /** The worker stops answering for `ms`, as a hang would. */
  hangWorker(ms: number): void;
  /** The worker tries `eval` and `fetch`, and says what each gave (issue 14.12). */
  tryEscape(): Promise<{ eval: string; fetch: string }>;
}

/** The text with `line` appended as the session appends it (a final empty line kept). */
function withLine(text: string, line: string): string {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return [...lines, line, ''].join('\n');
}

export type VizStore = ReturnType<typeof createVizStore>;

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const isEmpty = (x: object): boolean => (Array.isArray(x) ? x.length === 0 : Object.keys(x).length === 0);

/**
 * The new frame, keeping the previous one's objects where nothing changed: a component selects
 * a part (the step's events, the IOAPIC, the changed pins) and renders again only when that part
 * is a new object. A live frame (10 a second) carries no events and changes only numbers.
 */
function keepUnchanged(prev: Frame | null, next: Frame): Frame {
  if (!prev) return next;
  const same = <T extends object>(a: T, b: T): T => (isEmpty(a) && isEmpty(b) ? a : b);
  return {
    ...next,
    events: same(prev.events, next.events),
    touched: same(prev.touched, next.touched),
    changes: same(prev.changes, next.changes),
    changedPins: same(prev.changedPins, next.changedPins),
    view: {
      ...next.view,
      ioapic: sameJson(prev.view.ioapic, next.view.ioapic) ? prev.view.ioapic : next.view.ioapic,
    },
  };
}

/**
 * `settings` (the command line's --set syntax) are applied to the configuration of every text
 * this store loads: the compare view's second column.
 */
export function createVizStore(
  initialText: string,
  initialStep?: number,
  factory?: WorkerFactory,
  initialLink?: string,
  settings: string[] = [],
) {
  let host: WorkerHost;
  type LastLoad = { text: string; step?: number; fromEditor: boolean; source: LoadSource };
  /** What the store asked for last, to know how to restart and what answers mean. */
  let lastLoad: LastLoad | null = null;
  let live = false;
  /**
   * Answers owed to callers (exports, traces, link checks), by request id, with what was asked:
   * asked again after a restart.
   */
  const owed = new Map<number, { body: RequestBody; resolve: (answer: never) => void }>();
  const ask = <T>(body: RequestBody) =>
    new Promise<T>((resolve) => owed.set(host.send(body), { body, resolve }));
  const answer = (id: number, value: unknown) => {
    owed.get(id)?.resolve(value as never);
    owed.delete(id);
  };
  const escapes = new Map<number, (r: { eval: string; fetch: string }) => void>();
  /** What to call when the link of an `open-link` request opens, by request id. */
  const linkOpened = new Map<number, () => void>();
  /**
   * The one request in flight that changes or shows the session (issue 14.6). The next one
   * starts from where its answer leaves the cursor, so later ones wait in `queue`, in order:
   * 100 clicks in a burst are 100 steps. Consecutive seeks in the queue coalesce to the last.
   * `replayed`: sent again after a restart (lost twice, it is dropped: no crash loop).
   */
  let busy: { id: number; body: RequestBody; lastLoad: LastLoad | null; replayed: boolean } | null = null;
  const queue: { seek: boolean; go: () => void }[] = [];
  /** The undo entry of the request in flight, kept only if the worker accepts it (issue 14.7). */
  let undoFor: { id: number; snapshot: Snapshot } | null = null;
  /** The step the last seek asked for, until its frame arrives. */
  let wanted: number | null = null;
  let wantedId = 0;
  /** The session after a run ended, shown with the run's last frame. */
  let runEnded: SessionInfo | null = null;
  /**
   * The latest checkpoint of the run in flight (request `id`), its events put together: a restart
   * records the run from it (issue 14.6). Kept out of the undo history and the links.
   */
  let checkpoint: { id: number; run: RunCheckpoint } | null = null;
  /** The trace whose scenario is being loaded, until the load succeeds. */
  let importing: TraceImportInfo | null = null;
  /** The exploration the Explore panel shows: the id of its request (0: none sent). */
  let exploreId = 0;
  /** The session as it was before the load in progress, for cancelLoad. */
  let beforeLoad: { text: string; step: number; undoStack: Snapshot[]; redoStack: Snapshot[] } | null = null;

  const store = createStore<VizState>()((set, get) => {
    const detailed = () => {
      const s = get();
      // Before the first load (a link opening) the size is unknown: ask for the pinned ones.
      if (!s.info) return s.selected;
      return s.info.vcpus <= ALL_DETAILED ? [] : s.selected;
    };
    const cursor = () => get().frame?.step ?? 0;
    const length = () => get().info?.steps.length ?? 0;
    /** Sends the request that the others wait for. */
    const sendBusy = (body: RequestBody, replayed = false): number => {
      const id = host.send(body);
      busy = { id, body, lastLoad, replayed };
      return id;
    };
    /** Runs `go` now, or after the request in flight is answered. */
    const exclusive = (go: () => void, seek = false) => {
      if (!busy) return go();
      if (seek && queue.at(-1)?.seek) queue[queue.length - 1] = { seek, go };
      else queue.push({ seek, go });
    };
    const answered = (id: number) => {
      if (busy?.id !== id) return;
      busy = null;
      while (!busy && queue.length) queue.shift()!.go();
    };
    /** The undo entry for request `id`: committed when the worker accepts it, so a refusal keeps Redo. */
    const remember = (id: number) => {
      const s = get();
      undoFor = { id, snapshot: { text: s.text, step: cursor() } };
    };

    /** A load begins: progress shows at once; what Cancel brings back is the session now. */
    const startLoad = () => {
      const s = get();
      beforeLoad = s.info
        ? { text: s.text, step: cursor(), undoStack: s.undoStack, redoStack: s.redoStack }
        : null;
      set({ loading: { done: 0, total: 0 } });
    };

    const onMessage = (r: Response) => {
      switch (r.type) {
        case 'loaded':
          if (undoFor?.id === r.id) {
            const s = get();
            set({ undoStack: [...s.undoStack.slice(-99), undoFor.snapshot], redoStack: [] });
            undoFor = null;
          }
          set({
            info: r.info,
            text: r.info.text,
            editorErrors: lastLoad?.fromEditor ? [] : get().editorErrors,
            settingsError: null,
            // A new scenario (not an action on this one) ends the imported trace's view.
            ...(lastLoad ? { traceImport: lastLoad.source === 'trace' ? importing : null } : {}),
          });
          if (lastLoad) importing = null;
          lastLoad = null;
          return;
        case 'trace-imported':
          if (!r.result.ok) {
            set({
              notice: {
                kind: 'error',
                text: `The trace was not opened: ${r.result.error}. The session was kept.`,
              },
            });
            return;
          }
          importing = r.result.info;
          get().load(r.result.text, 0, false, 'trace');
          return;
        case 'error': {
          // The exploration refused (it leaves the session, the loads and the queue alone).
          if (r.id === exploreId) {
            const ex = get().exploration;
            if (ex)
              set({
                exploration: {
                  ...ex,
                  running: false,
                  report: {
                    violations: [],
                    stats: { states: 0, distinct: 0, depth: 0, maxDepth: ex.maxDepth, cut: false },
                    error: r.errors[0].message,
                  },
                },
              });
            return;
          }
          if (undoFor?.id === r.id) undoFor = null;
          const refusedRun = busy?.id === r.id && busy.body.type === 'run';
          if (refusedRun) live = false;
          const fromEditor = lastLoad?.fromEditor ?? false;
          const source = lastLoad?.source ?? 'app';
          const first = r.errors[0];
          const what =
            source === 'link'
              ? 'The link was not opened: its scenario'
              : source === 'file'
                ? 'The file was not opened: its scenario'
                : source === 'trace'
                  ? 'The trace was not opened: the scenario written from it'
                  : 'Not applied: the scenario';
          const more = r.errors.length > 1 ? ` (and ${r.errors.length - 1} more)` : '';
          lastLoad = null;
          importing = null;
          beforeLoad = null;
          set({
            loading: null,
            status: 'ready',
            ...(refusedRun ? { run: null } : {}),
            editorErrors: fromEditor ? r.errors : get().editorErrors,
            notice: fromEditor
              ? get().notice
              : {
                  kind: 'error',
                  text: refusedRun
                    ? `Not run: ${first.message}. The session was kept.`
                    : `${what} has an error at line ${first.line}:${first.col}: ${first.message}${more}. The session was kept.`,
                },
          });
          answered(r.id);
          // A bad link or file at start-up: open the default scenario instead.
          if (!get().info) get().load(initialText, initialStep);
          return;
        }
        case 'link-refused':
          if (undoFor?.id === r.id) undoFor = null;
          linkOpened.delete(r.id);
          lastLoad = null;
          beforeLoad = null;
          set({
            loading: null,
            status: 'ready',
            notice: { kind: 'error', text: `The link was not opened: ${r.error}. The session was kept.` },
          });
          answered(r.id);
          // A bad link at start-up: open the default scenario instead.
          if (!get().info) get().load(initialText, initialStep);
          return;
        case 'link-opened':
          set({
            view: r.link.view ?? 'timeline',
            compare: r.link.compare ?? null,
            selected: (r.link.pinned ?? []).slice(-12),
            allPins: r.link.allPins ?? false,
          });
          linkOpened.get(r.id)?.();
          linkOpened.delete(r.id);
          return;
        case 'link-checked':
          answer(r.id, r.error);
          return;
        case 'settings-error':
          lastLoad = null;
          beforeLoad = null;
          set({ status: 'ready', settingsError: r.error, loading: null });
          answered(r.id);
          return;
        case 'exported':
          answer(r.id, r.text);
          return;
        case 'trace-steps':
          answer(r.id, r.steps);
          return;
        case 'escaped':
          escapes.get(r.id)?.({ eval: r.eval, fetch: r.fetch });
          escapes.delete(r.id);
          return;
        case 'frame': {
          if (r.id >= wantedId) wanted = null;
          const q = get().quiz;
          if (
            q &&
            q.picked !== null &&
            q.answer === null &&
            r.frame.step === q.step &&
            r.frame.event === null
          ) {
            const info = get().info;
            const { answer, why } = judge(q, r.frame, info?.steps.notes.get(q.step - 1)?.at(-1));
            const key = scoreKey(info);
            const old = get().scores[key] ?? { right: 0, asked: 0 };
            set({
              quiz: { ...q, answer, why },
              scores: {
                ...get().scores,
                [key]: { right: old.right + (answer === q.picked ? 1 : 0), asked: old.asked + 1 },
              },
            });
          }
          const prev = get().cpus;
          const cpus: Record<number, CpuDetail> = {};
          for (const [k, v] of Object.entries(r.frame.view.cpus)) {
            const i = Number(k);
            cpus[i] = prev[i] && sameJson(prev[i], v) ? prev[i] : v;
          }
          // The run's end: its steps and its last frame switch together (issue 12.2).
          const ended = runEnded && !r.live ? runEnded : null;
          if (ended) runEnded = null;
          set({
            frame: keepUnchanged(get().frame, r.frame),
            cpus,
            status: r.live ? 'running' : live ? 'running' : 'ready',
            loading: null,
            ...(ended ? { info: ended, text: ended.text, run: null } : {}),
          });
          beforeLoad = null;
          if (!r.live) answered(r.id);
          return;
        }
        case 'progress':
          // A run's steps on show are its checkpoint's (below): no step the page shows is lost in a restart.
          if (live) {
            // Sent beside every live frame: a new object only when the limit is news.
            const run = get().run;
            if (run?.limit !== r.limit) set({ run: { steps: run?.steps ?? 0, limit: r.limit } });
          } else if (get().loading) set({ loading: { done: r.steps, total: r.limit } });
          return;
        case 'run-checkpoint': {
          if (!live || busy?.id !== r.id) return;
          const eventsJson =
            checkpoint?.id === r.id ? checkpoint.run.eventsJson.concat(r.eventsJson) : r.eventsJson;
          checkpoint = { id: r.id, run: { steps: r.steps, state: r.state, eventsJson, dropped: r.dropped } };
          set({ run: { steps: r.steps, limit: get().run?.limit ?? null } });
          return;
        }
        case 'explore-progress':
          // An exploration replaced by a newer one: its last words are not this one's.
          if (r.id !== exploreId) return;
          set({
            exploration: {
              running: true,
              states: r.states,
              distinct: r.distinct,
              depth: r.depth,
              maxDepth: r.maxDepth,
              report: null,
            },
          });
          return;
        case 'explore-done': {
          if (r.id !== exploreId) return;
          const st = r.report.stats;
          set({
            exploration: {
              running: false,
              states: st.states,
              distinct: st.distinct,
              depth: st.depth,
              maxDepth: st.maxDepth,
              report: r.report,
            },
          });
          return;
        }
        case 'run-ended':
          // Held until the run's last frame: the step list must not grow beside a live frame.
          live = false;
          runEnded = r.info;
          checkpoint = null;
          return;
      }
    };

    /**
     * Restarts from the scenario text (issue 14.6): a run in progress is kept as `run K`, as Stop
     * records it, K the guest steps of its last checkpoint (the steps on show), from which the new
     * worker records that step instead of running it again; the request that was in flight is
     * sent again after the restart (once, and a load without its checkpoint: it may be what
     * failed), and the queued ones follow in order.
     */
    const onFailure = (kind: 'crash' | 'hang', detail: string) => {
      const s = get();
      const lost = busy;
      busy = null;
      runEnded = null;
      let text = s.text;
      let step: number | undefined = cursor();
      let kept = '';
      let replay = lost && !lost.replayed ? lost : null;
      if (replay?.body.type === 'load' && replay.body.checkpoint) {
        const { checkpoint: _, ...body } = replay.body;
        replay = { ...replay, body };
      }
      const recorded =
        live && lost && checkpoint?.id === lost.id && checkpoint.run.steps > 0 ? checkpoint.run : null;
      checkpoint = null;
      if (lost && recorded) {
        const k = recorded.steps;
        // Its checkpoints came after its `loaded`: s.text is already the text the run continues.
        text = withLine(text, `run ${k}`);
        step = undefined;
        replay = null;
        kept = ` The run so far is kept as \`run ${k}\`.`;
        // Undo goes back to before the run, as after a Stop.
        if (undoFor?.id === lost.id) undoFor = null;
      }
      live = false;
      const dropped =
        lost && !replay && lost.body.type !== 'run'
          ? ` (${lost.body.type} was not repeated: it failed twice)`
          : '';
      set({
        status: 'loading',
        run: null,
        exploration: null,
        notice: {
          kind: 'error',
          text: `The emulator ${kind === 'crash' ? 'crashed' : 'stopped responding'} (${detail}). It was restarted from the scenario; nothing you did is lost${dropped}.${kept}`,
        },
      });
      lastLoad = null;
      sendBusy({
        type: 'load',
        text,
        step,
        detailed: detailed(),
        settings,
        ...(recorded ? { checkpoint: recorded } : {}),
      });
      if (replay) {
        const again = replay;
        queue.unshift({
          seek: false,
          go: () => {
            lastLoad = again.lastLoad;
            if (again.body.type === 'run') {
              live = true;
              set({ status: 'running', run: { steps: 0, limit: null } });
            }
            const id = sendBusy(again.body, true);
            if (undoFor?.id === again.id) undoFor = { ...undoFor, id };
          },
        });
      }
      // Exports, traces and link checks asked for are asked again.
      for (const [old, o] of [...owed]) {
        owed.delete(old);
        owed.set(host.send(o.body), o);
      }
    };

    host = new WorkerHost(onMessage, onFailure, factory);

    // Acting makes a browser history entry (Back takes it back, within the app); stepping does not.
    const doAppend = (lines: string[]) => {
      set({ status: 'loading', historyMode: 'push' });
      remember(sendBusy({ type: 'append', lines, at: cursor(), detailed: detailed() }));
    };
    const doRun = (n: number | string | undefined) => {
      live = true;
      checkpoint = null;
      const limit = typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : null;
      set({ status: 'running', run: { steps: 0, limit }, historyMode: 'push' });
      remember(sendBusy({ type: 'run', n, at: cursor(), detailed: detailed() }));
    };
    const send = (text: string, step: number | undefined, event?: number) =>
      sendBusy(
        event === undefined
          ? { type: 'load', text, step, detailed: detailed(), settings }
          : { type: 'load', text, step, event, detailed: detailed(), settings },
      );
    /** A seek request (the cursor the next request starts from moves only with its answer). */
    const sendSeek = (step: number, event: number | null = null) => {
      const k = Math.max(0, Math.min(step, length()));
      return sendBusy(
        event === null || k === 0
          ? { type: 'seek', step: k, detailed: detailed() }
          : { type: 'seek', step: k, event, detailed: detailed() },
      );
    };

    return {
      text: initialText,
      info: null,
      frame: null,
      cpus: {},
      status: 'loading',
      run: null,
      loading: null,
      notice: null,
      editorErrors: [],
      selected: [],
      allPins: false,
      pending: null,
      undoStack: [],
      redoStack: [],
      view: 'timeline',
      historyMode: 'replace',
      compare: null,
      settingsError: null,
      traceImport: null,
      teach: false,
      quiz: null,
      scores: {},

      load(text, step, fromEditor = false, source = fromEditor ? 'editor' : 'app') {
        if (source === 'file' && text.trim() === '') {
          // An empty file is no scenario to replace the session with (issue 14.7).
          set({
            notice: { kind: 'error', text: 'The file was not opened: it is empty. The session was kept.' },
          });
          return;
        }
        exclusive(() => {
          const had = get().info !== null;
          startLoad();
          lastLoad = { text, step, fromEditor, source };
          set({ status: 'loading', historyMode: had ? 'push' : 'replace' });
          const id = send(text, step);
          if (had) remember(id);
        });
      },
      configure(config) {
        exclusive(() => {
          const had = get().info !== null;
          lastLoad = { text: get().text, fromEditor: false, source: 'app' };
          set({ status: 'loading', historyMode: 'push' });
          // The configure request carries the cursor: the new configuration shows the same step.
          const id = sendBusy({ type: 'configure', config, step: cursor(), detailed: detailed() });
          if (had) remember(id);
        });
      },
      openLink(fragment, fromHistory = false, opened) {
        exclusive(() => {
          const had = get().info !== null;
          startLoad();
          lastLoad = { text: get().text, fromEditor: false, source: 'link' };
          set({ status: 'loading', historyMode: fromHistory ? 'replace' : 'push' });
          const id = sendBusy({
            type: 'open-link',
            fragment,
            detailed: detailed(),
            ...(settings.length ? { settings } : {}),
          });
          if (opened) linkOpened.set(id, opened);
          // Back and Forward bring their entry's own undo and redo stacks (ui/urlSync.ts).
          if (had && !fromHistory) remember(id);
        });
      },
      checkLink(fragment) {
        return ask({ type: 'check-link', fragment });
      },
      setView(view) {
        set({ view, historyMode: 'replace' });
      },
      importTrace(text, name) {
        if (get().status === 'running') return;
        host.send({ type: 'import-trace', text, name });
      },
      setAllPins(allPins) {
        set({ allPins, historyMode: 'replace' });
      },
      setCompare(compare) {
        set({ compare, historyMode: 'replace' });
      },
      requestExport(what, compare) {
        return ask(compare ? { type: 'export', what, compare } : { type: 'export', what });
      },
      requestTraceSteps() {
        return ask({ type: 'trace-steps' });
      },
      peer: null,
      exploration: null,
      explore(depth) {
        // Not exclusive: it reads the session and changes nothing, so nothing waits for it and
        // it waits for nothing (the worker takes it after what was sent before). Its answers
        // carry its own id, never the busy one: answered() ignores them.
        set({
          exploration: {
            running: true,
            states: 0,
            distinct: 0,
            depth: 0,
            maxDepth: depth ?? 0,
            report: null,
          },
        });
        exploreId = host.send(depth === undefined ? { type: 'explore' } : { type: 'explore', depth });
      },
      stopExplore() {
        // Answered by the exploration's report (what it found so far).
        if (get().exploration?.running) host.send({ type: 'explore-stop' });
      },
      seek(step, event = null) {
        if (get().status === 'running') return;
        const s = get();
        const k = Math.max(0, Math.min(step, length()));
        if (s.teach && event === null && s.info && s.frame && k === (wanted ?? cursor()) + 1) {
          // Teaching mode: the next step waits for a prediction (answerQuiz shows it).
          if (s.quiz?.step !== k) set({ quiz: makeQuiz(s.info, s.frame, k) });
          return;
        }
        if (s.quiz && s.quiz.step !== k) set({ quiz: null });
        wanted = k;
        // Seeks asked faster than frames come coalesce to the last (60 in one go: one frame, issue 14.6).
        wantedId = Number.POSITIVE_INFINITY;
        exclusive(() => {
          if (get().status === 'running') {
            wanted = null;
            wantedId = 0;
            return;
          }
          wantedId = sendSeek(step, event);
        }, true);
      },
      setTeach(teach) {
        set({ teach, quiz: null });
      },
      answerQuiz(choice) {
        const q = get().quiz;
        if (!q || q.picked !== null || get().status === 'running') return;
        set({ quiz: { ...q, picked: choice } });
        wanted = q.step;
        wantedId = Number.POSITIVE_INFINITY;
        exclusive(() => {
          wantedId = sendSeek(q.step);
        }, true);
      },
      stepBy(delta) {
        const from = wanted ?? cursor();
        get().seek(from + delta);
      },
      seekEvent(event) {
        // Read at send time: each press moves one event from where the last one left.
        exclusive(() => {
          const f = get().frame;
          if (get().status === 'running' || !f || f.step === 0) return;
          sendSeek(f.step, event === null ? null : Math.max(0, Math.min(event, f.events.length - 1)));
        });
      },
      stepEvent(delta) {
        exclusive(() => {
          const f = get().frame;
          if (get().status === 'running' || !f) return;
          const last = f.events.length - 1;
          if (delta > 0) {
            // From a whole step (or its last event) on to the next step's first event.
            if (f.step > 0 && f.event === null && last >= 0) return void sendSeek(f.step, 0);
            if (f.step > 0 && f.event !== null && f.event < last) return void sendSeek(f.step, f.event + 1);
            if (f.step < length()) sendSeek(f.step + 1, 0);
            return;
          }
          if (f.event !== null && f.event > 0) return void sendSeek(f.step, f.event - 1);
          if (f.event === 0) return void sendSeek(f.step);
          if (f.step > 0) sendSeek(f.step - 1);
        });
      },
      act(lines) {
        exclusive(() => {
          if (get().status === 'running') return;
          const discard = length() - cursor();
          if (discard > 0) set({ pending: { lines, discard } });
          else doAppend(lines);
        });
      },
      startRun(n) {
        exclusive(() => {
          if (get().status === 'running') return;
          const discard = length() - cursor();
          if (discard > 0) set({ pending: { run: n, discard } });
          else doRun(n);
        });
      },
      stopRun() {
        host.send({ type: 'stop' });
      },
      cancelLoad() {
        const prev = beforeLoad;
        if (!get().loading || !prev) return;
        // The worker is busy replaying and reads no message until it is done: end it.
        host.restart();
        beforeLoad = null;
        // The cancelled load is answered by nobody now, and what waited for it goes with it.
        busy = null;
        undoFor = null;
        queue.length = 0;
        importing = null;
        lastLoad = { text: prev.text, step: prev.step, fromEditor: false, source: 'app' };
        // The restart ended an exploration too.
        set({
          loading: null,
          status: 'loading',
          undoStack: prev.undoStack,
          redoStack: prev.redoStack,
          exploration: null,
        });
        send(prev.text, prev.step);
      },
      confirmPending(ok) {
        const p = get().pending;
        set({ pending: null });
        if (!ok || !p) return;
        exclusive(() => ('lines' in p ? doAppend(p.lines) : doRun(p.run)));
      },
      undo() {
        exclusive(() => {
          const s = get();
          const prev = s.undoStack.at(-1);
          if (!prev || s.status === 'running') return;
          set({
            undoStack: s.undoStack.slice(0, -1),
            redoStack: [...s.redoStack, { text: s.text, step: cursor() }],
          });
          lastLoad = { text: prev.text, step: prev.step, fromEditor: false, source: 'app' };
          send(prev.text, prev.step);
        });
      },
      redo() {
        exclusive(() => {
          const s = get();
          const next = s.redoStack.at(-1);
          if (!next || s.status === 'running') return;
          set({
            redoStack: s.redoStack.slice(0, -1),
            undoStack: [...s.undoStack, { text: s.text, step: cursor() }],
          });
          lastLoad = { text: next.text, step: next.step, fromEditor: false, source: 'app' };
          send(next.text, next.step);
        });
      },
      toggleSelected(cpu) {
        const s = get();
        const selected = s.selected.includes(cpu)
          ? s.selected.filter((c) => c !== cpu)
          : [...s.selected, cpu].slice(-12);
        set({ selected });
        exclusive(() => {
          if (get().status !== 'running') sendSeek(cursor());
        }, true);
      },
      dismissNotice() {
        set({ notice: null });
      },
      dispose() {
        host.dispose();
      },
    };
  });
  if (initialLink) store.getState().openLink(initialLink, true);
  else store.getState().load(initialText, initialStep);
  const testHooks: TestHooks = {
    crashWorker: () => host.send({ type: 'test-crash' }),
    hangWorker: (ms) => host.send({ type: 'test-hang', ms }),
    tryEscape: () => new Promise((resolve) => escapes.set(host.send({ type: 'test-escape' }), resolve)),
  };
  return Object.assign(store, { testHooks });
}
