/**
 * Share links, issue 14 items 8 and 10: every field is covered (h=) or validated, unknown
 * fields are named, and whatever is issued opens (or issuing refuses with the decoder's own
 * message). Links without h= (made before it existed) still decode as they always did.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config.ts';
import { MUTATING } from '../replay/testing.ts';
import { checkSetting, deriveCompare } from '../scenario/settings.ts';
import { PROTOTYPE_WORDS } from './hostile/words.ts';
import type { View } from './url.ts';
import {
  composeFragment,
  decodeFragment,
  encodeFragment,
  encodeLink,
  encodePayload,
  issueFragment,
  MAX_FRAGMENT_CHARS,
} from './url.ts';

const level = readFileSync(join(import.meta.dirname, '..', 'presets', 'level-irq.apic'), 'utf8');
const withoutH = (frag: string) => frag.replace(/&h=[0-9a-f]{8}$/, '');

describe('h= covers every field (item 10)', () => {
  const frag = encodeFragment({ text: level, step: 3, view: 'scenario', compare: ['apicv=on'] });

  it('is the last field: CRC-32 of everything before it', () => {
    expect(frag).toMatch(/^v=1&k=3&view=scenario&c=apicv=on&s=z[\w-]+&h=[0-9a-f]{8}$/);
    expect(decodeFragment(frag)).toEqual({
      ok: true,
      state: { text: level, step: 3, view: 'scenario', compare: ['apicv=on'] },
    });
  });

  it.each([
    ['k', (f: string) => f.replace('k=3', 'k=4')],
    ['view', (f: string) => f.replace('view=scenario', 'view=config')],
    ['view removed', (f: string) => f.replace('&view=scenario', '')],
    ['c', (f: string) => f.replace('apicv=on', 'apicv=off')],
    ['c removed', (f: string) => f.replace('&c=apicv=on', '')],
    ['c added to', (f: string) => f.replace('apicv=on', 'apicv=on,irqchip=kernel')],
    ['s', (f: string) => f.replace('&s=z', '&s=t')],
    ['h', (f: string) => f.replace(/h=(.)/, (_m, c) => `h=${c === '0' ? '1' : '0'}`)],
  ])('an altered %s is refused, where it once opened as another session', (_what, alter) => {
    const altered = alter(frag);
    expect(altered).not.toBe(frag);
    const r = decodeFragment(altered);
    expect(r).toEqual({
      ok: false,
      error: 'the link is damaged: its checksum (h=) does not match (was it cut short or altered?)',
    });
  });

  it('refuses an h= that is not last or not 8 hex digits', () => {
    const h = frag.slice(frag.lastIndexOf('&h=') + 3);
    const moved = `v=1&h=${h}&${withoutH(frag).slice(4)}`;
    expect(decodeFragment(moved)).toEqual({
      ok: false,
      error: 'the link is damaged: its checksum (h=) is not its last field',
    });
    expect(decodeFragment(`${withoutH(frag)}&h=XYZ`)).toEqual({
      ok: false,
      error: "the link's checksum (h=) 'XYZ' is not 8 hex digits",
    });
  });

  it('a link without h= (every link issued before it) decodes exactly as before', () => {
    expect(decodeFragment(withoutH(frag))).toEqual(decodeFragment(frag));
  });
});

describe('every field is validated; unknown fields are named (item 10)', () => {
  const base = withoutH(encodeFragment({ text: 'vcpus 1\n', step: 0 }));
  it.each([
    ['x=1', "the link has an unknown field 'x': a v=1 link has v, k, e, view, c, p, pins, s and h"],
    ['step=3', "the link has an unknown field 'step': a v=1 link has v, k, e, view, c, p, pins, s and h"],
    [
      '__proto__=1',
      "the link has an unknown field '__proto__': a v=1 link has v, k, e, view, c, p, pins, s and h",
    ],
    [
      'constructor=1',
      "the link has an unknown field 'constructor': a v=1 link has v, k, e, view, c, p, pins, s and h",
    ],
    [
      'hasOwnProperty=',
      "the link has an unknown field 'hasOwnProperty': a v=1 link has v, k, e, view, c, p, pins, s and h",
    ],
    [
      `${'a'.repeat(100)}=1`,
      "the link has an unknown field 'aaaaaaaaaaaaaaaaaaaa…': a v=1 link has v, k, e, view, c, p, pins, s and h",
    ],
  ])('%s', (field, error) => {
    expect(decodeFragment(`${base}&${field}`)).toEqual({ ok: false, error });
  });

  it.each(PROTOTYPE_WORDS)('the prototype name %s is no value of any field', (w) => {
    const links = [
      `v=${w}&s=tAAAA`,
      base.replace('k=0', `k=${w}`),
      `${base}&view=${w}`,
      base.replace('&s=', `&c=${w}&s=`),
      base.replace('&s=', `&c=${w}=on&s=`),
      base.replace('&s=', `&c=apic=${w}&s=`),
      base.replace(/&s=.*/, `&s=${w}`),
      `${base}&h=${w}`,
    ];
    for (const link of links) {
      const r = decodeFragment(link);
      if (r.ok) {
        // An old-style compare setting opens the link, and the compare view reports it.
        expect(link).toMatch(/&c=/);
        const d = deriveCompare(r.state.text, defaultConfig(), r.state.compare ?? []);
        expect(d.ok, link).toBe(false);
      } else expect(r.error).not.toMatch(/\n\s+at /);
    }
  });

  it('with h=, compare settings must apply: each refusal names the setting and the problem', () => {
    const payload = encodePayload('vcpus 1\n');
    const cases: [string, RegExp][] = [
      [
        'apic=constructor',
        /compare setting 'apic=constructor' is not valid: apic mode must be one of xapic, x2apic/,
      ],
      ['kvm.__proto__=on', /compare setting 'kvm\.__proto__=on' is not KEY=VALUE/],
      ['constructor=on', /compare setting 'constructor=on' is not valid: unknown key 'constructor'/],
      ['vcpus=0', /compare setting 'vcpus=0' is not valid: vcpus 0 is out of range 1–4096/],
      [
        'guest.all=constructor',
        /compare setting 'guest\.all=constructor' is not valid: profile must be one of/,
      ],
    ];
    for (const [setting, message] of cases) {
      const frag = composeFragment(payload, 0, undefined, [setting]);
      const r = decodeFragment(frag, { checkSetting });
      expect(r.ok, setting).toBe(false);
      if (!r.ok) expect(r.error).toMatch(message);
      // The issuer refuses with the very same message.
      expect(issueFragment(frag, { checkSetting })).toEqual({ ok: false, error: r.ok ? '' : r.error });
    }
    // Settings that apply, including an alias with a hyphen the old check could not carry.
    const good = ['kvm.seoib=not-advertised', 'ioapic.version=0x11', 'guest.0=windows', 'vcpus=4'];
    const r = encodeLink({ text: 'vcpus 1\n', step: 0, compare: good }, { checkSetting });
    expect(r.ok).toBe(true);
    if (r.ok) expect(decodeFragment(r.fragment)).toMatchObject({ ok: true, state: { compare: good } });
  });
});

