/** Share links: round trips, sizes, determinism, and every kind of bad link (issue: share URLs). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mixedActions } from '../../bench/core.ts';
import { PRESET_ORDER } from '../presets/order.ts';
import { MUTATING } from '../replay/testing.ts';
import {
  base64url,
  crc32,
  decodeFragment,
  encodeFragment,
  fromBase64url,
  MAX_FRAGMENT_CHARS,
} from './url.ts';

const presets = PRESET_ORDER.map((id) => ({
  id,
  text: readFileSync(join(import.meta.dirname, '..', 'presets', `${id}.apic`), 'utf8'),
}));

/** Bytes that are not UTF-8, with a correct CRC: only the UTF-8 check can refuse them. */
function notUtf8(): Uint8Array {
  const b = new Uint8Array([0xff, 0xfe, 0x41, 0, 0, 0, 0]);
  new DataView(b.buffer).setUint32(3, crc32(b.subarray(0, 3)));
  return b;
}

/** A session as the app records it: UI clicks, many of them repeated. */
function recordedSession(steps: number): string {
  const { text } = mixedActions(steps, 42);
  return text;
}

describe('share links', () => {
  it.each(presets.map((p) => [p.id, p.text]))(
    '%s: round-trips and stays under 1000 characters',
    (_id, text) => {
      const frag = encodeFragment({ text, step: 3 });
      expect(frag.length).toBeLessThan(1000);
      expect(decodeFragment(`https://example.org/apicscope/#${frag}`)).toEqual({
        ok: true,
        state: { text, step: 3 },
      });
    },
  );

  it('a 1000-step recorded session stays under 8000 characters', () => {
    const text = recordedSession(1000);
    const frag = encodeFragment({ text, step: 1000, view: 'scenario' });
    expect(frag.length).toBeLessThan(8000);
    expect(decodeFragment(frag)).toEqual({ ok: true, state: { text, step: 1000, view: 'scenario' } });
  });

  it('is deterministic and compresses only when that is shorter', () => {
    expect(encodeFragment({ text: 'hi', step: 0 })).toBe('v=1&k=0&s=taGnYkyqs&h=b080b21c');
    // The same link as issued before h= existed still opens, to the same session.
    expect(decodeFragment('v=1&k=0&s=taGnYkyqs')).toEqual({ ok: true, state: { text: 'hi', step: 0 } });
    expect(encodeFragment({ text: presets[0].text, step: 0 })).toBe(
      encodeFragment({ text: presets[0].text, step: 0 }),
    );
    expect(encodeFragment({ text: presets[0].text, step: 0 })).toMatch(/&s=z/);
  });

  it('round-trips any text, any step and view (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.nat(100000),
        fc.constantFrom('timeline', 'scenario', 'config'),
        (text, step, view) => {
          const r = decodeFragment(encodeFragment({ text, step, view: view as 'scenario' }));
          expect(r).toEqual({ ok: true, state: view === 'timeline' ? { text, step } : { text, step, view } });
        },
      ),
    );
  });

  it('carries the compare settings and refuses malformed ones', () => {
    const frag = encodeFragment({
      text: 'vcpus 1\n',
      step: 0,
      compare: ['kvm.stale-eoi-rescan=off', 'apicv=on'],
    });
    expect(frag).toMatch(/&c=kvm\.stale-eoi-rescan=off,apicv=on&s=[tz][\w-]+&h=[0-9a-f]{8}$/);
    expect(decodeFragment(frag)).toEqual({
      ok: true,
      state: { text: 'vcpus 1\n', step: 0, compare: ['kvm.stale-eoi-rescan=off', 'apicv=on'] },
    });
    // Altered: h= covers c= (issue 14 item 10); without h= (an older link) the field is checked.
    expect(decodeFragment(frag.replace('apicv=on', 'apicv=off'))).toEqual({
      ok: false,
      error: 'the link is damaged: its checksum (h=) does not match (was it cut short or altered?)',
    });
    const old = frag.replace(/&h=.*$/, '').replace('apicv=on', 'apicv=<b>');
    expect(decodeFragment(old)).toEqual({
      ok: false,
      error: "the link's compare setting 'apicv=<b>' is not KEY=VALUE",
    });
  });

  it('base64url round-trips bytes and rejects impossible input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(Array.from(fromBase64url(base64url(b)) ?? [-1])).toEqual(Array.from(b));
      }),
    );
    expect(fromBase64url('abc=')).toBeNull();
    expect(fromBase64url('a')).toBeNull();
    expect(fromBase64url('ab+c')).toBeNull();
  });

  const good = encodeFragment({ text: recordedSession(200), step: 2 });
  const bad: [string, string, RegExp][] = [
    ['truncated', good.slice(0, good.length - 40), /damaged: its compressed scenario does not decompress/],
    ['corrupted', good.slice(0, 60) + (good[60] === 'A' ? 'B' : 'A') + good.slice(61), /damaged/],
    [
      'altered plain text',
      `v=1&k=0&s=t${base64url(new TextEncoder().encode('vcpus 2'))}AAAAAA`,
      /checksum does not match/,
    ],
    [
      'future version',
      good.replace('v=1', 'v=2'),
      /made by a newer apicscope \(format v=2\); this one reads v=1/,
    ],
    ['not ours', 'section-3', /not an apicscope link/],
    ['no scenario', 'v=1&k=0', /carries no scenario/],
    ['bad base64', 'v=1&k=0&s=t%%%', /not valid base64url/],
    ['bad step', 'v=1&k=-1&s=tdmNwdXMgMQo', /step '-1' is not a whole number/],
    ['bad view', 'v=1&k=0&view=<script>&s=tdmNwdXMgMQo', /unknown view '<script>'/],
    ['bad encoding', 'v=1&k=0&s=xdmNwdXMgMQo', /unknown encoding 'x'/],
    ['twice', 'v=1&v=1&s=tdmNwdXMgMQo', /gives 'v' twice/],
    ['not utf-8', `v=1&k=0&s=t${base64url(notUtf8())}`, /not valid UTF-8/],
    ['too long', `v=1&s=t${'A'.repeat(MAX_FRAGMENT_CHARS)}`, /at most 262144 are accepted/],
  ];
  it.each(bad)('a %s link gives a clear message', (_what, frag, message) => {
    const r = decodeFragment(frag);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it.skipIf(MUTATING)('refuses a compressed bomb that expands beyond the limit', () => {
    const huge = `# ${'x'.repeat(5_000_000)}\n`;
    const frag = encodeFragment({ text: huge, step: 0 });
    expect(frag.length).toBeLessThan(MAX_FRAGMENT_CHARS);
    const r = decodeFragment(frag);
    expect(r).toEqual({ ok: false, error: "the link's scenario expands to more than 4000000 bytes" });
  });

  it.skipIf(MUTATING)('never throws and stays fast on 10 000 generated and mutated links (fuzz)', () => {
    const seeds = presets.map((p, i) => encodeFragment({ text: p.text, step: i }));
    let worst = 0;
    let decoded = 0;
    let rejected = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('delete', 'insert', 'replace', 'cut', 'dup')), {
          maxLength: 6,
        }),
        fc.string({ maxLength: 4 }),
        (seed, edits, junk) => {
          let s = seed;
          for (const [at, op] of edits) {
            const i = at % (s.length + 1);
            if (op === 'delete') s = s.slice(0, i) + s.slice(i + 1);
            else if (op === 'insert') s = s.slice(0, i) + junk + s.slice(i);
            else if (op === 'replace') s = s.slice(0, i) + junk + s.slice(i + junk.length);
            else if (op === 'cut') s = s.slice(0, i);
            else s = s.slice(0, i) + s.slice(i, i + 50) + s.slice(i);
          }
          const t0 = performance.now();
          const r = decodeFragment(s);
          worst = Math.max(worst, performance.now() - t0);
          if (r.ok) {
            decoded++;
            // What a damaged link decodes to is a real session: it links back to itself.
            expect(decodeFragment(encodeFragment(r.state))).toEqual(r);
          } else rejected++;
        },
      ),
      { numRuns: 10_000 },
    );
    // Both outcomes occur (edits that miss the payload, or none, still decode).
    expect(decoded).toBeGreaterThan(500);
    expect(rejected).toBeGreaterThan(5000);
    expect(worst).toBeLessThan(250);
  });
});
