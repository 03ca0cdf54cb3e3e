/**
 * A visualizer session: the scenario text, its parsed form, the keyframed timeline and the
 * expectation results. Framework-free, so the worker hosts it and Node tests drive it.
 * Every change goes through the scenario text: a user action appends a line.
 */
import type { Action } from '../core/actions.ts';
import { DEFAULT_RUN_STEPS } from '../core/actions.ts';
import type { Config } from '../core/config.ts';
import { defaultConfig } from '../core/config.ts';
import type { TraceEvent } from '../core/events.ts';
import type { ChunkedRun } from '../core/machine.ts';
import { Machine } from '../core/machine.ts';
import { Linter } from '../lint/lints.ts';
import type { RunSoFar } from '../replay/recorded.ts';
import type { ExpectResult } from '../replay/run.ts';
import { appendResults, runSteps } from '../replay/run.ts';
import { LONG_STEP_WORK, RUN_CHUNK, Timeline } from '../replay/timeline.ts';
import type { Scenario, ScenarioError } from '../scenario/ast.ts';
import { replaceConfig } from '../scenario/edit.ts';
import { extendScenario, parseScenario } from '../scenario/parse.ts';
import { printAction } from '../scenario/print.ts';
import { deriveCompare } from '../scenario/settings.ts';
import type { StepEvents } from '../share/trace-export.ts';
import { encodePayload } from '../share/url.ts';
import type { CpuChange, Frame, SessionInfo, StepLint } from './protocol.ts';
import { ALL_DETAILED, MAX_DETAILED, MAX_WARNINGS, packExpects, packSteps } from './protocol.ts';
import { cpuChange, pinChanges, stateView } from './view.ts';

/** Events kept per step for display; a storm run has millions. */
export const MAX_STEP_EVENTS = 3000;
/** Heartbeats inside a long step come at most this often (the UI's watchdog waits HANG_MS). */
export const HEARTBEAT_MS = 250;
/** Events an exported trace holds at most (later steps are left out). */
export const MAX_EXPORT_EVENTS = 200_000;

function pinOf(a: Action): number {
  if ('pin' in a) return a.pin;
  if (a.kind === 'cpu' && a.op.op === 'service') return a.op.pin;
  return -1;
}

export type Result =
  | { ok: true; info: SessionInfo }
  /** `settingsError`: a compare setting of `load` that does not apply (errors is then empty). */
  | { ok: false; errors: ScenarioError[]; settingsError?: string };

export class Session {
  private scenario: Scenario | null = null;
  private timeline: Timeline | null = null;
  private lines: string[] = [];
  private expects: ExpectResult[] = [];
  /** The lints, fed every step's state as the timeline grows; their warnings so far. */
  private linter: Linter | null = null;
  private warnings: StepLint[] = [];
  private warningCount = 0;
  private running: { run: ChunkedRun; n: number } | null = null;
  private share = '';
  private shareFor: string | null = null;
  /**
   * Called now and then during long loads, and at least every HEARTBEAT_MS inside a long step
   * (a load, a seek, a replay), so that the UI knows the worker is alive (issue 14.5).
   */
  onProgress: ((done: number, total: number) => void) | null = null;
  private progress = { done: 0, total: 0, at: 0 };

  private beat(): void {
    const now = performance.now();
    if (now - this.progress.at < HEARTBEAT_MS) return;
    this.progress.at = now;
    this.onProgress?.(this.progress.done, this.progress.total);
  }

  /** A timeline that traces long runs as they are appended and beats while it runs one. */
  private newTimeline(config: Config): Timeline {
    const t = new Timeline(config, [], { traceLongSteps: MAX_STEP_EVENTS });
    t.onChunk = () => this.beat();
    return t;
  }

