/**
 * A visualizer session: the scenario text, its parsed form, the keyframed timeline and the
 * expectation results. Framework-free, so the worker hosts it and Node tests drive it.
 */
import type { TraceEvent } from '../core/events.ts';
import { machineSummary } from '../core/inspect.ts';
import type { ExpectResult } from '../replay/run.ts';
import { checkExpectations } from '../replay/run.ts';
import { Timeline } from '../replay/timeline.ts';
import type { Scenario, ScenarioError } from '../scenario/ast.ts';
import { parseScenario } from '../scenario/parse.ts';
import { printAction } from '../scenario/print.ts';

export type MachineView = ReturnType<typeof machineSummary>;

export interface SessionInfo {
  text: string;
  title: string | null;
  configNotes: string[];
  /** One entry per step: its action as scenario text, its line, its notes. */
  steps: { text: string; line: number; notes: string[] }[];
  /** Every expectation's result, in order. */
  expects: ExpectResult[];
}

export interface Frame {
  step: number;
  view: MachineView;
  events: TraceEvent[];
}

export type LoadResult = { ok: true; info: SessionInfo } | { ok: false; errors: ScenarioError[] };

export class Session {
  private scenario: Scenario | null = null;
  private timeline: Timeline | null = null;
  private text = '';
  private expects: ExpectResult[] = [];

  /** Replaces the session with `text` if, and only if, it parses; otherwise nothing changes. */
  load(text: string): LoadResult {
    const parsed = parseScenario(text);
    if (!parsed.ok) return { ok: false, errors: parsed.errors };
    const s = parsed.scenario;
    const timeline = new Timeline(s.config);
    const byStep = new Map<number, typeof s.expects>();
    for (const e of s.expects) byStep.set(e.afterStep, [...(byStep.get(e.afterStep) ?? []), e]);
    const expects = checkExpectations(timeline.last, byStep.get(0) ?? []);
    s.steps.forEach((st, i) => {
      timeline.append(st.action);
      expects.push(...checkExpectations(timeline.last, byStep.get(i + 1) ?? []));
    });
    this.scenario = s;
    this.timeline = timeline;
    this.text = text;
    this.expects = expects;
    return { ok: true, info: this.info() };
  }

  get length(): number {
    return this.timeline?.length ?? 0;
  }

  info(): SessionInfo {
    const s = this.scenario;
    return {
      text: this.text,
      title: s?.config.title ?? null,
      configNotes: s?.configNotes ?? [],
      steps: s?.steps.map((st) => ({ text: printAction(st.action), line: st.line, notes: st.notes })) ?? [],
      expects: this.expects,
    };
  }

  frame(step: number): Frame {
    const t = this.timeline;
    if (!t) throw new Error('no scenario loaded');
    const k = Math.max(0, Math.min(step, t.length));
    return { step: k, view: machineSummary(t.stateAt(k)), events: t.eventsOf(k) };
  }
}
