/** Numbers (contract §1): the scanning parser reads exactly what the regular expression did. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNumber } from './parse.ts';

/** The definition the scan replaced (for speed), kept as the reference. */
function reference(text: string): number | null {
  if (!/^(?:0x[0-9a-f]+|[0-9]+)$/i.test(text)) return null;
  const n = text.toLowerCase().startsWith('0x')
    ? Number.parseInt(text.slice(2), 16)
    : Number.parseInt(text, 10);
  return Number.isSafeInteger(n) ? n : null;
}

describe('parseNumber', () => {
  it.each([
    ['0', 0],
    ['48', 48],
    ['0x30', 0x30],
    ['0X30', 0x30],
    ['0xFFffFFff', 0xffffffff],
    ['007', 7],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['0x1fffffffffffff', Number.MAX_SAFE_INTEGER],
  ])('%s is %d', (text, n) => {
    expect(parseNumber(text)).toBe(n);
  });

  it.each([
    '',
    '0x',
    '0x-1',
    '-1',
    '+1',
    '1e3',
    '1.5',
    ' 1',
    '1 ',
    '0b1',
    '9007199254740992',
    '0x20000000000000',
    'x10',
    '١٢',
  ])('%j is not a number', (text) => {
    expect(parseNumber(text)).toBeNull();
  });

  it('agrees with the regular-expression definition on any text (property)', () => {
    const digitsOrJunk = fc.string({
      unit: fc.constantFrom(...'0123456789abcdefABCDEFxX-+. g'.split('')),
      maxLength: 24,
    });
    fc.assert(
      fc.property(
        fc.oneof(digitsOrJunk, fc.string(), fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String)),
        (t) => {
          expect(parseNumber(t)).toBe(reference(t));
          expect(parseNumber(`0x${t}`)).toBe(reference(`0x${t}`));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