  /**
   * Replaces the session with `text` if, and only if, it parses; otherwise nothing changes.
   * `settings` (--set syntax) rewrite its configuration first: the compare view's second column.
   * `checkpoint`: the result of the text's last step, a `run K`, as runCheckpoint gave it in a
   * worker that crashed (issue 14.6): appended from it, when it fits, instead of run again.
   */
  load(text: string, settings: readonly string[] = [], checkpoint?: RunSoFar): Result {
    let parsed = parseScenario(text);
    if (!parsed.ok) return { ok: false, errors: parsed.errors };
    if (settings.length) {
      const d = deriveCompare(text, parsed.scenario.config, [...settings]);
      if (!d.ok) return { ok: false, errors: [], settingsError: d.error };
      text = d.text;
      parsed = parseScenario(text);
      if (!parsed.ok) return { ok: false, errors: parsed.errors };
    }
    const s = parsed.scenario;
    const timeline = this.newTimeline(s.config);
    // With the machine's probe, as the command line lints: without it every step looked at
    // all 4096 vCPUs for vectors below 0x10 (20 s of the largest scenario's 27 s load).
    this.linter = new Linter(timeline.last, timeline.lastCtx);
    this.warnings = [];
    this.warningCount = 0;
    const expects = this.runSteps(s, timeline, 0, 1, checkpoint);
    this.running = null;
    this.scenario = s;
    this.timeline = timeline;
    this.lines = text.split('\n');
    this.expects = expects;
    return { ok: true, info: this.info() };
  }

  /**
   * Appends the scenario's steps from `from` on, checking the expectations on line `minLine` or
   * later; the last one from `last` when it is its `run` and fits (else it is run).
   */
  private runSteps(s: Scenario, t: Timeline, from: number, minLine: number, last?: RunSoFar): ExpectResult[] {
    const total = s.steps.length;
    return runSteps(s, {
      from,
      minLine,
      state: () => t.last,
      apply: (action, k) => {
        this.progress.done = t.length;
        this.progress.total = total;
        if ((t.length & 1023) === 0) this.onProgress?.(t.length, total);
        const recorded =
          last &&
          k === total &&
          action.kind === 'run' &&
          action.n === last.steps &&
          t.appendRecorded(last) === null;
        if (!recorded) t.append(action);
        this.lint(t);
      },
    });
  }

  /** The lints of the step just added to `t`. */
  private lint(t: Timeline): void {
    if (!this.linter) return;
    for (const w of this.linter.step(t.last)) {
      this.warningCount++;
      if (this.warnings.length < MAX_WARNINGS)
        this.warnings.push({ step: t.length, lint: w.lint, rule: w.rule, why: w.why });
    }
  }

  /** Rewrites the configuration lines of the text to `config` (comments and notes kept) and reloads. */
  configure(config: Config): Result {
    return this.load(replaceConfig(this.text, config));
  }

  get text(): string {
    return this.lines.join('\n');
  }

  get length(): number {
    return this.timeline?.length ?? 0;
  }

  info(): SessionInfo {
    const s = this.scenario;
    if (this.shareFor !== this.text) {
      this.shareFor = this.text;
      this.share = encodePayload(this.text);
    }
    return {
      text: this.text,
      share: this.share,
      config: s?.config ?? defaultConfig(),
      title: s?.config.title ?? null,
      configNotes: s?.configNotes ?? [],
      vcpus: s?.config.vcpus ?? 0,
      pins: [...new Set(s?.steps.map((st) => pinOf(st.action)).filter((p) => p >= 0) ?? [])].sort(
        (a, b) => a - b,
      ),
      steps: packSteps(
        s?.steps.map((st) => ({
          text: printAction(st.action),
          line: st.line,
          notes: st.notes,
          ...(st.ask ? { ask: st.ask } : {}),
        })) ?? [],
      ),
      expects: packExpects(this.expects),
      warnings: this.warnings,
      warningCount: this.warningCount,
    };
  }

  /** The scenario text cut before step `step + 1` (its notes included): what stays when later steps go. */
  textUpTo(step: number): string {
    const s = this.scenario;
    if (!s || step >= s.steps.length) return this.text;
    return this.lines.slice(0, s.steps[step].startLine - 1).join('\n');
  }

