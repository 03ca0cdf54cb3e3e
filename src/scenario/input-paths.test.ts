/**
 * Input paths that the other scenario tests leave open (mutation survivors, docs/mutation-survivors.md):
 * - text-input.ts: which leading bytes are a byte-order mark (and which merely look like one),
 *   UTF-32 marks, the exact refusals (cut short, NUL with its line and column, BOM-less UTF-16)
 *   and the thresholds of the BOM-less UTF-16 guess;
 * - ask.ts: parseAsk's refusals (non-word tokens, `=x`, a key given twice, keys an answer does
 *   not take) and the bounds of vector= and pin=;
 * - print.ts: printCheck of a negative non-`stale` value;
 * - expect.ts: `expect kvm apicv` and `expect vm` checks that fail.
 * Each test was checked against hand-applied mutants of those lines (it fails with the mutant).
 */
import { describe, expect, it } from 'vitest';
import { failures } from '../replay/testing.ts';
import { AskError, parseAsk } from './ask.ts';
import type { Check } from './ast.ts';
import { parseNumber } from './grammar/values.ts';
import { tokenize } from './lexer.ts';
import { printCheck } from './print.ts';
import { decodeExternalText } from './text-input.ts';

const bytes = (...b: number[]) => new Uint8Array(b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
/** UTF-16LE code units of an ASCII string, without a mark. */
const le16 = (s: string) => [...s].flatMap((c) => [c.charCodeAt(0), 0]);

const NOT_UTF8 = 'it is not UTF-8 text (binary data, or another encoding): save it as UTF-8';
const UTF32 = 'it is UTF-32 text, which is not supported: save it as UTF-8';
const BOMLESS = 'it looks like UTF-16 text without a byte-order mark: save it as UTF-8';
const nulAt = (where: string) => `it contains a NUL character (${where}): it is binary data, not a scenario`;

describe('decodeExternalText: byte-order marks', () => {
  it.each([
    // Valid UTF-8 whose bytes share two of EF BB BF: not a mark.
    ['a¿ (BF third)', [0x61, 0xc2, 0xbf], 'a¿'],
    ['U+FFFF (EF, BF, BF)', [0xef, 0xbf, 0xbf], '\uffff'],
    ['U+1EFF (E1, BB, BF)', [0xe1, 0xbb, 0xbf], '\u1eff'],
    ['U+FEFE (EF, BB, BE)', [0xef, 0xbb, 0xbe], '\ufefe'],
  ])('%s is plain UTF-8', (_, b, text) => {
    expect(decodeExternalText(bytes(...b))).toEqual({ ok: true, text, encoding: 'utf-8' });
  });

  it.each([
    // Half a UTF-16 mark is not one: the byte is invalid UTF-8.
    ['41 FE', [0x41, 0xfe]],
    ['FF 41', [0xff, 0x41]],
    ['FE 41', [0xfe, 0x41]],
    ['41 FF', [0x41, 0xff]],
    // Parts of the UTF-32BE mark 00 00 FE FF.
    ['41 41 FE FF', [0x41, 0x41, 0xfe, 0xff]],
    ['00 41 FE FF', [0x00, 0x41, 0xfe, 0xff]],
    ['41 00 FE FF', [0x41, 0x00, 0xfe, 0xff]],
    ['00 00 41 FF', [0x00, 0x00, 0x41, 0xff]],
    ['00 00 FE 41', [0x00, 0x00, 0xfe, 0x41]],
  ])('%s is refused as not UTF-8', (_, b) => {
    expect(decodeExternalText(bytes(...b))).toEqual({ ok: false, error: NOT_UTF8 });
  });

  it.each([
    ['UTF-32LE mark alone', [0xff, 0xfe, 0, 0]],
    ['UTF-32LE "A"', [0xff, 0xfe, 0, 0, 0x41, 0, 0, 0]],
    ['UTF-32BE mark alone', [0, 0, 0xfe, 0xff]],
  ])('%s is refused as UTF-32', (_, b) => {
    expect(decodeExternalText(bytes(...b))).toEqual({ ok: false, error: UTF32 });
  });

  it.each([
    ['FF FE 41 00', [0xff, 0xfe, 0x41, 0x00], 'A'],
    ['FF FE 00 41', [0xff, 0xfe, 0x00, 0x41], '\u4100'],
  ])('%s is UTF-16LE: a UTF-32LE mark needs two zero bytes', (_, b, text) => {
    expect(decodeExternalText(bytes(...b))).toEqual({ ok: true, text, encoding: 'utf-16le' });
  });

  it.each([
    ['utf-8 with BOM', [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x41]],
    ['utf-16le', [0xff, 0xfe, 0xff, 0xfe, 0x41, 0x00]],
    ['utf-16be', [0xfe, 0xff, 0xfe, 0xff, 0x00, 0x41]],
  ] as const)('%s: a second mark is a character of the text', (encoding, b) => {
    expect(decodeExternalText(bytes(...b))).toEqual({ ok: true, text: '\ufeffA', encoding });
  });

  it.each([
    ['UTF-16LE', [0xff, 0xfe, 0x41]],
    ['UTF-16BE', [0xfe, 0xff, 0x00, 0x41, 0x00]],
  ])('an odd number of %s bytes is cut short', (name, b) => {
    expect(decodeExternalText(bytes(...b))).toEqual({
      ok: false,
      error: `it is cut short: ${name} text has an even number of bytes`,
    });
  });
});

describe('decodeExternalText: NUL characters and BOM-less UTF-16', () => {
  it.each([
    ['a NUL after a newline at index 0', ascii('\n\0'), 'line 2, column 1'],
    ['a NUL in two bytes (too few to guess UTF-16)', ascii('A\0'), 'line 1, column 2'],
    ['a lone NUL', [0], 'line 1, column 1'],
    // The guess reads whole pairs only: the fifth byte (a NUL) is not counted.
    ['NUL, AAA, NUL', ascii('\0AAA\0'), 'line 1, column 1'],
    // 10 pairs, 6 with a zero odd byte: below 70 %.
    ['6 of 10 odd bytes zero', [...le16('AAAAAA'), ...ascii('AAAAAAAA')], 'line 1, column 2'],
    // 10 pairs, all odd bytes zero and 2 even ones: above 10 %.
    ['2 of 10 even bytes zero', [0, 0, 0, 0, ...le16('AAAAAAAA')], 'line 1, column 1'],
  ])('%s is refused with its position', (_, b, where) => {
    expect(decodeExternalText(bytes(...b))).toEqual({ ok: false, error: nulAt(where) });
  });

  it.each([
    ['four bytes A\\0B\\0', le16('AB')],
    // Exactly 70 % of the odd bytes zero (7 of 10 pairs), none of the even ones.
    ['7 of 10 odd bytes zero', [...le16('AAAAAAA'), ...ascii('AAAAAA')]],
    // All odd bytes zero and exactly 10 % of the even ones (1 of 10 pairs).
    ['1 of 10 even bytes zero', [0, 0, ...le16('AAAAAAAAA')]],
  ])('%s looks like UTF-16 without a mark', (_, b) => {
    expect(decodeExternalText(bytes(...b))).toEqual({ ok: false, error: BOMLESS });
  });

  it.each([
    ['utf-8 with BOM', [0xef, 0xbb, 0xbf, ...le16('AB')], 'line 1, column 2'],
    ['utf-16le', [0xff, 0xfe, ...le16('ABCDEFGHI\0')], 'line 1, column 10'],
  ])('%s with a NUL is binary data, never BOM-less UTF-16', (_, b, where) => {
    expect(decodeExternalText(bytes(...b))).toEqual({ ok: false, error: nulAt(where) });
  });
});

/** parseAsk of a whole `ask` line, with the language's numbers unless told. */
const ask = (line: string, num: (s: string) => number | null = parseNumber) => parseAsk(tokenize(line), num);
/** A parseNumber that also reads a minus sign (parseAsk takes any). */
const signed = (s: string) => (/^-?[0-9]+$/.test(s) ? Number(s) : null);

function askError(line: string, num?: (s: string) => number | null): { message: string; col: number } {
  try {
    ask(line, num);
  } catch (e) {
    if (e instanceof AskError) return { message: e.message, col: e.col };
    throw e;
  }
  throw new Error(`no error for ${line}`);
}

describe('parseAsk', () => {
  it.each([
    ['ask "Q" "x"', "expected key=value after the question, not 'x'", 9],
    ['ask "Q" answer=cpu "vector=1"', "expected key=value after the question, not 'vector=1'", 20],
    ['ask "Q" answer=cpu {vector=1}', "expected key=value after the question, not 'vector=1'", 20],
    ['ask "Q" =x answer=cpu vector=1', "expected key=value after the question, not '=x'", 9],
    ['ask "Q" answer=cpu answer=cpu vector=1', "'answer' is given twice", 20],
    [
      'ask "Q" answer=eoi-reaches-ioapic pin=1',
      "answer=eoi-reaches-ioapic takes no other key, not 'pin'",
      35,
    ],
    ['ask "Q" answer=remote-irr pin=24', "pin must be 0..23, not '24'", 31],
    ['ask "Q" answer=remote-irr pin=zz', "pin must be 0..23, not 'zz'", 31],
    ['ask "Q" answer=cpu vector=256', "vector must be 0..255, not '256'", 27],
  ])('%s is refused', (line, message, col) => {
    expect(askError(line)).toEqual({ message, col });
  });

  it('refuses a negative number from any parseNumber', () => {
    expect(askError('ask "Q" answer=remote-irr pin=-1', signed)).toEqual({
      message: "pin must be 0..23, not '-1'",
      col: 31,
    });
  });

  it.each([
    ['ask "Q" answer=remote-irr pin=0', { prompt: 'Q', answer: 'remote-irr', pin: 0 }],
    ['ask "Q" answer=remote-irr pin=23', { prompt: 'Q', answer: 'remote-irr', pin: 23 }],
    ['ask "Q" answer=cpu vector=0', { prompt: 'Q', answer: 'cpu', vector: 0 }],
    ['ask "Q" answer=cpu vector=0xff', { prompt: 'Q', answer: 'cpu', vector: 255 }],
  ])('%s is accepted at the bound', (line, out) => {
    expect(ask(line)).toEqual(out);
  });
});

describe('printCheck and evaluateCheck', () => {
  it('prints -1 as -1 only for stale', () => {
    const stale: Check = { kind: 'cpu-value', cpu: 0, reg: 'stale', value: -1 };
    const ppr: Check = { kind: 'cpu-value', cpu: 0, reg: 'ppr', value: -1 };
    expect([printCheck(stale), printCheck(ppr)]).toEqual(['cpu 0 stale = -1', 'cpu 0 ppr = -0x1']);
  });

  it('kvm apicv and vm checks fail when the value differs', () => {
    const text =
      'vcpus 1\nexpect kvm apicv = active\nexpect kvm apicv = off\nexpect vm migration = completed\nexpect vm leg = 1\n';
    expect(failures(text)).toEqual([
      '2: expected kvm apicv = active, got off',
      '4: expected vm migration = completed, got none',
      '5: expected vm leg = 1, got 0',
    ]);
  });
});
