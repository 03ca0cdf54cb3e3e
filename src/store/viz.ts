/**
 * One zustand store per visualizer instance (two can sit side by side). It holds what the UI
 * shows and sends every change to the worker as scenario text; the text is the source of truth.
 */
import { createStore } from 'zustand/vanilla';
import type { Config } from '../core/config.ts';
import type { ScenarioError } from '../scenario/ast.ts';
import type { View } from '../share/url.ts';
import { decodeFragment } from '../share/url.ts';
import type { WorkerFactory } from '../worker/host.ts';
import { WorkerHost } from '../worker/host.ts';
import type {
  CpuDetail,
  ExploreReport,
  ExportKind,
  Frame,
  Response,
  SessionInfo,
  StepEvents,
} from '../worker/protocol.ts';
import { ALL_DETAILED } from '../worker/protocol.ts';

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
export type LoadSource = 'editor' | 'link' | 'file' | 'app';

export interface VizState {
  /** The scenario text of the session (the last one that parsed). */
  text: string;
  info: SessionInfo | null;
  frame: Frame | null;
  /** vCPU details kept across frames when unchanged, so unchanged cards do not re-render. */
  cpus: Record<number, CpuDetail>;
  status: Status;
  /** The run in progress: guest steps so far, and its length once the worker has said it. */
  run: { steps: number; limit: number | null } | null;
  notice: Notice | null;
  /** Errors of the text last submitted from the editor (the session kept the previous text). */
  editorErrors: ScenarioError[];
  /** vCPUs the user pinned as full cards. */
  selected: number[];
  /** An action waiting for confirmation because it would discard later steps. */
  pending: { lines: string[]; discard: number } | { run: number | undefined; discard: number } | null;
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

  load(text: string, step?: number, fromEditor?: boolean, source?: LoadSource): void;
  /** Opens a share link (its fragment); a bad link leaves the session as it is. Returns false then. */
  openLink(fragment: string, fromHistory?: boolean): boolean;
  /** Rewrites the configuration lines of the text to `config` and replays (the worker edits the text). */
  configure(config: Config): void;
  setView(view: View): void;
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
  /** `run n`; without n, the scenario language's `run` (its default length). */
  startRun(n?: number): void;
  stopRun(): void;
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
}

