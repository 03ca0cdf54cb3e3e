/**
 * The one state diff: what differs between two vCPU details, as the step view rings it (the
 * state before and after a step, in the worker) and as the compare view lists it (column A and
 * column B, on the UI thread). Pure and free of the emulator, so both threads load it.
 */
import type { CpuChange, CpuDetail } from './protocol.ts';
import { CPU_SETS } from './protocol.ts';

/** The scalar fields compared, in display order. */
export const CPU_FIELDS = ['tpr', 'ppr', 'spiv', 'lvr', 'if', 'stale', 'ldr', 'dfr', 'apicId'] as const;

/** Vectors in exactly one of two ascending vector lists, ascending. */
export function vectorDiff(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
    else if (i >= a.length || b[j] < a[i]) out.push(b[j++]);
    else {
      i++;
      j++;
    }
  }
  return out;
}

export function sameVectors(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What differs between two details of a vCPU, or null when nothing the views show does. */
export function cpuDiff(a: CpuDetail, b: CpuDetail): CpuChange | null {
  const sets: CpuChange['sets'] = {};
  for (const k of CPU_SETS) {
    const d = vectorDiff(a[k], b[k]);
    if (d.length) sets[k] = d;
  }
  const fields: string[] = CPU_FIELDS.filter((k) => a[k] !== b[k]);
  const pv = (c: CpuDetail) => `${c.pvEoi.enabled} ${c.pvEoi.guestByte} ${c.pvEoi.pending}`;
  if (pv(a) !== pv(b)) fields.push('pvEoi');
  if (!sameVectors(a.handlers, b.handlers)) fields.push('handlers');
  if (a.requests.join() !== b.requests.join()) fields.push('requests');
  return Object.keys(sets).length || fields.length ? { sets, fields } : null;
}
