/**
 * The state a golden link must open to, as SHA-256 digests (Node only: tests and the corpus
 * generator). The digests are of the same JSON the command line prints, so a difference can
 * be looked at with `apicscope run --json`.
 */
import { createHash } from 'node:crypto';
import { machineSummary } from '../../core/inspect.ts';
import { Machine } from '../../core/machine.ts';
import { runScenario } from '../../replay/run.ts';
import type { Scenario } from '../../scenario/ast.ts';
import { parseScenario } from '../../scenario/parse.ts';
import { deriveCompare } from '../../scenario/settings.ts';
import type { ShareState } from '../url.ts';

export interface GoldenState {
  /** Whether the scenario parses (a link may carry text with errors: the app shows them). */
  parses: boolean;
  /** Actions in the scenario. */
  steps?: number;
  /** The machine at the link's step (clamped to the scenario's length, as the app does). */
  atStep?: string;
  /** `apicscope run --json` of the scenario without its `file` field. */
  run?: string;
  /** The compare column at the link's step; null when its settings do not apply. */
  compareAtStep?: string | null;
}

export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

function stateAt(s: Scenario, step: number): string {
  const m = Machine.boot(s.config, false);
  const k = Math.max(0, Math.min(step, s.steps.length));
  for (let i = 0; i < k; i++) m.apply(s.steps[i].action);
  return sha256(JSON.stringify(machineSummary(m.state)));
}

function runJson(s: Scenario): string {
  const r = runScenario(s);
  const summary = machineSummary(r.final);
  return JSON.stringify({
    steps: r.steps,
    expects: r.expects.map(({ line, ok, expected, actual }) => ({ line, ok, expected, actual })),
    counters: summary.counters,
    final: { cpus: summary.cpus, ioapic: summary.ioapic, kvm: summary.kvm },
  });
}

export function goldenState(st: ShareState): GoldenState {
  const parsed = parseScenario(st.text);
  if (!parsed.ok) return { parses: false };
  const s = parsed.scenario;
  const out: GoldenState = {
    parses: true,
    steps: s.steps.length,
    atStep: stateAt(s, st.step),
    run: sha256(runJson(s)),
  };
  if (st.compare) {
    const d = deriveCompare(st.text, s.config, st.compare);
    const p = d.ok ? parseScenario(d.text) : null;
    out.compareAtStep = p?.ok ? stateAt(p.scenario, st.step) : null;
  }
  return out;
}