export type VizStore = ReturnType<typeof createVizStore>;

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
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
  /** What the store asked for last, to know how to restart and what answers mean. */
  let lastLoad: { text: string; step?: number; fromEditor: boolean; source: LoadSource } | null = null;
  let live = false;
  const exports = new Map<number, (text: string) => void>();
  const traceSteps = new Map<number, (steps: StepEvents[]) => void>();
  /** The step the last seek asked for, until its frame arrives. */
  let wanted: number | null = null;
  let wantedId = 0;

  const store = createStore<VizState>()((set, get) => {
    const detailed = () => {
      const s = get();
      const vcpus = s.info?.vcpus ?? 0;
      return vcpus <= ALL_DETAILED ? [] : s.selected;
    };
    const cursor = () => get().frame?.step ?? 0;
    const length = () => get().info?.steps.length ?? 0;
    const remember = () => {
      const s = get();
      set({ undoStack: [...s.undoStack.slice(-99), { text: s.text, step: cursor() }], redoStack: [] });
    };

    const onMessage = (r: Response) => {
      switch (r.type) {
        case 'loaded':
          set({
            info: r.info,
            text: r.info.text,
            editorErrors: lastLoad?.fromEditor ? [] : get().editorErrors,
            settingsError: null,
          });
          lastLoad = null;
          return;
        case 'error': {
          const fromEditor = lastLoad?.fromEditor ?? false;
          const source = lastLoad?.source ?? 'app';
          const first = r.errors[0];
          const what =
            source === 'link'
              ? 'The link was not opened: its scenario'
              : source === 'file'
                ? 'The file was not opened: its scenario'
                : 'Not applied: the scenario';
          const more = r.errors.length > 1 ? ` (and ${r.errors.length - 1} more)` : '';
          lastLoad = null;
          set({
            status: 'ready',
            editorErrors: fromEditor ? r.errors : get().editorErrors,
            notice: fromEditor
              ? get().notice
              : {
                  kind: 'error',
                  text: `${what} has an error at line ${first.line}:${first.col}: ${first.message}${more}. The session was kept.`,
                },
          });
          // A bad link or file at start-up: open the default scenario instead.
          if (!get().info) get().load(initialText, initialStep);
          return;
        }
        case 'settings-error':
          lastLoad = null;
          set({ status: 'ready', settingsError: r.error });
          return;
        case 'exported':
          exports.get(r.id)?.(r.text);
          exports.delete(r.id);
          return;
        case 'trace-steps':
          traceSteps.get(r.id)?.(r.steps);
          traceSteps.delete(r.id);
          return;
        case 'frame': {
          if (r.id >= wantedId) wanted = null;
          const prev = get().cpus;
          const cpus: Record<number, CpuDetail> = {};
          for (const [k, v] of Object.entries(r.frame.view.cpus)) {
            const i = Number(k);
            cpus[i] = prev[i] && sameJson(prev[i], v) ? prev[i] : v;
          }
          set({ frame: r.frame, cpus, status: r.live ? 'running' : live ? 'running' : 'ready' });
          return;
        }
        case 'progress':
          if (live) set({ run: { steps: r.steps, limit: r.limit } });
          return;
        case 'explore-progress':
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
          live = false;
          set({ info: r.info, text: r.info.text, run: null, status: 'ready' });
          return;
      }
    };

    const onFailure = (kind: 'crash' | 'hang', detail: string) => {
      live = false;
      const s = get();
      set({
        status: 'loading',
        run: null,
        exploration: null,
        notice: {
          kind: 'error',
          text: `The emulator ${kind === 'crash' ? 'crashed' : 'stopped responding'} (${detail}). It was restarted from the scenario; nothing you did is lost.`,
        },
      });
      host.send({ type: 'load', text: s.text, step: cursor(), detailed: detailed(), settings });
    };

    host = new WorkerHost(onMessage, onFailure, factory);

    const doAppend = (lines: string[]) => {
      remember();
      set({ status: 'loading' });
      host.send({ type: 'append', lines, at: cursor(), detailed: detailed() });
    };
    const doRun = (n: number | undefined) => {
      remember();
      live = true;
      set({ status: 'running', run: { steps: 0, limit: n ?? null } });
      host.send({ type: 'run', n, at: cursor(), detailed: detailed() });
    };
    const send = (text: string, step: number | undefined, event?: number) =>
      host.send(
        event === undefined
          ? { type: 'load', text, step, detailed: detailed(), settings }
          : { type: 'load', text, step, event, detailed: detailed(), settings },
      );

    return {
      text: initialText,
      info: null,
      frame: null,
      cpus: {},
      status: 'loading',
      run: null,
      notice: null,
      editorErrors: [],
      selected: [],
      pending: null,
      undoStack: [],
      redoStack: [],
      view: 'timeline',
      historyMode: 'replace',
      compare: null,
      settingsError: null,

      load(text, step, fromEditor = false, source = fromEditor ? 'editor' : 'app') {
        if (get().info) remember();
        lastLoad = { text, step, fromEditor, source };
        set({ status: 'loading', historyMode: get().info ? 'push' : 'replace' });
        send(text, step);
      },
      configure(config) {
        if (get().info) remember();
        lastLoad = { text: get().text, fromEditor: false, source: 'app' };
        set({ status: 'loading', historyMode: 'push' });
        host.send({ type: 'configure', config, detailed: detailed() });
      },
      openLink(fragment, fromHistory = false) {
        const r = decodeFragment(fragment);
        if (!r.ok) {
          set({
            notice: { kind: 'error', text: `The link was not opened: ${r.error}. The session was kept.` },
          });
          return false;
        }
        if (get().info) remember();
        lastLoad = { text: r.state.text, step: r.state.step, fromEditor: false, source: 'link' };
        set({
          status: 'loading',
          view: r.state.view ?? 'timeline',
          compare: r.state.compare ?? null,
          historyMode: fromHistory ? 'replace' : 'push',
        });
        send(r.state.text, r.state.step, r.state.event);
        return true;
      },
      setView(view) {
        set({ view, historyMode: 'replace' });
      },
      setCompare(compare) {
        set({ compare, historyMode: 'replace' });
      },
      requestExport(what, compare) {
        return new Promise((resolve) => {
          const id = host.send(compare ? { type: 'export', what, compare } : { type: 'export', what });
          exports.set(id, resolve);
        });
      },
      requestTraceSteps() {
        return new Promise((resolve) => {
          const id = host.send({ type: 'trace-steps' });
          traceSteps.set(id, resolve);
        });
      },
      peer: null,
      exploration: null,
      explore(depth) {
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
        host.send(depth === undefined ? { type: 'explore' } : { type: 'explore', depth });
      },
      stopExplore() {
        host.send({ type: 'explore-stop' });
      },
      seek(step, event = null) {
        const k = Math.max(0, Math.min(step, length()));
        if (get().status === 'running') return;
        wanted = k;
        wantedId = host.send(
          event === null || k === 0
            ? { type: 'seek', step: k, detailed: detailed() }
            : { type: 'seek', step: k, event, detailed: detailed() },
        );
      },
      stepBy(delta) {
        const from = wanted ?? cursor();
        get().seek(from + delta);
      },
      seekEvent(event) {
        const f = get().frame;
        if (get().status === 'running' || !f || f.step === 0) return;
        if (event === null) host.send({ type: 'seek', step: f.step, detailed: detailed() });
        else
          host.send({
            type: 'seek',
            step: f.step,
            event: Math.max(0, Math.min(event, f.events.length - 1)),
            detailed: detailed(),
          });
      },
      stepEvent(delta) {
        const f = get().frame;
        if (get().status === 'running' || !f) return;
        const last = f.events.length - 1;
        if (delta > 0) {
          // From a whole step (or its last event) on to the next step's first event.
          if (f.step > 0 && f.event === null && last >= 0) return get().seekEvent(0);
          if (f.step > 0 && f.event !== null && f.event < last) return get().seekEvent(f.event + 1);
          if (f.step < length())
            host.send({ type: 'seek', step: f.step + 1, event: 0, detailed: detailed() });
          return;
        }
        if (f.event !== null && f.event > 0) return get().seekEvent(f.event - 1);
        if (f.event === 0) return get().seekEvent(null);
        if (f.step > 0) get().seek(f.step - 1);
      },
      act(lines) {
        if (get().status === 'running') return;
        const discard = length() - cursor();
        if (discard > 0) set({ pending: { lines, discard } });
        else doAppend(lines);
      },
      startRun(n) {
        if (get().status === 'running') return;
        const discard = length() - cursor();
        if (discard > 0) set({ pending: { run: n, discard } });
        else doRun(n);
      },
      stopRun() {
        host.send({ type: 'stop' });
      },
      confirmPending(ok) {
        const p = get().pending;
        set({ pending: null });
        if (!ok || !p) return;
        if ('lines' in p) doAppend(p.lines);
        else doRun(p.run);
      },
      undo() {
        const s = get();
        const prev = s.undoStack.at(-1);
        if (!prev || s.status === 'running') return;
        set({
          undoStack: s.undoStack.slice(0, -1),
          redoStack: [...s.redoStack, { text: s.text, step: cursor() }],
        });
        lastLoad = { text: prev.text, step: prev.step, fromEditor: false, source: 'app' };
        send(prev.text, prev.step);
      },
      redo() {
        const s = get();
        const next = s.redoStack.at(-1);
        if (!next || s.status === 'running') return;
        set({
          redoStack: s.redoStack.slice(0, -1),
          undoStack: [...s.undoStack, { text: s.text, step: cursor() }],
        });
        lastLoad = { text: next.text, step: next.step, fromEditor: false, source: 'app' };
        send(next.text, next.step);
      },
      toggleSelected(cpu) {
        const s = get();
        const selected = s.selected.includes(cpu)
          ? s.selected.filter((c) => c !== cpu)
          : [...s.selected, cpu].slice(-12);
        set({ selected });
        host.send({ type: 'seek', step: cursor(), detailed: detailed() });
      },
      dismissNotice() {
        set({ notice: null });
      },
      dispose() {
        host.dispose();
      },
    };
  });
  if (!initialLink || !store.getState().openLink(initialLink, true))
    store.getState().load(initialText, initialStep);
  const testHooks: TestHooks = {
    crashWorker: () => host.send({ type: 'test-crash' }),
    hangWorker: (ms) => host.send({ type: 'test-hang', ms }),
  };
  return Object.assign(store, { testHooks });
}
