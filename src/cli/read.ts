/**
 * Bounded reading of the command line's inputs: at most `limit + 1` bytes are read from any
 * file, device or pipe (so `/dev/zero` or an endless pipe ends at once), then decoded by the
 * same function as the app's (decodeExternalText).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { TextInputResult } from '../scenario/text-input.ts';
import { decodeExternalText, MAX_INPUT_BYTES } from '../scenario/text-input.ts';

const CHUNK = 1 << 16;

/** Sleeps `ms` without a busy loop (synchronous: the command line has nothing else to do). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Up to `max` bytes from an open descriptor; fewer at end of input. */
export function readAtMost(fd: number, max: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  while (total < max) {
    const buf = new Uint8Array(Math.min(CHUNK, max - total));
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      // A non-blocking standard input with nothing yet to read.
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        pause(10);
        continue;
      }
      throw e;
    }
    if (n === 0) break;
    parts.push(n === buf.length ? buf : buf.subarray(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The text of `file` (`-` is standard input), or why it cannot be had: `cannot read: …`. */
export function readTextInput(file: string, limit = MAX_INPUT_BYTES): TextInputResult {
  let bytes: Uint8Array;
  try {
    if (file === '-') bytes = readAtMost(0, limit + 1);
    else {
      const fd = openSync(file, 'r');
      try {
        bytes = readAtMost(fd, limit + 1);
      } finally {
        closeSync(fd);
      }
    }
  } catch (e) {
    return { ok: false, error: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  const r = decodeExternalText(bytes, limit);
  return r.ok ? r : { ok: false, error: `cannot read: ${r.error}` };
}
