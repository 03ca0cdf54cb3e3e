/**
 * The event trace of a whole session as text (`trace-cmd report` lines, the kernel's
 * TP_printk formats) and as Chrome trace-event JSON that Perfetto opens.
 */
import type { TraceEvent } from '../core/events.ts';
import { isTracepoint } from '../core/events.ts';
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

/** One event of the Chrome trace-event format (JSON object form). */
export interface ChromeEvent {
  name: string;
  ph: 'M' | 'X' | 'i' | 's' | 'f' | 'C';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  s?: 't';
  cat?: string;
  id?: number;
  bp?: 'e';
  args?: Record<string, string | number>;
}

export interface ChromeTrace {
  traceEvents: ChromeEvent[];
  displayTimeUnit: 'ns';
  otherData: Record<string, string>;
}

/** Track ids: devices/IOAPIC, KVM/userspace, then three per vCPU (events and handlers, ISR, VM exits). */
const TID_IOAPIC = 1;
const TID_KVM = 2;
const tidVcpu = (cpu: number) => 10 + cpu * 3;
const tidIsr = (cpu: number) => 11 + cpu * 3;
const tidExit = (cpu: number) => 12 + cpu * 3;

/** Every event is a slice this long (µs): flows bind to slices, and nested slices need an extent. */
const TICK = 0.001;

function tidOf(e: TraceEvent): number {
  const lane = e.lane;
  return lane === 'vcpu' ? tidVcpu(e.cpu) : lane === 'ioapic' ? TID_IOAPIC : TID_KVM;
}

/** Events that start a handler and set an ISR bit (guest takes the interrupt). */
const TAKES = new Set(['kvm_inj_virq', 'apicv_deliver', 'savic_deliver']);

function category(e: TraceEvent): string {
  if (isTracepoint(e.type)) return e.type.startsWith('kvm') ? 'kvm' : 'qemu';
  return 'apicscope';
}

/**
 * Chrome trace-event JSON for Perfetto / chrome://tracing: a named track per vCPU (with its
 * handlers as slices, its in-service vectors and its VM exits on tracks of their own), one for
 * devices and the IOAPIC and one for KVM / userspace; every event a short slice; flows along
 * cause links; counter tracks for injections, exits and each level pin's remote IRR. `ts` is
 * virtual time in microseconds, nudged by a nanosecond per event so that order is kept.
 */
export function chromeTrace(steps: StepEvents[], vcpus: number, title: string): ChromeTrace {
  return {
    traceEvents: processEvents(steps, 1, `apicscope: ${title}`),
    displayTimeUnit: 'ns',
    otherData: { generator: 'apicscope', vcpus: String(vcpus) },
  };
}

/** Compare view: each side a process of its own (A is pid 1, B pid 2), on one time axis. */
export function chromeTraceSides(
  sides: { label: string; steps: StepEvents[] }[],
  vcpus: number,
  title: string,
): ChromeTrace {
  return {
    traceEvents: sides.flatMap((s, i) => processEvents(s.steps, i + 1, `apicscope ${s.label}: ${title}`)),
    displayTimeUnit: 'ns',
    otherData: { generator: 'apicscope', vcpus: String(vcpus), sides: sides.map((s) => s.label).join(' | ') },
  };
}

