/**
 * Reading one typed-in value as the language would, with the parser's wording for what is
 * wrong: the UI's forms build typed actions from their fields with these (the parser, in the
 * worker, checks the whole scenario again).
 */
import { DURATION_RE, MAX_DURATION_NS, NAME_RE, parseDuration, parseNumber } from './values.ts';

export type Read<T> = { ok: true; value: T } | { ok: false; error: string };

/** A range's upper end as the messages write it: register widths in hex, counts in decimal. */
export function formatRange(max: number): string {
  const mask = max > 0xffff && Number.isInteger(Math.log2(max + 1));
  return mask ? `0x${max.toString(16)}` : String(max);
}

/** A decimal or hex number within `range`; `what` names it in the message (`vector`). */
export function readNumber(text: string, what: string, range: { min: number; max: number }): Read<number> {
  const t = text.trim();
  if (t === '') return { ok: false, error: `${what} is missing` };
  const n = parseNumber(t);
  if (n === null) return { ok: false, error: `'${t}' is not a number: write decimal (48) or hex (0x30)` };
  if (n < range.min || n > range.max)
    return { ok: false, error: `${what} ${t} is out of range ${range.min}–${formatRange(range.max)}` };
  return { ok: true, value: n };
}

/** A duration (`10ms`, `500us`), in ns. */
export function readDuration(text: string): Read<number> {
  const t = text.trim();
  const ns = parseDuration(t);
  if (ns !== null) return { ok: true, value: ns };
  if (!DURATION_RE.test(t))
    return {
      ok: false,
      error: `'${t}' is not a duration: a whole number with a unit ns, us, µs, ms or s (e.g. 10ms)`,
    };
  return { ok: false, error: `duration ${t} is too long (at most ${MAX_DURATION_NS / 1e9} s)` };
}

/** A snapshot name. */
export function readName(text: string): Read<string> {
  const t = text.trim();
  return NAME_RE.test(t)
    ? { ok: true, value: t }
    : { ok: false, error: `snapshot name '${t}' may use only letters, digits, '_', '.' and '-'` };
}
