/** `expect` checks (contract §7): whether each holds, and the actual value a failure quotes. */
import { describe, expect, it } from 'vitest';
import { failures } from '../replay/testing.ts';

const SETUP = `vcpus 2
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
msi dest=1 vector=0x31
`;

/** The failure line of one expectation after SETUP (empty when it holds). */
const got = (check: string) => failures(`${SETUP}expect ${check}\n`);

describe('expect', () => {
  it.each([
    ['cpu 0 isr = {0x62}'],
    ['cpu 0 isr has 0x62'],
    ['cpu 0 isr lacks 0x31'],
    ['cpu 0 tmr = {0x62}'],
    ['cpu 0 ppr = 0x60'],
    ['cpu 0 if = 0'],
    ['cpu 1 if = 0'],
    ['cpu 0 stale = -1'],
    ['cpu 0 pv-eoi-pending = 0'],
    ['ioapic 10 remote-irr = 1'],
    ['ioapic 10 vector = 0x62'],
    ['ioapic 10 trigger = level'],
    ['ioapic 3 trigger = edge'],
    ['ioapic version = 0x170020'],
    ['kvm seoib = quirked'],
    ['count injections = 2'],
    ['count injections >= 2'],
    ['count injections <= 2'],
    ['count injections cpu=1 vector=0x31 = 1'],
  ])('%s holds', (check) => {
    expect(got(check)).toEqual([]);
  });

  it.each([
    ['cpu 0 isr = {0x31}', '{0x62}'],
    ['cpu 0 isr has 0x31', '{0x62}'],
    ['cpu 0 isr lacks 0x62', '{0x62}'],
    ['cpu 1 irr = {0x31}', '{}'],
    ['cpu 0 ppr = 0x50', '0x60'],
    ['cpu 0 if = 1', '0'],
    ['cpu 0 stale = 0x62', '-1'],
    ['cpu 0 pv-eoi-pending = 1', '0'],
    ['cpu 0 spiv = 0xff', '0x1ff'],
    ['ioapic 10 remote-irr = 0', '1'],
    ['ioapic 10 vector = 0x63', '0x62'],
    ['ioapic 10 trigger = edge', 'level'],
    ['ioapic 3 trigger = level', 'edge'],
    ['ioapic 10 line = 0', '1'],
    ['ioapic version = 0x170011', '0x170020'],
    ['kvm seoib = enabled', 'quirked'],
    ['count injections = 3', '2'],
    ['count injections >= 3', '2'],
    ['count injections <= 1', '2'],
  ])('%s fails and quotes %s', (check, actual) => {
    expect(got(check)).toEqual([`5: expected ${check}, got ${actual}`]);
  });
});
