/** Splits one scenario line into tokens (scenario-language.md §1). */

export interface Token {
  kind: 'word' | 'string' | 'set';
  /** Word text; string contents with escapes resolved; set contents between the braces. */
  text: string;
  /** 1-based column of the token's first character. */
  col: number;
}

export class LexError extends Error {
  constructor(
    message: string,
    readonly col: number,
  ) {
    super(message);
  }
}

/**
 * The tokens of `line`. With `comment`, `comment.at` is set to the index of the `#` that starts
 * the line's comment, or -1 when it has none.
 */
export function tokenize(line: string, comment?: { at: number }): Token[] {
  const out: Token[] = [];
  if (comment) comment.at = -1;
  let i = 0;
  const n = line.length;
  while (i < n) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      if (comment) comment.at = i;
      break;
    }
    const col = i + 1;
    if (c === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= n) throw new LexError('unterminated string: a closing " is missing', col);
        const d = line[i];
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\') {
          const e = line[i + 1];
          if (e !== '"' && e !== '\\') throw new LexError('in a string only \\" and \\\\ are escapes', i + 1);
          text += e;
          i += 2;
          continue;
        }
        text += d;
        i++;
      }
      out.push({ kind: 'string', text, col });
      continue;
    }
    if (c === '{') {
      const close = line.indexOf('}', i);
      if (close < 0) throw new LexError('unterminated vector set: a closing } is missing', col);
      out.push({ kind: 'set', text: line.slice(i + 1, close), col });
      i = close + 1;
      continue;
    }
    let j = i;
    while (
      j < n &&
      line[j] !== ' ' &&
      line[j] !== '\t' &&
      line[j] !== '\r' &&
      line[j] !== '#' &&
      line[j] !== '"' &&
      line[j] !== '{'
    )
      j++;
    // `key={…}` or `key="…"` are not part of the language; the parser reports the stray token.
    out.push({ kind: 'word', text: line.slice(i, j), col });
    i = j;
  }
  return out;
}
