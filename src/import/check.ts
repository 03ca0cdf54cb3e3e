/**
 * `import --check`: replays the imported scenario on the model and compares the model's own
 * events with the trace's, line by line. Each step owns the trace lines from its source line up
 * to the next step's; a model event is matched with an unmatched trace line of the same normal
 * form (`eventKey`) in its own step's lines first, then in the step before and the step after
 * (the kernel does not always trace in call order: kvm_ioapic_set_irq comes after the acceptance
 * it caused). The input a step was made from is its own echo and is not counted. Pure.
 */
import { formatVectorSet } from '../core/bitmap.ts';
import { cpuSet } from '../core/inspect.ts';
import { Machine } from '../core/machine.ts';
import type { Scenario } from '../scenario/ast.ts';
import type { Imported } from './synth.ts';
import { keysMatch, modelKey } from './synth.ts';

export interface Disagreement {
  /** The trace line (for a model event with no trace line: the line of the step's input). */
  line: number;
  /** The trace line's text, '' when the trace has none. */
  trace: string;
  /** The model event's text, '' when the model has none. */
  model: string;
  why: string;
}

export interface LineVerdict {
  line: number;
  verdict: 'input' | 'agree' | 'disagree';
  text: string;
  /** input: the steps it made; agree: the model event; disagree: why. */
  detail: string;
}

export interface CheckResult {
  agreements: number;
  disagreements: Disagreement[];
  /** Line by line, in trace order (model-only disagreements at their step's line). */
  verdicts: LineVerdict[];
}

const WHAT_MODEL: Record<string, (text: string) => string> = {
  kvm_userspace_exit: () => 'forwards this EOI to userspace (KVM_EXIT_IOAPIC_EOI)',
  kvm_inj_virq: (t) => `injects ${t.replace(/^IRQ /, '')}`,
  kvm_apic_accept_irq: (t) => `accepts an interrupt (${t})`,
  kvm_eoi: (t) => `performs an EOI (${t})`,
  kvm_pv_eoi: (t) => `applies a PV EOI (${t})`,
  kvm_msi_set_irq: (t) => `sends an MSI (${t})`,
  kvm_set_irq: (t) => `raises a GSI (${t})`,
  kvm_ioapic_set_irq: (t) => `sets an IOAPIC input (${t})`,
  kvm_ioapic_delayed_eoi_inj: (t) => `defers a re-injection at the storm limit (${t})`,
  ioapic_eoi_broadcast: (t) => `runs QEMU's ${t}`,
  ioapic_clear_remote_irr: (t) => `clears a remote IRR (${t})`,
  ioapic_eoi_delayed_reassert: (t) => `defers a re-injection at the storm limit (${t})`,
  kvm_exit: (t) => `exits (${t})`,
  kvm_apic: (t) => `writes a register (${t})`,
  kvm_apic_ipi: (t) => `sends an IPI (${t})`,
};

const TRACE_NAME: Record<string, string> = {
  kvm_userspace_exit: 'KVM_EXIT_IOAPIC_EOI',
};

/** A few words about a vCPU's state in the model, to explain a line the model does not have. */
function cpuHint(m: Machine, cpu: number | null): string {
  if (cpu === null || cpu < 0 || cpu >= m.state.cpus.length || m.state.cpus.length > 64) return '';
  const v = m.state.cpus[cpu];
  return ` (in the model, vCPU ${cpu} has IRR ${formatVectorSet(cpuSet(v, 'irr'))}, ISR ${formatVectorSet(cpuSet(v, 'isr'))}, IF ${v.rflagsIf ? 1 : 0})`;
}

