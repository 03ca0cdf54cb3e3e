/** Formats trace events as `trace-cmd report` lines (the kernel's TP_printk output after the name). */
import type { TraceEvent } from './events.ts';

const QEMU_PID = 4000;

/** `CPU 0/KVM-4001  [000]     0.000002: kvm_eoi: apicid 0 vector 98` */
export function formatTraceLine(ev: TraceEvent): string {
  const task = ev.cpu >= 0 ? `CPU ${ev.cpu}/KVM-${QEMU_PID + 1 + ev.cpu}` : `qemu-system-x86-${QEMU_PID}`;
  const cpu = String(Math.max(ev.cpu, 0) % 1000).padStart(3, '0');
  const ts = formatTimestamp(ev.time);
  return `${task.padStart(20)} [${cpu}] ${ts.padStart(12)}: ${ev.type}: ${ev.text}`;
}

/** Seconds with microsecond precision, from integer nanoseconds (no float drift). */
export function formatTimestamp(ns: number): string {
  const us = Math.floor(ns / 1000);
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
}