describe('whatever is issued opens, or issuing refuses with the same message (item 8)', () => {
  it('a session too long for a link: the issuer says so, as opening would (once issued anyway)', () => {
    // Notes of pseudo-random letters do not compress: 300 000 characters of them.
    let x = 7;
    const letters = Array.from({ length: 300_000 }, () => {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      return 'abcdefghijklmnopqrstuvwxyz012345'[x >>> 27];
    }).join('');
    const text = `vcpus 1\n${letters.replace(/(.{60})/g, 'note "$1"\n')}`;
    const frag = encodeFragment({ text, step: 0 });
    expect(frag.length).toBeGreaterThan(MAX_FRAGMENT_CHARS);
    const decoded = decodeFragment(frag);
    expect(decoded.ok).toBe(false);
    const issued = encodeLink({ text, step: 0 });
    expect(issued).toEqual({ ok: false, error: decoded.ok ? '' : decoded.error });
    expect(issued.ok || issued.error).toMatch(
      /^the link is \d+ characters long; at most 262144 are accepted$/,
    );
  });

  // Inside a mutation run: size limits of links, no result of the core (docs/mutation.md).
  it.skipIf(MUTATING)(
    'a text over 4 000 000 bytes is refused before compressing, with the decoder message',
    () => {
      const text = `# ${'é'.repeat(2_000_000)}\n`;
      const t0 = performance.now();
      const issued = encodeLink({ text, step: 0 });
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(issued).toEqual({ ok: false, error: "the link's scenario expands to more than 4000000 bytes" });
      const bomb = `# ${'x'.repeat(4_000_000)}\n`;
      const frag = encodeFragment({ text: bomb, step: 0 });
      expect(frag.length).toBeLessThan(MAX_FRAGMENT_CHARS);
      expect(decodeFragment(frag)).toEqual(encodeLink({ text: bomb, step: 0 }));
    },
  );

  it('the issuer and the decoder agree on every generated session (property)', () => {
    const setting = fc.constantFrom(
      'vcpus=4',
      'apic=xapic',
      'irqchip=kernel',
      'apicv=on',
      'kvm.seoib=respected',
      'kvm.storm-limit=5',
      'guest.all=linux',
    );
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.nat(9_999_999),
        fc.constantFrom<View | undefined>(undefined, 'timeline', 'scenario', 'config'),
        fc.option(fc.array(setting, { maxLength: 16 }), { nil: undefined }),
        (text, step, view, compare) => {
          const r = encodeLink({ text, step, view, compare });
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          const d = decodeFragment(r.fragment);
          expect(d.ok && d.state.text).toBe(text.startsWith('\ufeff') ? text.slice(1) : text);
          expect(d.ok && d.state.step).toBe(step);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('decoding is fast on the main thread', () => {
  function bestMs(f: () => void): number {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      f();
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  }

  it('a 1.6 KB link of 100 000 notes decodes in milliseconds (once 11–15 s in the page)', () => {
    const text = `vcpus 1\n${'note ""\n'.repeat(100_000)}`;
    const frag = encodeFragment({ text, step: 0 });
    expect(frag.length).toBeLessThan(4000);
    expect(bestMs(() => decodeFragment(frag))).toBeLessThan(50);
  });

  it.skipIf(MUTATING)(
    'a link that expands to nearly 4 MB decodes within one 50 ms task (best of 5, loaded machine)',
    () => {
      const frag = encodeFragment({ text: `# ${'x'.repeat(3_999_000)}\n`, step: 0 });
      expect(decodeFragment(frag).ok).toBe(true);
      expect(bestMs(() => decodeFragment(frag))).toBeLessThan(100);
    },
  );
});

describe('the sub-step field (e=)', () => {
  it('round-trips, is covered by h=, and is refused when malformed or without a step', () => {
    const frag = encodeFragment({ text: 'vcpus 1\nmsi dest=0 vector=0x31\n', step: 1, event: 3 });
    expect(frag).toMatch(/&k=1&e=3&/);
    expect(decodeFragment(frag)).toMatchObject({ ok: true, state: { step: 1, event: 3 } });
    // Altering it breaks the checksum.
    expect(decodeFragment(frag.replace('&e=3&', '&e=4&'))).toMatchObject({ ok: false });
    const payload = encodePayload('vcpus 1\n');
    expect(decodeFragment(composeFragment(payload, 0, undefined, undefined, 2))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/needs a step/),
    });
    const bad = `v=1&k=1&e=x&s=${payload}`;
    expect(decodeFragment(bad)).toMatchObject({ ok: false, error: expect.stringMatching(/event 'x'/) });
    // Links without it open as the whole step, as before.
    const plain = decodeFragment(encodeFragment({ text: 'vcpus 1\n', step: 0 }));
    expect(plain.ok && plain.state.event).toBeUndefined();
  });
});

describe('pinned vCPU cards (p=) and all pins (pins=all): view settings in the link (issue 12.11)', () => {
  it('round-trip, are covered by h=, and are validated', () => {
    const frag = encodeFragment({ text: 'vcpus 32\n', step: 0, pinned: [20, 3], allPins: true });
    expect(frag).toMatch(/&p=20,3&pins=all&s=/);
    expect(decodeFragment(frag)).toMatchObject({ ok: true, state: { pinned: [20, 3], allPins: true } });
    expect(decodeFragment(frag.replace('&p=20,3&', '&p=21,3&'))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/checksum \(h=\) does not match/),
    });
    const payload = encodePayload('vcpus 1\n');
    expect(decodeFragment(`v=1&k=0&p=x&s=${payload}`)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/pinned vCPUs \(p=\) 'x'/),
    });
    expect(
      decodeFragment(`v=1&k=0&p=${Array.from({ length: 13 }, (_, i) => i).join(',')}&s=${payload}`),
    ).toMatchObject({
      ok: false,
    });
    expect(decodeFragment(`v=1&k=0&pins=some&s=${payload}`)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/pins \(pins=\) 'some' is not 'all'/),
    });
  });

  it('a link without them decodes exactly as before (no new keys in its state)', () => {
    const plain = decodeFragment(encodeFragment({ text: 'vcpus 1\n', step: 0 }));
    expect(plain).toEqual({ ok: true, state: { text: 'vcpus 1\n', step: 0 } });
    expect(encodeFragment({ text: 'vcpus 1\n', step: 0, pinned: [], allPins: false })).toBe(
      encodeFragment({ text: 'vcpus 1\n', step: 0 }),
    );
  });
});
