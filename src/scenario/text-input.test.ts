/** One decoding of external text for the command line and the app (issue 14, item 4). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SCENARIO_CHARS } from './limits.ts';
import { decodeExternalText, MAX_INPUT_BYTES } from './text-input.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
function utf16(s: string, le: boolean, bom = true): Uint8Array {
  const out = new Uint8Array((s.length + (bom ? 1 : 0)) * 2);
  const dv = new DataView(out.buffer);
  let o = 0;
  if (bom) {
    dv.setUint16(0, 0xfeff, le);
    o = 2;
  }
  for (let i = 0; i < s.length; i++, o += 2) dv.setUint16(o, s.charCodeAt(i), le);
  return out;
}
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

const SCENARIO = 'title "µ ü 😀"\nvcpus 1\nmsi dest=0 vector=0x31\n';

describe('decodeExternalText', () => {
  it('reads UTF-8 with and without a byte-order mark, and UTF-16 LE and BE with one', () => {
    expect(decodeExternalText(utf8(SCENARIO))).toEqual({ ok: true, text: SCENARIO, encoding: 'utf-8' });
    expect(decodeExternalText(cat(new Uint8Array([0xef, 0xbb, 0xbf]), utf8(SCENARIO)))).toEqual({
      ok: true,
      text: SCENARIO,
      encoding: 'utf-8 with BOM',
    });
    expect(decodeExternalText(utf16(SCENARIO, true))).toEqual({
      ok: true,
      text: SCENARIO,
      encoding: 'utf-16le',
    });
    expect(decodeExternalText(utf16(SCENARIO, false))).toEqual({
      ok: true,
      text: SCENARIO,
      encoding: 'utf-16be',
    });
    expect(decodeExternalText(new Uint8Array(0))).toEqual({ ok: true, text: '', encoding: 'utf-8' });
  });

  it('round-trips any text in every supported encoding (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => {
        const text = s.replaceAll('\0', '');
        // Plain UTF-8 text that itself starts with U+FEFF cannot be told from a marked one.
        const plain = text.startsWith('\ufeff') ? [] : [utf8(text)];
        for (const bytes of [...plain, utf16(text, true), utf16(text, false)]) {
          const r = decodeExternalText(bytes);
          expect(r.ok && r.text).toBe(text);
        }
      }),
    );
  });

  const refused: [string, Uint8Array, RegExp][] = [
    [
      'binary with NUL',
      cat(utf8('vcpus 1\nab'), new Uint8Array([0, 1, 2])),
      /NUL character \(line 2, column 3\).*binary/,
    ],
    ['invalid UTF-8', new Uint8Array([0x76, 0xc3, 0x28, 0x0a]), /not UTF-8 text/],
    ['a PNG header', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), /not UTF-8 text/],
    ['zeros', new Uint8Array(64), /NUL character \(line 1, column 1\)/],
    ['UTF-16 without a mark', utf16(SCENARIO, true, false), /UTF-16 text without a byte-order mark/],
    ['UTF-16BE without a mark', utf16(SCENARIO, false, false), /UTF-16 text without a byte-order mark/],
    ['odd UTF-16', utf16(SCENARIO, true).subarray(0, 11), /cut short/],
    ['unpaired surrogate', utf16('a\ud800b', true), /not valid UTF-16LE/],
    ['UTF-32LE', new Uint8Array([0xff, 0xfe, 0, 0, 0x41, 0, 0, 0]), /UTF-32/],
    ['UTF-32BE', new Uint8Array([0, 0, 0xfe, 0xff, 0, 0, 0, 0x41]), /UTF-32/],
  ];
  it.each(refused)('refuses %s with a message', (_what, bytes, message) => {
    const r = decodeExternalText(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(message);
      expect(r.error).not.toMatch(/\n\s+at /);
    }
  });

  it('refuses more than the limit without decoding (the reader passes limit + 1 bytes)', () => {
    expect(MAX_INPUT_BYTES).toBe(2 * MAX_SCENARIO_CHARS);
    expect(decodeExternalText(new Uint8Array(11), 10)).toEqual({
      ok: false,
      error: 'it is larger than 10 bytes (at most 10 are accepted)',
    });
    expect(decodeExternalText(utf8('0123456789'), 10).ok).toBe(true);
  });
});
