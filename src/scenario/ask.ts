/**
 * `ask` (teaching mode): a question the app puts to the learner before it reveals the next
 * step. The answer is never written down: the app computes it from the model (`answer=` names
 * what to look at). Emulation ignores asks; the printer writes them back before their action.
 *
 *   ask "Which vCPU takes vector 0x62?" answer=cpu vector=0x62
 *   ask "Will remote IRR be set?" answer=remote-irr pin=10
 *   ask "Does this EOI reach the IOAPIC?" answer=eoi-reaches-ioapic
 */
import { hex } from '../core/hex.ts';
import type { Token } from './lexer.ts';

export const ASK_ANSWERS = ['cpu', 'remote-irr', 'eoi-reaches-ioapic'] as const;
export type AskAnswer = (typeof ASK_ANSWERS)[number];

export interface Ask {
  prompt: string;
  answer: AskAnswer;
  /** answer=cpu: the vector whose accepting vCPU is the answer. */
  vector?: number;
  /** answer=remote-irr: the pin whose remote IRR after the step is the answer. */
  pin?: number;
}

export class AskError extends Error {
  constructor(
    message: string,
    readonly col: number,
  ) {
    super(message);
  }
}

/** `tokens` is the whole line, `ask` included; numbers as the language writes them. */
export function parseAsk(tokens: Token[], parseNumber: (s: string) => number | null): Ask {
  const head = tokens[0];
  const p = tokens[1];
  if (p?.kind !== 'string')
    throw new AskError('ask needs a double-quoted question: ask "…" answer=…', p?.col ?? head.col);
  const kv = new Map<string, Token>();
  for (const t of tokens.slice(2)) {
    const eq = t.kind === 'word' ? t.text.indexOf('=') : -1;
    if (eq <= 0) throw new AskError(`expected key=value after the question, not '${t.text}'`, t.col);
    const k = t.text.slice(0, eq).toLowerCase();
    if (kv.has(k)) throw new AskError(`'${k}' is given twice`, t.col);
    kv.set(k, { ...t, text: t.text.slice(eq + 1), col: t.col + eq + 1 });
  }
  const a = kv.get('answer');
  if (!a) throw new AskError(`ask needs answer=${ASK_ANSWERS.join('|')}`, head.col);
  const answer = ASK_ANSWERS.find((x) => x === a.text.toLowerCase());
  if (!answer) throw new AskError(`answer must be one of ${ASK_ANSWERS.join(', ')}, not '${a.text}'`, a.col);
  const need = answer === 'cpu' ? 'vector' : answer === 'remote-irr' ? 'pin' : null;
  for (const [k, t] of kv)
    if (k !== 'answer' && k !== need)
      throw new AskError(
        `answer=${answer} takes ${need ? `${need}=` : 'no other key'}, not '${k}'`,
        t.col - k.length - 1,
      );
  const out: Ask = { prompt: p.text, answer };
  if (need) {
    const t = kv.get(need);
    if (!t) throw new AskError(`answer=${answer} needs ${need}=`, a.col);
    const n = parseNumber(t.text);
    const max = need === 'vector' ? 255 : 23;
    if (n === null || n < 0 || n > max)
      throw new AskError(`${need} must be 0..${max}, not '${t.text}'`, t.col);
    out[need] = n;
  }
  return out;
}

/** `quote` is the printer's (passed in: the printer imports this module). */
export function printAsk(a: Ask, quote: (s: string) => string): string {
  const extra =
    a.vector !== undefined ? ` vector=${hex(a.vector, 2)}` : a.pin !== undefined ? ` pin=${a.pin}` : '';
  return `ask ${quote(a.prompt)} answer=${a.answer}${extra}`;
}
