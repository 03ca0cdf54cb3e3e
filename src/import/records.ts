/**
 * Splits the text of a trace into records: `trace-cmd report` lines (`COMM-PID [CPU] TS: name:
 * fields`, with or without ftrace's flags column), `perf script` lines (`COMM PID [CPU] TS:
 * sys:name: fields`), QEMU's log backend (`PID@TS:name fields`) and QEMU's ftrace backend
 * (`print: tracing_mark_write: name fields`). Mail artefacts are undone first: quote markers,
 * CRLF, tabs and non-breaking spaces, quoted-printable soft breaks, and lines wrapped by a mail
 * client (a line that is no record continues the record above it). Pure: no Node APIs.
 */

export type TraceTool = 'trace-cmd' | 'perf' | 'qemu-log' | 'ftrace-marker';

export interface TraceRecord {
  /** Index in the record list. */
  index: number;
  /** First physical line (1-based) and every physical line it spans (wrapped mail lines). */
  line: number;
  lines: number[];
  comm: string;
  /** Thread id (the PID column of trace-cmd, the TID of perf); -1 when the line has none. */
  pid: number;
  /** Host CPU of the ring buffer; -1 when unknown. */
  hostCpu: number;
  /** Timestamp in nanoseconds (from the seconds printed), -1 when the line has none. */
  ts: number;
  /** The event name without its system (`kvm_eoi`, `ioapic_set_irq`). */
  name: string;
  body: string;
  tool: TraceTool;
  /** Wrapped records: the body of the first line, then each continuation line (trimmed). */
  parts?: string[];
}

/** What became of each physical line (for the summary: lines used, skipped and why). */
export type LineKind = 'record' | 'blank' | 'header' | 'garbled';

export interface SplitTrace {
  records: TraceRecord[];
  /** Per physical line (index 0 = line 1). */
  lineKinds: LineKind[];
  lineCount: number;
}

const QEMU_NAMES = new Set([
  'ioapic_set_irq',
  'ioapic_set_remote_irr',
  'ioapic_clear_remote_irr',
  'ioapic_eoi_broadcast',
  'ioapic_eoi_delayed_reassert',
  'ioapic_mem_read',
  'ioapic_mem_write',
]);

/** `COMM-PID [CPU] [FLAGS] TS: [sys:]name: body` (trace-cmd report, ftrace's trace file). */
const TRACE_CMD =
  /^\s*(.{1,24}?)-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[(\d{1,5})\]\s+(?:[a-zA-Z.0-9]{4,6}\s+)?(\d+\.\d+):\s+(?:(\w+):(?!\s))?(\w+):\s*(.*)$/;
/** `COMM-PID CPU#FLAGS TS: name: body` (trace-cmd report -l, the latency format). */
const LATENCY =
  /^\s*(.{1,24}?)-(\d+)\s+(\d{1,5})([a-zA-Z.0-9]{3,5})\s+(\d+\.\d+):\s+(?:(\w+):(?!\s))?(\w+):\s*(.*)$/;
/** `COMM PID[/TID] [CPU] TS: [PERIOD] sys:name: body` (perf script). */
const PERF =
  /^\s*(.{1,24}?)\s+(\d+)(?:\/(\d+))?\s+\[(\d{1,5})\]\s+(\d+\.\d+):\s+(?:\d+\s+)?(\w+):(\w+):\s*(.*)$/;
/** `PID@TS:name body` (QEMU's log backend), or a bare `name body` of QEMU's IOAPIC events. */
const QEMU_LOG = /^\s*(?:(\d+)@(\d+\.\d+):)?(ioapic_\w+)\s+(.*)$/;

