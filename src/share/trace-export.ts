/**
 * The event trace of a whole session as text (`trace-cmd report` lines, the kernel's
 * TP_printk formats) and as Chrome trace-event JSON that Perfetto opens: one track per vCPU
 * and one for the IOAPIC / VMM, instant events at their virtual time.
 */
import type { TraceEvent } from '../core/events.ts';
import { KVM_TRACEPOINTS } from '../core/events.ts';
import { formatTraceLine } from '../core/trace-format.ts';

export interface StepEvents {
  step: number;
  action: string;
  events: TraceEvent[];
  dropped: number;
}

export function traceText(steps: StepEvents[], why: boolean): string {
  const out: string[] = [];
  for (const s of steps) {
    out.push(`# step ${s.step}: ${s.action}`);
    for (const e of s.events) {
      out.push(formatTraceLine(e));
      if (why) out.push(`    # ${e.why}`);
    }
    if (s.dropped) out.push(`# … ${s.dropped} more events in this step`);
  }
  return `${out.join('\n')}\n`;
}

interface ChromeEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts?: number;
  s?: string;
  cat?: string;
  args?: Record<string, string | number>;
}

/** Chrome trace-event format (JSON object form); `ts` is in microseconds of virtual time. */
export function chromeTrace(
  steps: StepEvents[],
  vcpus: number,
  title: string,
): { traceEvents: ChromeEvent[]; displayTimeUnit: string; otherData: Record<string, string> } {
  const traceEvents: ChromeEvent[] = [
    { name: 'process_name', ph: 'M', pid: 1, tid: 0, args: { name: `apicscope: ${title}` } },
  ];
  traceEvents.push({ name: 'thread_name', ph: 'M', pid: 1, tid: 0, args: { name: 'IOAPIC / VMM' } });
  const used = new Set<number>();
  for (const s of steps) for (const e of s.events) if (e.cpu >= 0) used.add(e.cpu);
  for (const c of [...used].sort((a, b) => a - b)) {
    traceEvents.push({ name: 'thread_name', ph: 'M', pid: 1, tid: c + 1, args: { name: `vCPU ${c}` } });
    traceEvents.push({ name: 'thread_sort_index', ph: 'M', pid: 1, tid: c + 1, args: { sort_index: c + 1 } });
  }
  for (const s of steps) {
    for (const e of s.events) {
      traceEvents.push({
        name: e.type,
        cat: KVM_TRACEPOINTS.has(e.type) ? 'kvm' : e.type.startsWith('ioapic') ? 'ioapic' : 'apicscope',
        ph: 'i',
        s: 't',
        ts: e.time / 1000,
        pid: 1,
        tid: e.cpu >= 0 ? e.cpu + 1 : 0,
        args: { step: s.step, action: s.action, fields: e.text, why: e.why },
      });
    }
  }
  return { traceEvents, displayTimeUnit: 'ns', otherData: { generator: 'apicscope', vcpus: String(vcpus) } };
}
