/** The one hex formatter: the scenario language's notation (contract §3) and padded views. */
import { describe, expect, it } from 'vitest';
import { hex } from './hex.ts';

describe('hex', () => {
  it('prints the language notation, negatives with a sign', () => {
    expect(hex(0)).toBe('0x0');
    expect(hex(0x62)).toBe('0x62');
    expect(hex(0xffffffff)).toBe('0xffffffff');
    expect(hex(-1)).toBe('-0x1');
    expect(hex(-0x62)).toBe('-0x62');
  });

  it('pads to a width without cutting longer values', () => {
    expect(hex(3, 2)).toBe('0x03');
    expect(hex(0x1ff, 2)).toBe('0x1ff');
    expect(hex(0, 8)).toBe('0x00000000');
    expect(hex(-3, 2)).toBe('-0x03');
  });
});