const HEADER =
  /^\s*(#|cpus=\d+|version\s*=|CPU:?\s*\d+\s+is empty|CPU\s*\d+\s+data recorded|.*\[LOST \d+ EVENTS\]|TRACE-CMD|trace-cmd:|Bad event)/i;

/** Seconds as printed ("18136.763622") to integer nanoseconds, without float drift. */
export function secondsToNs(s: string): number {
  const [whole, frac = ''] = s.split('.');
  return Number(whole) * 1e9 + Number(frac.slice(0, 9).padEnd(9, '0'));
}

function plausibleComm(c: string): boolean {
  const t = c.trim();
  return t.length > 0 && t.length <= 24 && !/[()|=:]/.test(t);
}

type Head = Omit<TraceRecord, 'index' | 'line' | 'lines'>;

/** The record a (logical) line starts, or null. */
export function parseRecordLine(text: string): Head | null {
  let m = TRACE_CMD.exec(text);
  if (m && plausibleComm(m[1])) {
    const head: Head = {
      comm: m[1].trim(),
      pid: Number(m[2]),
      hostCpu: Number(m[3]),
      ts: secondsToNs(m[4]),
      name: m[6],
      body: m[7].trim(),
      tool: 'trace-cmd',
    };
    return unwrapMarker(head);
  }
  m = LATENCY.exec(text);
  if (m && plausibleComm(m[1]))
    return unwrapMarker({
      comm: m[1].trim(),
      pid: Number(m[2]),
      hostCpu: Number(m[3]),
      ts: secondsToNs(m[5]),
      name: m[7],
      body: m[8].trim(),
      tool: 'trace-cmd',
    });
  m = PERF.exec(text);
  if (m && plausibleComm(m[1])) {
    const head: Head = {
      comm: m[1].trim(),
      pid: Number(m[3] ?? m[2]),
      hostCpu: Number(m[4]),
      ts: secondsToNs(m[5]),
      name: m[7],
      body: m[8].trim(),
      tool: 'perf',
    };
    return unwrapMarker(head);
  }
  m = QEMU_LOG.exec(text);
  if (m && QEMU_NAMES.has(m[3]))
    return {
      comm: 'qemu',
      pid: m[1] ? Number(m[1]) : -1,
      hostCpu: -1,
      ts: m[2] ? secondsToNs(m[2]) : -1,
      name: m[3],
      body: m[4].trim(),
      tool: 'qemu-log',
    };
  return null;
}

/** QEMU's ftrace backend writes its events to trace_marker: `print: tracing_mark_write: NAME …`. */
function unwrapMarker(h: Head): Head {
  if (h.name !== 'print' && h.name !== 'bprint' && h.name !== 'bputs' && h.name !== 'tracing_mark_write')
    return h;
  const inner = h.body
    .replace(/^\(?tracing_mark_write\)?:?\s*/, '')
    .replace(/^(0x)?[0-9a-f]{6,16}s?:\s*/, '')
    .trim();
  const m = /^(ioapic_\w+)[:\s]\s*(.*)$/.exec(inner);
  if (!m || !QEMU_NAMES.has(m[1])) return h;
  return { ...h, name: m[1], body: m[2].trim(), tool: 'ftrace-marker' };
}

/** Logical lines: quote markers, CR, tabs and NBSP undone, quoted-printable soft breaks joined. */
function logicalLines(text: string): { text: string; lines: number[] }[] {
  const raw = text.replace(/\r\n?/g, '\n').split('\n');
  if (raw.length && raw[raw.length - 1] === '') raw.pop();
  const qp = /=3D|=20\s*$/m.test(text);
  // A trace pasted from a web archive may come HTML-escaped.
  const html = /&gt;|&lt;|&amp;/.test(text);
  const out: { text: string; lines: number[] }[] = [];
  let carry: { text: string; lines: number[] } | null = null;
  raw.forEach((r, i) => {
    let t = html ? r.replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&') : r;
    t = t.replace(/^(\s*>)+ ?/, '').replace(/[\t\u00a0]/g, ' ');
    if (qp) t = t.replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    const soft = qp && /=$/.test(r) && !/=3D$/.test(r);
    if (soft) t = t.slice(0, -1);
    if (carry) {
      carry.text += t;
      carry.lines.push(i + 1);
    } else carry = { text: t, lines: [i + 1] };
    if (!soft) {
      out.push({ text: carry.text.replace(/\s+$/, ''), lines: carry.lines });
      carry = null;
    }
  });
  if (carry) out.push(carry);
  return out;
}

export function splitTrace(text: string): SplitTrace {
  const logical = logicalLines(text);
  const lineCount = logical.length ? logical[logical.length - 1].lines.at(-1)! : 0;
  const lineKinds: LineKind[] = new Array(lineCount).fill('garbled');
  const records: TraceRecord[] = [];
  const mark = (lines: number[], k: LineKind) => {
    for (const l of lines) lineKinds[l - 1] = k;
  };
  // The record the previous logical line belonged to (a wrapped line continues it).
  let open: TraceRecord | null = null;
  for (let i = 0; i < logical.length; i++) {
    const { text: t, lines } = logical[i];
    if (t.trim() === '') {
      mark(lines, 'blank');
      open = null;
      continue;
    }
    if (HEADER.test(t)) {
      mark(lines, 'header');
      open = null;
      continue;
    }
    let head = parseRecordLine(t);
    let span = lines;
    if (!head && i + 1 < logical.length && !parseRecordLine(logical[i + 1].text)) {
      // A prefix wrapped before its event: this line and the next one make one record.
      const joined = parseRecordLine(`${t} ${logical[i + 1].text.trim()}`);
      if (joined) {
        head = joined;
        span = [...lines, ...logical[i + 1].lines];
        i++;
      }
    }
    if (head) {
      open = { index: records.length, line: span[0], lines: [...span], ...head };
      records.push(open);
      mark(span, 'record');
      continue;
    }
    if (open) {
      // A line the mail client wrapped off the record above.
      open.parts = [...(open.parts ?? [open.body]), t.trim()];
      open.body = open.parts.join(' ').trim();
      open.lines.push(...lines);
      mark(lines, 'record');
      continue;
    }
    mark(lines, 'garbled');
  }
  return { records, lineKinds, lineCount };
}