  /**
   * Appends scenario lines (actions, notes, expectations) after step `at`, discarding later
   * steps. Nothing changes unless every line parses.
   */
  append(lines: string[], at: number): Result {
    if (!this.scenario || !this.timeline)
      return { ok: false, errors: [{ line: 1, col: 1, message: 'no scenario loaded' }] };
    if (at < this.length) {
      // Checked before anything is cut: a refused line leaves the later steps (issue 14.7).
      const kept = this.textUpTo(at).split('\n');
      const head = kept.length && kept[kept.length - 1] === '' ? kept.slice(0, -1) : kept;
      const check = parseScenario([...head, ...lines].join('\n'));
      if (!check.ok) return { ok: false, errors: check.errors };
      const cut = this.load(this.textUpTo(at));
      if (!cut.ok) return cut;
    }
    const s = this.scenario;
    const t = this.timeline;
    const base =
      this.lines.length && this.lines[this.lines.length - 1] === '' ? this.lines.slice(0, -1) : this.lines;
    const parsed = extendScenario(s, lines.join('\n'), base.length + 1);
    if (!parsed.ok) return parsed;
    const next = parsed.scenario;
    appendResults(this.expects, this.runSteps(next, t, t.length, base.length + 1));
    this.scenario = next;
    this.lines = [...base, ...lines, ''];
    return { ok: true, info: this.info() };
  }

  /** Starts a long `run n` after step `at` (later steps discarded), advanced by `runChunk`. */
  beginRun(n?: number | string, at: number = this.length): Result {
    if (!this.scenario || !this.timeline)
      return { ok: false, errors: [{ line: 1, col: 1, message: 'no scenario loaded' }] };
    // The length as the language reads a `run` line (its number syntax and range), before
    // anything is cut: a refused length changes nothing (issue 14.7).
    const arg = typeof n === 'string' ? n.trim() : n;
    if (typeof arg === 'string' && !/^\S+$/.test(arg))
      return { ok: false, errors: [{ line: 1, col: 5, message: 'run takes one number of guest steps' }] };
    const line = arg === undefined ? 'run' : `run ${arg}`;
    const parsed = extendScenario(this.scenario, line, this.lines.length + 1);
    if (!parsed.ok) return parsed;
    const action = parsed.scenario.steps.at(-1)?.action;
    if (parsed.scenario.steps.length !== this.scenario.steps.length + 1 || action?.kind !== 'run')
      return { ok: false, errors: [{ line: 1, col: 1, message: `'${n}' is not a number of guest steps` }] };
    return this.beginParsedRun(action.n, at);
  }

  private beginParsedRun(n: number, at: number): Result {
    if (at < this.length) {
      const cut = this.load(this.textUpTo(at));
      if (!cut.ok) return cut;
    }
    if (!this.timeline) return { ok: false, errors: [{ line: 1, col: 1, message: 'no scenario loaded' }] };
    // Traced as it runs (3000 events kept, the rest counted): its frame needs no replay.
    this.running = { run: this.timeline.beginRun(n, MAX_STEP_EVENTS), n };
    return { ok: true, info: this.info() };
  }

  get runProgress(): { steps: number; limit: number } | null {
    return this.running ? { steps: this.running.run.steps, limit: this.running.n } : null;
  }

  /**
   * The running `run` as a restart can record it (issue 14.6): its guest steps so far, the live
   * state after them (post it at once: postMessage copies it) and its trace, the events from
   * `from` on. Call it between two chunks.
   */
  runCheckpoint(from: number): RunSoFar | null {
    const r = this.timeline?.runSoFar();
    return r ? { ...r, events: r.events.slice(from) } : null;
  }

  /** Advances the running `run` by up to `budget` guest steps; true when it has finished. */
  runChunk(budget: number): boolean {
    return this.running ? this.running.run.advance(budget) : true;
  }

  /** Ends the running `run` (stopped early: recorded as `run K`) and appends its line. */
  endRun(stop: boolean): Result {
    const r = this.running;
    if (!r || !this.timeline || !this.scenario)
      return { ok: false, errors: [{ line: 1, col: 1, message: 'no run in progress' }] };
    this.running = null;
    const action = stop && !r.run.done ? r.run.stop() : { kind: 'run' as const, n: r.n };
    this.timeline.commit(action, r.run.result().work);
    this.lint(this.timeline);
    const line = action.n === DEFAULT_RUN_STEPS ? 'run' : `run ${action.n}`;
    // The run is already applied: rebuild the parsed scenario from the text without replaying.
    const base =
      this.lines.length && this.lines[this.lines.length - 1] === '' ? this.lines.slice(0, -1) : this.lines;
    const parsed = extendScenario(this.scenario, line, base.length + 1);
    if (!parsed.ok) return parsed;
    this.scenario = parsed.scenario;
    this.lines = [...base, line, ''];
    return { ok: true, info: this.info() };
  }

