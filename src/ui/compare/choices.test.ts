/** Compare's choices (issue 12.6): rows from the grammar's keys, validated with a reason. */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../core/config.ts';
import { applySetting } from '../../scenario/settings.ts';
import { COMPARE_KEYS, rowsOf, settingsOf, valuesOf } from './choices.ts';

describe('compare choices', () => {
  it('offer every KVM switch first, each value a --set the command line accepts', () => {
    expect(COMPARE_KEYS[0].key).toBe('kvm.stale-eoi-rescan');
    expect(COMPARE_KEYS.map((k) => k.key)).toContain('kvm.vector-hashing');
    for (const k of COMPARE_KEYS)
      for (const v of valuesOf(k.key))
        expect(applySetting(defaultConfig(), `${k.key}=${v}`), k.key).toBeNull();
    expect(valuesOf('kvm.seoib')).toEqual(['quirked', 'enabled', 'disabled', 'auto']);
    expect(valuesOf('kvm.storm-limit')).toEqual([]);
  });

  it('make settings from complete rows, skipping empty ones', () => {
    expect(
      settingsOf([
        { key: 'kvm.stale-eoi-rescan', value: 'off' },
        { key: '', value: '' },
        { key: 'kvm.storm-limit', value: ' 0x10 ' },
      ]),
    ).toEqual({ ok: true, settings: ['kvm.stale-eoi-rescan=off', 'kvm.storm-limit=0x10'] });
    expect(rowsOf(['kvm.seoib=auto', 'apicv=on'])).toEqual([
      { key: 'kvm.seoib', value: 'auto' },
      { key: 'apicv', value: 'on' },
    ]);
  });

  it('say what is wrong instead of doing nothing', () => {
    const err = (rows: { key: string; value: string }[]) => {
      const r = settingsOf(rows);
      return r.ok ? null : r.error;
    };
    expect(err([])).toMatch(/^Choose a switch and the value/);
    expect(err([{ key: '', value: '' }])).toMatch(/^Choose a switch/);
    expect(err([{ key: 'kvm.seoib', value: '' }])).toBe('Row 1: choose a value for kvm.seoib.');
    expect(err([{ key: '', value: 'on' }])).toBe('Row 1: choose a switch.');
    expect(err([{ key: 'constructor', value: 'on' }])).toBe('Row 1: choose a switch.');
    expect(
      err([
        { key: 'apicv', value: 'on' },
        { key: 'apicv', value: 'off' },
      ]),
    ).toBe('Row 2: apicv is chosen twice; keep one.');
    expect(err([{ key: 'kvm.storm-limit', value: 'lots' }])).toMatch(/needs a number/);
    expect(err([{ key: 'kvm.storm-limit', value: '0' }])).toBe(
      'Row 1: kvm.storm-limit must be 1 to 1000000, not 0.',
    );
    expect(err([{ key: 'kvm.seoib', value: 'maybe' }])).toBe(
      'Row 1: kvm.seoib is one of quirked, enabled, disabled, auto.',
    );
  });
});