/** One process: its tracks, slices, flows and counters. Flow ids are unique across processes. */
function processEvents(steps: StepEvents[], pid: number, name: string): ChromeEvent[] {
  const meta: ChromeEvent[] = [
    { name: 'process_name', ph: 'M', pid, tid: 0, args: { name } },
    { name: 'process_sort_index', ph: 'M', pid, tid: 0, args: { sort_index: pid } },
  ];
  const track = (tid: number, name: string) => {
    meta.push({ name: 'thread_name', ph: 'M', pid, tid, args: { name } });
    meta.push({ name: 'thread_sort_index', ph: 'M', pid, tid, args: { sort_index: tid } });
  };
  track(TID_IOAPIC, 'Devices / IOAPIC');
  track(TID_KVM, 'KVM / userspace (QEMU)');
  const used = new Set<number>();
  for (const s of steps) for (const e of s.events) if (e.cpu >= 0) used.add(e.cpu);
  for (const c of [...used].sort((a, b) => a - b)) {
    track(tidVcpu(c), `vCPU ${c}`);
    track(tidIsr(c), `vCPU ${c} in service (ISR)`);
    track(tidExit(c), `vCPU ${c} VM exits`);
  }

  const out: ChromeEvent[] = [];
  let ts = -Infinity;
  let flowId = 0;
  let injections = 0;
  let exits = 0;
  const remoteIrr = new Map<number, number>();
  const handlers = new Map<number, number[]>(); // cpu → start ts of the open handler frames
  const inService = new Map<string, number>(); // "cpu:vector" → start ts
  const inExit = new Map<number, { ts: number; reason: string }>();
  const counter = (name: string, at: number, value: number) =>
    out.push({ name, ph: 'C', pid, tid: 0, ts: at, args: { value } });
  const slice = (
    name: string,
    tid: number,
    from: number,
    to: number,
    cat: string,
    args?: ChromeEvent['args'],
  ) =>
    out.push({
      name,
      ph: 'X',
      pid,
      tid,
      ts: from,
      dur: Math.max(to - from, TICK),
      cat,
      ...(args ? { args } : {}),
    });
  const setRemoteIrr = (pin: number, value: number, at: number) => {
    if (remoteIrr.get(pin) === value) return;
    remoteIrr.set(pin, value);
    counter(`remote IRR pin ${pin}`, at, value);
  };

  for (const s of steps) {
    const at: number[] = [];
    s.events.forEach((e, i) => {
      ts = Math.max(ts + TICK, e.time / 1000);
      at.push(ts);
      const tid = tidOf(e);
      out.push({
        name: e.type,
        cat: category(e),
        ph: 'X',
        ts,
        dur: TICK,
        pid,
        tid,
        args: { step: s.step, index: i, action: s.action, fields: e.text, why: e.why },
      });
      if (e.cause !== null && at[e.cause] !== undefined) {
        const from = s.events[e.cause];
        flowId++;
        out.push({
          name: 'cause',
          cat: 'cause',
          ph: 's',
          id: pid * 1e9 + flowId,
          pid,
          tid: tidOf(from),
          ts: at[e.cause],
        });
        out.push({ name: 'cause', cat: 'cause', ph: 'f', bp: 'e', id: pid * 1e9 + flowId, pid, tid, ts });
      }
      const f = e.fields as Record<string, number | boolean | string | undefined>;
      if (TAKES.has(e.type) && e.vector !== undefined) {
        counter('injections', ts, ++injections);
        const open = handlers.get(e.cpu) ?? [];
        open.push(ts);
        handlers.set(e.cpu, open);
        inService.set(`${e.cpu}:${e.vector}`, ts);
      } else if (e.type === 'guest_iret' && e.vector !== undefined) {
        const start = handlers.get(e.cpu)?.pop();
        if (start !== undefined)
          slice(`handler 0x${e.vector.toString(16)}`, tidVcpu(e.cpu), start, ts + TICK, 'guest');
      } else if (
        (e.type === 'kvm_eoi' || e.type === 'apicv_eoi' || e.type === 'savic_eoi') &&
        e.vector !== undefined
      ) {
        const key = `${e.cpu}:${e.vector}`;
        const start = inService.get(key);
        if (start !== undefined) {
          inService.delete(key);
          slice(`ISR 0x${e.vector.toString(16)}`, tidIsr(e.cpu), start, ts, 'lapic');
        }
      } else if (e.type === 'kvm_exit') {
        counter('exits', ts, ++exits);
        inExit.set(e.cpu, { ts, reason: String(f.reason) });
      } else if (e.type === 'kvm_entry') {
        const x = inExit.get(e.cpu);
        if (x) {
          inExit.delete(e.cpu);
          slice(`exit ${x.reason}`, tidExit(e.cpu), x.ts, ts, 'kvm');
        }
      }
      if (e.pin !== undefined) {
        if (e.type === 'ioapic_delivered' && f.trigger) setRemoteIrr(e.pin, Number(f.remoteIrr), ts);
        else if (e.type === 'ioapic_service' && f.qemu && f.trigger) setRemoteIrr(e.pin, 1, ts);
        else if (e.type === 'remote_irr_clear' || e.type === 'ioapic_clear_remote_irr')
          setRemoteIrr(e.pin, 0, ts);
        else if (e.type === 'ioapic_write_rte' && f.trigger) setRemoteIrr(e.pin, Number(f.remoteIrr), ts);
      }
    });
  }
  // What is still open at the end is drawn up to the last event.
  const end = ts + TICK;
  for (const [cpu, open] of handlers)
    for (const start of open) slice('handler (running)', tidVcpu(cpu), start, end, 'guest');
  for (const [key, start] of inService) {
    const [cpu, vector] = key.split(':').map(Number);
    slice(`ISR 0x${vector.toString(16)} (in service)`, tidIsr(cpu), start, end, 'lapic');
  }
  for (const [cpu, x] of inExit) slice(`exit ${x.reason}`, tidExit(cpu), x.ts, end, 'kvm');
  out.sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0));
  return [...meta, ...out];
}
