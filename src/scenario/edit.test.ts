import { describe, expect, it } from 'vitest';
import { mustParse } from '../replay/testing.ts';
import { replaceConfig } from './edit.ts';
import { deriveCompare } from './settings.ts';

describe('replaceConfig', () => {
  it('rewrites the configuration where it stood and keeps comments, notes and actions', () => {
    const text = '# my scenario\ntitle "t"\nnote "about"\nvcpus 2\nkvm seoib=auto\nassert 3   # go\n';
    const c = mustParse(text).config;
    const out = replaceConfig(text, {
      ...c,
      vcpus: 4,
      irqchip: 'kernel',
      kvm: { ...c.kvm, seoib: 'disabled' },
    });
    expect(out).toBe(
      '# my scenario\nnote "about"\ntitle "t"\nvcpus 4\nirqchip kernel\nkvm seoib=disabled\nassert 3   # go\n',
    );
    expect(mustParse(out).config.vcpus).toBe(4);
    expect(mustParse(out).configNotes).toEqual(['about']);
  });

  it('inserts the configuration at the top when the text has none', () => {
    const out = replaceConfig('assert 3\n', { ...mustParse('').config, vcpus: 1 });
    expect(out).toBe('vcpus 1\nassert 3\n');
  });
});

describe('deriveCompare', () => {
  it('applies --set style settings to the configuration lines only', () => {
    const text = 'vcpus 2\nroute 10 vector=0x62 trigger=level dest=0 mask=0\n';
    const r = deriveCompare(text, mustParse(text).config, ['kvm.stale-eoi-rescan=off', 'irqchip=kernel']);
    expect(r).toEqual({
      ok: true,
      text: 'irqchip kernel\nkvm stale-eoi-rescan=off\nroute 10 vector=0x62 trigger=level dest=0 mask=0\n',
    });
    expect(deriveCompare(text, mustParse(text).config, ['kvm.nope=1'])).toEqual({
      ok: false,
      error:
        "kvm.nope=1: 'kvm' has no key 'nope'; its keys are stale-eoi-rescan, seoib, pv-eoi, pv-eoi-disable-fix, savic-eoi-write-check, vector-hashing, storm-limit",
    });
  });

  it('takes the v1.1 settings: x2apic-api.32bit-ids, x2apic-api.broadcast-quirk, apic with cpuid', () => {
    const text = 'vcpus 2\nmsi dest=0 vector=0x31\n';
    const c = mustParse(text).config;
    expect(
      deriveCompare(text, c, [
        'x2apic-api.32bit-ids=on',
        'x2apic-api.broadcast-quirk=off',
        'apic=xapic cpuid=x2apic',
      ]),
    ).toEqual({
      ok: true,
      text: 'apic xapic cpuid=x2apic\nx2apic-api 32bit-ids=on broadcast-quirk=off\nmsi dest=0 vector=0x31\n',
    });
    expect(deriveCompare(text, c, ['x2apic-api.32bit-ids=maybe'])).toEqual({
      ok: false,
      error: "x2apic-api.32bit-ids=maybe: 32bit-ids must be one of on, off, not 'maybe'",
    });
  });
});