  /** The whole session's events (per step at most MAX_STEP_EVENTS, in all at most MAX_EXPORT_EVENTS). */
  traceSteps(): StepEvents[] {
    const t = this.timeline!;
    const m = Machine.boot(t.config, true);
    m.ctx.maxEvents = MAX_STEP_EVENTS;
    const out: StepEvents[] = [];
    let total = 0;
    for (let k = 1; k <= t.length; k++) {
      const action = t.actionOf(k);
      if (total >= MAX_EXPORT_EVENTS) {
        m.tracing = false;
        this.applyBeating(m, action);
        continue;
      }
      const r = this.applyBeating(m, action);
      total += r.events.length;
      out.push({ step: k, action: printAction(action), events: r.events, dropped: m.ctx.droppedEvents });
    }
    return out;
  }

  /** Applies `action` to `m`, a long run in chunks with heartbeats between them. */
  private applyBeating(m: Machine, action: Action): { events: TraceEvent[] } {
    if (action.kind !== 'run' || action.n < LONG_STEP_WORK) return m.apply(action);
    const run = m.beginRun(action.n);
    while (!run.advance(RUN_CHUNK)) this.beat();
    return run.result();
  }

  /**
   * Replays step `step` before it is asked for, so that the next → finds it ready (the timeline
   * keeps the last two replays). Not a long run: that could keep the worker from its messages.
   */
  replayAhead(step: number): void {
    const t = this.timeline;
    if (!t || step < 1 || step > t.length) return;
    const action = t.actionOf(step);
    if (action.kind === 'run' && action.n >= LONG_STEP_WORK) return;
    t.replayStep(step, MAX_STEP_EVENTS);
  }

  /** The state during a run (the live tip), without events. */
  liveFrame(detailed: number[]): Frame {
    const t = this.timeline!;
    return {
      step: t.length,
      event: null,
      view: stateView(t.last, this.detailedSet(t.last.cpus.length, detailed, [])),
      events: [],
      droppedEvents: 0,
      touched: [],
      changes: {},
      changedPins: [],
    };
  }

  private detailedSet(vcpus: number, wanted: number[], touched: number[]): number[] {
    if (vcpus <= ALL_DETAILED) return Array.from({ length: vcpus }, (_, i) => i);
    return [...new Set([...wanted, ...touched])].filter((i) => i >= 0 && i < vcpus).slice(0, MAX_DETAILED);
  }

  /**
   * The state after `step` actions, that step's events, and what it changed. With `event`
   * (a sub-step), the state right after that event, and what that event changed.
   */
  frame(step: number, detailed: number[] = [], event: number | null = null): Frame {
    const t = this.timeline;
    if (!t) throw new Error('no scenario loaded');
    const k = Math.max(0, Math.min(step, t.length));
    const r = t.replayStep(k, MAX_STEP_EVENTS);
    const j = event === null || k === 0 ? null : Math.max(0, Math.min(event, r.events.length - 1));
    let before = r.before;
    let after = r.after;
    if (j !== null) {
      before = j === 0 ? r.before : t.stateAfterEvent(k, j - 1, MAX_STEP_EVENTS);
      after = t.stateAfterEvent(k, j, MAX_STEP_EVENTS) ?? r.after;
    }
    const touched = [...new Set(r.events.filter((e) => e.cpu >= 0).map((e) => e.cpu))].sort((a, b) => a - b);
    const show = this.detailedSet(after.cpus.length, detailed, touched.slice(0, 8));
    const changes: Record<number, CpuChange> = {};
    if (before) {
      for (const i of show) {
        const c = cpuChange(before.cpus[i], after.cpus[i]);
        if (c) changes[i] = c;
      }
    }
    return {
      step: k,
      event: j,
      view: stateView(after, show),
      events: r.events,
      droppedEvents: r.dropped,
      touched,
      changes,
      changedPins: before ? pinChanges(before, after) : [],
    };
  }
}
