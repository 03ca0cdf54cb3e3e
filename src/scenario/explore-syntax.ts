/**
 * The parser's side of the `explore` and `invariant` statements: the expansion of `a|b`
 * alternatives over tokens. Their words, forms and printing are declared in the grammar
 * (grammar/explore.ts).
 */
import { MAX_ALTERNATIVES } from './grammar/explore.ts';
import type { Token } from './lexer.ts';

/**
 * Every combination of the alternatives in `tokens` (a word `a|b`, or `key=a|b`), the first
 * token's alternatives varying slowest; null when there are more than MAX_ALTERNATIVES. An empty
 * alternative (`a||b`, `key=|a`) is reported by the caller: it is returned as an empty string.
 */
export function expandAlternatives(tokens: Token[]): Token[][] | null {
  let out: Token[][] = [[]];
  for (const t of tokens) {
    if (t.kind !== 'word' || !t.text.includes('|')) {
      for (const o of out) o.push(t);
      continue;
    }
    const eq = t.text.indexOf('=');
    const key = eq > 0 && eq < t.text.indexOf('|') ? t.text.slice(0, eq + 1) : '';
    const alts = t.text.slice(key.length).split('|');
    if (out.length * alts.length > MAX_ALTERNATIVES) return null;
    const next: Token[][] = [];
    for (const o of out) for (const a of alts) next.push([...o, { kind: 'word', text: key + a, col: t.col }]);
    out = next;
  }
  return out;
}
