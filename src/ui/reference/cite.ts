/**
 * A text cut into runs of plain text and rule citations (`R5.6 d`, `R7.3 step 2`, `§4`, and
 * ranges such as `R8.2–R8.6`, which stand for each rule in them), so that the UI can make every
 * citation a link into the reference panel. The citations are found by the rule book's own
 * `citationsIn`, the same function the test that keeps code and book in step uses.
 */
import { citationsIn } from '../../docs/rulebook.ts';

export interface CiteTarget {
  /** `R5.6`, `R6` or `§4`. */
  id: string;
  /** A step (`2`) or lettered point (`d`), or null. */
  sub: string | null;
}

export type Run =
  | { t: 'text'; text: string }
  /** `targets` has one entry for `R5.6 d`, one per rule for a range. */
  | { t: 'cite'; text: string; targets: CiteTarget[] };

export function citationRuns(text: string): Run[] {
  const out: Run[] = [];
  let at = 0;
  const found = citationsIn(text);
  for (let k = 0; k < found.length; ) {
    const { index, length } = found[k];
    const targets: CiteTarget[] = [];
    for (; k < found.length && found[k].index === index; k++)
      targets.push({ id: found[k].id, sub: found[k].sub });
    if (index < at) continue; // overlapping matches cannot happen; be safe anyway
    if (index > at) out.push({ t: 'text', text: text.slice(at, index) });
    out.push({ t: 'cite', text: text.slice(index, index + length), targets });
    at = index + length;
  }
  if (at < text.length) out.push({ t: 'text', text: text.slice(at) });
  return out;
}

/** How a citation is named on its link: `R5.6 d`, `R7.3 step 2`. */
export function citeLabel(c: CiteTarget): string {
  if (!c.sub) return c.id;
  return /^\d+$/.test(c.sub) ? `${c.id} step ${c.sub}` : `${c.id} ${c.sub}`;
}
