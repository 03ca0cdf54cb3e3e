/**
 * The value paths StrykerJS left open (docs/mutation-survivors.md): `a|b` expansion of explore
 * actions (expandAlternatives: non-word tokens, `key=` prefixes, the 1024 bound), the KVM
 * switch words and values (switchWord, switchValue), the `guest.<cpu>` and `kvm.<key>` setting
 * keys (settingKey), reading typed-in numbers, durations and names (readNumber, readDuration,
 * readName, formatRange), enumOf and parseDuration's bound, and applySetting's trimming, the
 * reset of `kvm seoib=` by `qemu seoib-policy=`, and the settings it refuses (a key with a
 * space, a value of two words).
 * Each test was checked against the hand-made mutants of that file: it fails with each applied.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../core/config.ts';
import { expandAlternatives } from '../explore-syntax.ts';
import type { Token } from '../lexer.ts';
import { applySetting } from '../settings.ts';
import { KVM_SWITCH_BY_KEY, settingKey, switchValue, switchWord } from './config.ts';
import { MAX_ALTERNATIVES } from './explore.ts';
import { formatRange, readDuration, readName, readNumber } from './read.ts';
import { enumOf, GUEST_PROFILES, MAX_DURATION_NS, parseDuration } from './values.ts';

const word = (text: string, col = 1): Token => ({ kind: 'word', text, col });
const texts = (rows: Token[][] | null) => rows?.map((r) => r.map((t) => t.text));

describe('expandAlternatives', () => {
  it('keeps a string or set token whole, even with a `|` in it, as the same token', () => {
    const s: Token = { kind: 'string', text: 'a|b', col: 3 };
    const set: Token = { kind: 'set', text: 'x|y', col: 9 };
    const out = expandAlternatives([word('cpu'), s, set]);
    expect(out).toHaveLength(1);
    expect(out?.[0]).toHaveLength(3);
    expect(out?.[0][1]).toBe(s);
    expect(out?.[0][2]).toBe(set);
  });

  it('passes a word without `|` through as the same token', () => {
    const w = word('eoi', 4);
    const out = expandAlternatives([w]);
    expect(out).toEqual([[w]]);
    expect(out?.[0][0]).toBe(w);
  });

  it.each([
    // text, the words it expands to
    ['dest=0|1', ['dest=0', 'dest=1']],
    ['=a|b', ['=a', 'b']], // `=` first: no key
    ['a|b=c', ['a', 'b=c']], // `=` after the first `|`: no key
    ['a|b', ['a', 'b']],
    ['k=|a', ['k=', 'k=a']],
  ])('expands %s', (text, words) => {
    expect(texts(expandAlternatives([word(text, 7)]))).toEqual(words.map((w) => [w]));
    expect(expandAlternatives([word(text, 7)])?.map((r) => r[0])).toEqual(
      words.map((w) => ({ kind: 'word', text: w, col: 7 })),
    );
  });

  it('allows exactly MAX_ALTERNATIVES combinations, not one more', () => {
    expect(MAX_ALTERNATIVES).toBe(1024);
    const ten = Array.from({ length: 10 }, () => word('0|1'));
    const out = expandAlternatives(ten);
    expect(out).toHaveLength(1024);
    expect(texts(out)?.[1023]).toEqual(Array(10).fill('1'));
    expect(expandAlternatives([...ten, word('a|b')])).toBeNull();
  });
});

describe('switchWord and switchValue', () => {
  it.each([
    [true, 'on'],
    [false, 'off'],
    ['quirked', 'quirked'],
    [7, '7'],
  ] as const)('switchWord(%s) is %s', (v, w) => {
    expect(switchWord(v)).toBe(w);
  });

  const sw = (key: string) => {
    const s = KVM_SWITCH_BY_KEY.get(key);
    if (!s) throw new Error(key);
    return s;
  };
  it.each([
    ['stale-eoi-rescan', 'on', true],
    ['stale-eoi-rescan', 'off', false],
    ['storm-limit', '7', 7],
    ['seoib', 'quirked', 'quirked'],
    ['seoib', 'on', 'on'],
  ] as const)('switchValue(%s, %s) is %s', (key, w, v) => {
    expect(switchValue(sw(key), w)).toBe(v);
  });
});

describe('settingKey', () => {
  it('names a vCPU of guest.<cpu> in its label', () => {
    const k = settingKey('guest.3');
    expect(k?.key).toBe('guest.3');
    expect(k?.label).toBe('guest profile, vCPU 3');
    expect(k?.statement('linux')).toBe('guest 3 profile=linux');
    expect(k?.values).toEqual({ kind: 'enum', values: GUEST_PROFILES });
  });

  it('takes any string for a kvm.<key> it does not know', () => {
    const k = settingKey('kvm.nope');
    expect(k).toEqual({
      key: 'kvm.nope',
      statement: expect.any(Function),
      values: { kind: 'string' },
      label: 'kvm.nope',
    });
    expect(k?.statement('1')).toBe('kvm nope=1');
  });
});

describe('read', () => {
  it.each([
    [0xffff, '65535'],
    [0x10000, '65536'],
    [0x1ffff, '0x1ffff'],
    [255, '255'],
  ])('formatRange(%i) is %s', (max, s) => {
    expect(formatRange(max)).toBe(s);
  });

  const R = { min: 16, max: 255 };
  it.each([
    ['', { ok: false, error: 'vector is missing' }],
    ['  ', { ok: false, error: 'vector is missing' }],
    ['16', { ok: true, value: 16 }],
    ['255', { ok: true, value: 255 }],
    ['15', { ok: false, error: 'vector 15 is out of range 16–255' }],
    ['256', { ok: false, error: 'vector 256 is out of range 16–255' }],
  ])('readNumber(%j)', (text, r) => {
    expect(readNumber(text, 'vector', R)).toEqual(r);
  });

  it('trims durations and names', () => {
    expect(readDuration(' 10ms ')).toEqual({ ok: true, value: 10_000_000 });
    expect(readName(' snap-1 ')).toEqual({ ok: true, value: 'snap-1' });
  });
});

describe('values', () => {
  it('enumOf without aliases has none', () => {
    expect(enumOf(['a', 'b'])).toStrictEqual({ kind: 'enum', values: ['a', 'b'] });
  });

  it('parseDuration takes MAX_DURATION_NS itself and nothing longer', () => {
    expect(MAX_DURATION_NS).toBe(1e15);
    expect(parseDuration('1000000s')).toBe(1e15);
    expect(parseDuration('1000000000001us')).toBeNull();
  });
});

describe('applySetting', () => {
  it('trims the value before parsing it', () => {
    const c = defaultConfig();
    expect(applySetting(c, 'kvm.storm-limit= 7')).toBeNull();
    expect(c.kvm.stormLimit).toBe(7);
  });

  it('resets kvm seoib= to quirked for qemu.seoib-policy, and only for it', () => {
    const d = defaultConfig();
    const policy = defaultConfig();
    policy.kvm.seoib = 'enabled';
    expect(applySetting(policy, 'qemu.seoib-policy=respected')).toBeNull();
    expect(policy.kvm).toStrictEqual({ ...d.kvm, seoib: 'quirked' });
    expect(policy.vmm.seoibPolicy).toBe('respected');

    const machine = defaultConfig();
    machine.kvm.seoib = 'enabled';
    expect(applySetting(machine, 'qemu.machine=pc-q35-10.2')).toBeNull();
    expect(machine.kvm).toStrictEqual({ ...d.kvm, seoib: 'enabled' });
  });

  // `kvm. pv-eoi` parsed as the statement `kvm  pv-eoi=off` and set nothing; `kvm.a=off b=off`
  // set only `a`. Both are refused now, the configuration untouched.
  it.each([
    ['kvm. pv-eoi=off', "unknown key 'kvm. pv-eoi': "],
    ['kvm.\tpv-eoi=off', "unknown key 'kvm.\tpv-eoi': "],
    [
      'kvm.pv-eoi-disable-fix=off pv-eoi=off',
      "'kvm.pv-eoi-disable-fix' takes one value, not 'off pv-eoi=off'",
    ],
    [
      'x2apic-api.32bit-ids=on broadcast-quirk=on',
      "'x2apic-api.32bit-ids' takes one value, not 'on broadcast-quirk=on'",
    ],
  ])('refuses %j, changing nothing', (setting, message) => {
    const c = defaultConfig();
    expect(applySetting(c, setting)?.slice(0, message.length)).toBe(message);
    expect(c).toStrictEqual(defaultConfig());
  });

  it('still takes the apic statement whole, and the value of a kvm. key around spaces', () => {
    const c = defaultConfig();
    expect(applySetting(c, 'apic=xapic cpuid=x2apic')).toBeNull();
    expect([c.apic, c.apicCpuid]).toEqual(['xapic', 'x2apic']);
    expect(applySetting(c, ' kvm.pv-eoi = off ')).toBeNull();
    expect(c.kvm.pvEoi).toBe(false);
  });
});
