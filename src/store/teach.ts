/**
 * Teaching mode: before the next step is shown, one question about it. The choices come from
 * the machine (its vCPUs, yes/no), the answer from the model: the frame of that step (its
 * events and state), never from text written in the preset. A preset's `ask` line picks the
 * question; other steps get one derived from the action.
 */
import type { Ask, AskAnswer } from '../scenario/ask.ts';
import type { Frame, SessionInfo } from '../worker/protocol.ts';
import { stepAt } from '../worker/protocol.ts';

/** What the answer is read from; `in-service` is the fallback for actions with nothing else to ask. */
export type QuizKind = AskAnswer | 'in-service';

export interface Quiz {
  /** The step whose outcome is asked (the one about to be shown). */
  step: number;
  prompt: string;
  kind: QuizKind;
  vector?: number;
  pin?: number;
  choices: string[];
  /** The learner's choice, then the right one (indices into choices) and why, once revealed. */
  picked: number | null;
  answer: number | null;
  why: string | null;
}

export interface Score {
  right: number;
  asked: number;
}

/** vCPUs offered by name; a larger VM adds "another vCPU". */
const NAMED_CPUS = 8;
const YES_NO = ['Yes', 'No'];
const hex2 = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;

function cpuChoices(vcpus: number): string[] {
  const n = Math.min(vcpus, vcpus > NAMED_CPUS ? NAMED_CPUS - 1 : NAMED_CPUS);
  const out = Array.from({ length: n }, (_, i) => `vCPU ${i}`);
  if (vcpus > n) out.push('another vCPU');
  out.push('no vCPU');
  return out;
}

/** The question the app derives from an action's text when the scenario has no `ask` for it. */
function derive(action: string, frame: Frame): Ask | { prompt: string; answer: 'in-service' } {
  const pins = frame.view.ioapic.pins;
  let m = /^cpu \d+ eoi\b/.exec(action);
  if (m) return { prompt: `Does this EOI (${action}) reach the IOAPIC?`, answer: 'eoi-reaches-ioapic' };
  m = /^(?:assert|pulse) (\d+)/.exec(action);
  if (m && pins[Number(m[1])]) {
    const pin = pins[Number(m[1])];
    return { prompt: `Which vCPU takes vector ${hex2(pin.vector)}?`, answer: 'cpu', vector: pin.vector };
  }
  m = /^(?:msi|ipi)\b.*\bvector=(0x[0-9a-f]+|\d+)/i.exec(action);
  if (m) {
    const vector = Number(m[1]);
    return { prompt: `Which vCPU takes vector ${hex2(vector)}?`, answer: 'cpu', vector };
  }
  m = /^(?:cpu \d+ service|deassert|route|mask|unmask) (\d+)/.exec(action);
  if (m && pins[Number(m[1])]?.trigger === 'level') {
    const pin = Number(m[1]);
    return { prompt: `After ${action}, is remote IRR of pin ${pin} set?`, answer: 'remote-irr', pin };
  }
  return { prompt: `After ${action}, does any vCPU have a vector in service (ISR)?`, answer: 'in-service' };
}

/** The question for step `step` (1-based), asked while `frame` (the step before) is on screen. */
export function makeQuiz(info: SessionInfo, frame: Frame, step: number): Quiz {
  const st = stepAt(info.steps, step - 1);
  const q = st.ask ?? derive(st.text, frame);
  const kind: QuizKind = q.answer;
  return {
    step,
    prompt: q.prompt,
    kind,
    ...('vector' in q && q.vector !== undefined ? { vector: q.vector } : {}),
    ...('pin' in q && q.pin !== undefined ? { pin: q.pin } : {}),
    choices: kind === 'cpu' ? cpuChoices(info.vcpus) : YES_NO,
    picked: null,
    answer: null,
    why: null,
  };
}

/** The right choice and why, read from the frame of the asked step (the whole step). */
export function judge(q: Quiz, frame: Frame, note: string | undefined): { answer: number; why: string } {
  const ev = frame.events;
  const fallback = note ?? ev.at(-1)?.why ?? 'Nothing happened in this step.';
  const yesNo = (yes: boolean, why: string | undefined) => ({ answer: yes ? 0 : 1, why: why ?? fallback });
  switch (q.kind) {
    case 'cpu': {
      const accept = ev.find(
        (e) =>
          (e.type === 'kvm_apic_accept_irq' || e.type === 'savic_requested_irr') && e.vector === q.vector,
      );
      const none = q.choices.length - 1;
      if (!accept) {
        const about = ev.find((e) => e.vector === q.vector) ?? ev.find((e) => e.pin !== undefined);
        return {
          answer: none,
          why: `No vCPU accepted ${hex2(q.vector ?? 0)} in this step. ${about?.why ?? fallback}`,
        };
      }
      const named = q.choices.indexOf(`vCPU ${accept.cpu}`);
      return { answer: named >= 0 ? named : none - 1, why: `vCPU ${accept.cpu}: ${accept.why}` };
    }
    case 'remote-irr': {
      const pin = frame.view.ioapic.pins[q.pin ?? 0];
      const last = ev.findLast((e) => e.pin === q.pin && e.lane === 'ioapic');
      return yesNo(pin?.remoteIrr === 1, last?.why);
    }
    case 'eoi-reaches-ioapic': {
      const at = ev.find((e) => e.lane === 'ioapic' && /eoi|remote_irr/.test(e.type));
      const stop = ev.find((e) => /eoi/.test(e.type)) ?? ev.at(-1);
      return yesNo(at !== undefined, (at ?? stop)?.why);
    }
    case 'in-service': {
      const cpus = Object.values(frame.view.cpus);
      const busy = cpus.find((c) => c.isr.length > 0);
      return yesNo(
        busy !== undefined,
        busy ? `vCPU ${busy.cpu} has ${busy.isr.map(hex2).join(', ')} in service.` : undefined,
      );
    }
  }
}

/** The score's key: one score per preset (or scenario) title. */
export const scoreKey = (info: SessionInfo | null) => info?.title ?? '(your scenario)';