export function checkImport(imp: Imported, scenario: Scenario): CheckResult {
  const { trace, uses, steps } = imp;
  const records = trace.records;
  // Steps made from one record form a group; group g owns the records from its source record up
  // to the next group's; records before the first group belong to group -1.
  const groupStarts: number[] = [];
  const groupOf = steps.map((s) => {
    if (groupStarts.at(-1) !== s.record) groupStarts.push(s.record);
    return groupStarts.length - 1;
  });
  const segOf = (ri: number): number => {
    let lo = -1;
    let hi = groupStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (groupStarts[mid] <= ri) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const compared = records.map(
    (_, i) => uses[i].role !== 'skipped' && uses[i].role !== 'input' && uses[i].key !== null,
  );
  const matchedBy = new Map<number, string>(); // record → model text
  const bySeg = new Map<number, number[]>();
  records.forEach((_, i) => {
    if (!compared[i]) return;
    const s = segOf(i);
    bySeg.set(s, [...(bySeg.get(s) ?? []), i]);
  });
  const modelOnly: { step: number; text: string; type: string; cpu: number; hint: string }[] = [];
  const echo = new Set<number>(); // input records whose echo was consumed
  const hints = new Map<number, string>();

  // A tracepoint the trace did not record cannot disagree: only kinds it has are compared.
  const present = new Set(records.filter((_, i) => uses[i].parsed).map((r) => r.name));
  const m = Machine.boot(scenario.config, true);
  scenario.steps.forEach((st, k) => {
    const events = m.apply(st.action).events;
    const src = steps[k]?.record ?? -1;
    const g = groupOf[k] ?? -1;
    for (const e of events) {
      const key = present.has(e.type) ? modelKey(e) : null;
      if (!key) continue;
      // The step's own input, echoed by the model.
      if (
        src >= 0 &&
        !echo.has(src) &&
        uses[src]?.role === 'input' &&
        uses[src].key &&
        keysMatch(uses[src].key!, key)
      ) {
        echo.add(src);
        continue;
      }
      let found = -1;
      // Its own lines, then earlier ones (KVM often traces the exit before the line that shows the
      // input), then the next group's.
      for (const seg of [g, g - 1, g - 2, g + 1]) {
        for (const ri of bySeg.get(seg) ?? []) {
          if (matchedBy.has(ri) || !keysMatch(uses[ri].key!, key)) continue;
          found = ri;
          break;
        }
        if (found >= 0) break;
      }
      if (found >= 0) matchedBy.set(found, `${e.type}: ${e.text}`);
      else modelOnly.push({ step: k, text: `${e.type}: ${e.text}`, type: e.type, cpu: e.cpu, hint: e.why });
    }
    // Hints for the trace lines of this step that nothing matched (filled in after the next step).
    for (const ri of bySeg.get(k - 1) ?? [])
      if (!matchedBy.has(ri) && !hints.has(ri)) hints.set(ri, cpuHint(m, uses[ri].vcpu));
  });
  for (const ri of bySeg.get(scenario.steps.length - 1) ?? [])
    if (!matchedBy.has(ri) && !hints.has(ri)) hints.set(ri, cpuHint(m, uses[ri].vcpu));

  const disagreements: Disagreement[] = [];
  const verdicts: LineVerdict[] = [];
  const stepsOf = new Map<number, number[]>();
  steps.forEach((s, k) => {
    if (uses[s.record]?.role === 'input') stepsOf.set(s.record, [...(stepsOf.get(s.record) ?? []), k]);
  });
  const onlyAt = new Map<number, typeof modelOnly>();
  for (const x of modelOnly) {
    const line = steps[x.step]?.line ?? 1;
    onlyAt.set(line, [...(onlyAt.get(line) ?? []), x]);
  }
  let agreements = 0;
  const emitModelOnly = (line: number) => {
    for (const x of onlyAt.get(line) ?? []) {
      const what = (WHAT_MODEL[x.type] ?? ((t: string) => `emits ${t}`))(x.text.slice(x.type.length + 2));
      const why = `the model ${what} but the trace has no ${TRACE_NAME[x.type] ?? x.type} here (${x.hint})`;
      disagreements.push({ line, trace: '', model: x.text, why });
      verdicts.push({ line, verdict: 'disagree', text: '', detail: why });
    }
    onlyAt.delete(line);
  };
  records.forEach((r, i) => {
    const text = `${r.name}: ${r.body}`;
    if (uses[i].role === 'input') {
      const ks = stepsOf.get(i) ?? [];
      verdicts.push({
        line: r.line,
        verdict: 'input',
        text,
        detail: ks.map((k) => `step ${k + 1}`).join(', '),
      });
    } else if (compared[i]) {
      const got = matchedBy.get(i);
      if (got) {
        agreements++;
        verdicts.push({ line: r.line, verdict: 'agree', text, detail: got });
      } else {
        const why = `the trace has ${text} here, the model does not${hints.get(i) ?? ''}`;
        disagreements.push({ line: r.line, trace: text, model: '', why });
        verdicts.push({ line: r.line, verdict: 'disagree', text, detail: why });
      }
    }
    emitModelOnly(r.line);
  });
  for (const line of [...onlyAt.keys()].sort((a, b) => a - b)) emitModelOnly(line);
  return { agreements, disagreements, verdicts };
}
