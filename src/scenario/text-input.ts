/**
 * External text (a file from disk, a drop, an upload) to a string: one decoding for the
 * command line and the app. UTF-8 with or without a byte-order mark, UTF-16 LE or BE with
 * one; anything else, binary data or too many bytes is refused with a message. Pure: it
 * takes the bytes, so the caller decides how to read them (at most `limit + 1`).
 */

/**
 * Most bytes a scenario file may have: two per character of the longest scenario
 * (limits.ts MAX_SCENARIO_CHARS; a test ties the two). Written out so that this module imports
 * nothing: the app's UI thread decodes files with it too (a leaf of the dependency rules).
 */
export const MAX_INPUT_BYTES = 4_000_000;

export type TextEncodingName = 'utf-8' | 'utf-8 with BOM' | 'utf-16le' | 'utf-16be';

export type TextInputResult =
  | { ok: true; text: string; encoding: TextEncodingName }
  | { ok: false; error: string };

/** Where the first NUL stands, as "line L, column C" (1-based, in characters). */
function position(text: string, at: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${at - lineStart + 1}`;
}

/** Most odd or most even bytes zero (ASCII in UTF-16): UTF-16 saved without a byte-order mark. */
function looksLikeBomlessUtf16(b: Uint8Array): boolean {
  const n = Math.min(b.length, 200) & ~1;
  if (n < 4) return false;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) even++;
    if (b[i + 1] === 0) odd++;
  }
  const pairs = n / 2;
  return Math.max(even, odd) >= pairs * 0.7 && Math.min(even, odd) <= pairs * 0.1;
}

/**
 * Decodes the bytes of a scenario file. `bytes` may be the first `limit + 1` bytes of a larger
 * input: more than `limit` bytes is refused without looking further.
 */
export function decodeExternalText(bytes: Uint8Array, limit = MAX_INPUT_BYTES): TextInputResult {
  const fail = (error: string): TextInputResult => ({ ok: false, error });
  if (bytes.length > limit) return fail(`it is larger than ${limit} bytes (at most ${limit} are accepted)`);
  const b0 = bytes[0];
  const b1 = bytes[1];
  let encoding: TextEncodingName = 'utf-8';
  let body = bytes;
  if (b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf) {
    encoding = 'utf-8 with BOM';
    body = bytes.subarray(3);
  } else if (b0 === 0xff && b1 === 0xfe) {
    if (bytes[2] === 0 && bytes[3] === 0 && bytes.length >= 4)
      return fail('it is UTF-32 text, which is not supported: save it as UTF-8');
    encoding = 'utf-16le';
    body = bytes.subarray(2);
  } else if (b0 === 0xfe && b1 === 0xff) {
    encoding = 'utf-16be';
    body = bytes.subarray(2);
  } else if (b0 === 0 && b1 === 0 && bytes[2] === 0xfe && bytes[3] === 0xff)
    return fail('it is UTF-32 text, which is not supported: save it as UTF-8');
  if (encoding.startsWith('utf-16') && body.length % 2 === 1)
    return fail(`it is cut short: ${encoding.toUpperCase()} text has an even number of bytes`);
  let text: string;
  try {
    // ignoreBOM: the mark, if any, is already removed; a second one is a character.
    text = new TextDecoder(encoding.startsWith('utf-16') ? encoding : 'utf-8', {
      fatal: true,
      ignoreBOM: true,
    }).decode(body);
  } catch {
    if (encoding.startsWith('utf-16'))
      return fail(`it is not valid ${encoding.toUpperCase()} text (an unpaired surrogate)`);
    if (looksLikeBomlessUtf16(body))
      return fail('it looks like UTF-16 text without a byte-order mark: save it as UTF-8');
    return fail('it is not UTF-8 text (binary data, or another encoding): save it as UTF-8');
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    if (encoding === 'utf-8' && looksLikeBomlessUtf16(body))
      return fail('it looks like UTF-16 text without a byte-order mark: save it as UTF-8');
    return fail(`it contains a NUL character (${position(text, nul)}): it is binary data, not a scenario`);
  }
  return { ok: true, text, encoding };
}
