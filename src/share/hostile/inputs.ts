/**
 * Hostile input, made deterministically from a seed: share links (mutated, hostile,
 * legal-but-heavy, prototype names, over the limits), files (bytes in every encoding, binary,
 * oversized) and scenario texts (mutated presets and examples, prototype names in every slot,
 * heavy, token soup). Used by hostile.test.ts (a sample) and `npm run hostile` (the lot).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  base64url,
  composeFragment,
  crc32,
  encodeFragment,
  encodePayload,
  MAX_FRAGMENT_CHARS,
} from '../url.ts';
import { PROTOTYPE_WORDS, SLOTS } from './words.ts';

export interface HostileLink {
  kind: 'mutated' | 'hostile' | 'heavy' | 'prototype' | 'over-limit' | 'golden';
  link: string;
  /**
   * For a mutated link, the link it was made from and whether its h= was made right again:
   * if it opens at all, it must open to that link's scenario (and, sealed by the original
   * h=, to its step, view and compare settings too), never to another one.
   */
  from?: { link: string; resealed: boolean };
}
export interface HostileFile {
  kind: 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'binary' | 'broken-encoding' | 'oversized';
  name: string;
  bytes: Uint8Array;
}
export interface HostileText {
  kind: 'mutated' | 'prototype' | 'heavy' | 'soup' | 'hostile-strings';
  text: string;
}

/** Deterministic pseudo-random numbers (an LCG): the same seed gives the same inputs. */
export function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)],
  };
}
type Rng = ReturnType<typeof rng>;

const root = join(import.meta.dirname, '..', '..');
function apicFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.apic'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}
/** The real scenarios of the repository: the seeds of every mutation. */
export const SEED_TEXTS: readonly string[] = [
  ...apicFiles(join(root, 'presets')),
  ...apicFiles(join(root, 'scenario', 'examples')),
  ...apicFiles(join(root, 'core', 'conformance')),
];

interface GoldenFile {
  links: { link: string }[];
}
export const GOLDEN_LINKS: readonly string[] = ['links-v1.json', 'links-v1h.json'].flatMap((f) =>
  (JSON.parse(readFileSync(join(root, 'share', 'golden', f), 'utf8')) as GoldenFile).links.map((l) => l.link),
);

export const XSS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "javascript:alert('x')",
  '<svg/onload=alert(1)>',
  '{{constructor.constructor("alert(1)")()}}',
  '$' + '{alert(1)}', // a template placeholder, as text
  '\u202e\u0000\u2028\u2029\ufeff',
  '%3Cscript%3E',
  '&#x3C;b&#x3E;',
  '\\u003cscript\\u003e',
];

const JUNK = [
  '',
  '&',
  '=',
  '#',
  '%',
  '%00',
  '\u0000',
  '\ud800',
  'é',
  '😀',
  ' ',
  '\n',
  '+',
  '/',
  '==',
  'AAAA',
  '__proto__',
  'constructor',
  ...XSS,
];

/** A link's `&h=` made right again after a mutation, so that the deeper checks are reached. */
function reseal(frag: string): string {
  const body = frag.replace(/^#/, '').replace(/&h=[^&]*$/, '');
  const bytes = new Uint8Array(body.length);
  for (let i = 0; i < body.length; i++) bytes[i] = body.charCodeAt(i) & 255;
  return `#${body}&h=${crc32(bytes).toString(16).padStart(8, '0')}`;
}

function mutateString(r: Rng, s: string, alphabet: readonly string[]): string {
  const edits = 1 + r.int(4);
  for (let e = 0; e < edits; e++) {
    const i = r.int(s.length + 1);
    const junk = r.pick(alphabet);
    switch (r.int(6)) {
      case 0:
        s = s.slice(0, i) + s.slice(i + 1 + r.int(3));
        break;
      case 1:
        s = s.slice(0, i) + junk + s.slice(i);
        break;
      case 2:
        s = s.slice(0, i) + junk + s.slice(i + junk.length);
        break;
      case 3:
        s = s.slice(0, i);
        break;
      case 4:
        s = s.slice(0, i) + s.slice(i, i + 1 + r.int(80)) + s.slice(i);
        break;
      default: {
        // Swap two fields.
        const parts = s.split('&');
        if (parts.length > 2) {
          const a = 1 + r.int(parts.length - 1);
          const b = 1 + r.int(parts.length - 1);
          [parts[a], parts[b]] = [parts[b], parts[a]];
        }
        s = parts.join('&');
      }
    }
  }
  return s;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('');

function mutatedLink(r: Rng): HostileLink {
  const seed = r.pick(GOLDEN_LINKS);
  const m = mutateString(r, seed, r.next() < 0.5 ? B64 : JUNK);
  // Some sealed again: only the payload's own CRC (or the parser) can refuse them.
  const resealed = r.next() < 0.4 && m.includes('&s=');
  return { kind: 'mutated', link: resealed ? reseal(m) : m, from: { link: seed, resealed } };
}

function hostileLink(r: Rng): string {
  const x = r.pick(XSS);
  const payload = encodePayload(r.pick(SEED_TEXTS));
  const forms = [
    () => `#v=1&k=0&view=${x}&s=${payload}`,
    () => `#v=1&k=${x}&s=${payload}`,
    () => `#v=${x}&s=${payload}`,
    () => `#v=1&${x}=1&s=${payload}`,
    () => `#v=1&c=${x}&s=${payload}`,
    () => reseal(`#v=1&c=apic=${x.replace(/[^a-z]/gi, '')}&s=${payload}`),
    () => `#v=1&s=${x}`,
    () => `#v=1&s=t${x}`,
    () => `#v=1&k=0&s=${payload}&h=${x}`,
    () => `#v=1${'&'.repeat(10_000 + r.int(50_000))}s=${payload}`,
    () => `#v=1&k=0&s=${payload}${'&k=1'.repeat(1 + r.int(5))}`,
    () => `https://evil.example/${x}#v=1&k=0&s=${payload}`,
    () => `#${encodeFragment({ text: `title "${x}"\nnote "${x}"\nvcpus 1\n`, step: 0 })}`,
    () => `#${encodeFragment({ text: `${x}\n`, step: 0, compare: [] })}`,
    () => `#v=1&k=0&s=t${base64url(new TextEncoder().encode(x))}`,
    () => `#v=1&k=0&s=z${base64url(new Uint8Array(Array.from({ length: 64 }, () => r.int(256))))}`,
  ];
  return r.pick(forms)();
}

/**
 * Legal but heavy: each opens (or is refused) in bounded time. `light`: the three that are
 * cheap to make (for the sampled suite); the others take a second or so to compress or run.
 */
export function heavyLinks(light = false): string[] {
  if (light)
    return [
      `#${encodeFragment({ text: `vcpus 1\n${'note ""\n'.repeat(100_000)}`, step: 0 })}`,
      `#${encodeFragment({ text: `title "x"\n${'note ""\n'.repeat(130_000)}apic xapic\n`, step: 0 })}`,
      `#${encodeFragment({ text: 'run 1000000000\n'.repeat(10), step: 10 })}`,
    ];
  const expects = `vcpus 1\nmsi dest=0 vector=0x31\n${'expect cpu 0 isr has 0x31\n'.repeat(70_000)}`;
  const shortLines = `vcpus 4096\n${'cpu 4095 eoi\n'.repeat(150_000)}`;
  return [
    `#${encodeFragment({ text: `vcpus 1\n${'note ""\n'.repeat(100_000)}`, step: 0 })}`,
    `#${encodeFragment({ text: `title "x"\n${'note ""\n'.repeat(130_000)}apic xapic\n`, step: 0 })}`,
    `#${encodeFragment({ text: expects, step: 1 })}`,
    `#${encodeFragment({ text: shortLines, step: 150_000, view: 'scenario' })}`,
    `#${encodeFragment({ text: `# ${'x'.repeat(3_999_000)}\n`, step: 0 })}`,
    `#${encodeFragment({ text: 'run 1000000000\n'.repeat(10), step: 10 })}`,
  ];
}

function prototypeLink(r: Rng): string {
  const w = r.pick(PROTOTYPE_WORDS);
  const slot = r.pick(SLOTS);
  const forms = [
    () => `#${encodeFragment({ text: `vcpus 2\n${slot.replace('@', w)}\n`, step: 1 })}`,
    () => reseal(`#v=1&k=0&c=apic=${w}&s=${encodePayload('vcpus 1\n')}`),
    () => `#v=1&k=0&c=${w}=on&s=${encodePayload('vcpus 1\n')}`,
    () => `#v=1&k=0&c=kvm.seoib=${w},guest.all=${w}&s=${encodePayload('vcpus 1\n')}`,
    () => `#v=1&k=0&${w}=1&s=${encodePayload('vcpus 1\n')}`,
    () => `#v=1&k=0&view=${w}&s=${encodePayload('vcpus 1\n')}`,
    () => `#v=${w}&k=0&s=${encodePayload('vcpus 1\n')}`,
    () => `#v=1&k=${w}&s=${encodePayload('vcpus 1\n')}`,
  ];
  return r.pick(forms)();
}

function overLimitLink(r: Rng): string {
  const payload = encodePayload('vcpus 1\n');
  const forms = [
    () => `#v=1&k=0&s=t${'A'.repeat(MAX_FRAGMENT_CHARS + r.int(1000))}`,
    () =>
      `#${composeFragment(
        payload,
        0,
        undefined,
        Array.from({ length: 17 }, () => 'apicv=on'),
      )}`,
    () => `#v=1&k=${'9'.repeat(8 + r.int(10))}&s=${payload}`,
    () => `#v=${2 + r.int(1000)}&k=0&s=${payload}`,
    () => `#v=0&k=0&s=${payload}`,
    () => `#v=1&k=0&s=x${payload.slice(1)}`,
    () => `#v=1&k=0&c=${'a'.repeat(50)}=on&s=${payload}`,
    () => `#v=1&k=0&c=apicv=${'o'.repeat(30)}&s=${payload}`,
  ];
  return r.pick(forms)();
}

/** `n` links: the heavy ones first, then mutated, hostile, prototype names, over-limit, golden. */
export function hostileLinks(n: number, seed: number, lightHeavy = false): HostileLink[] {
  const r = rng(seed);
  const out: HostileLink[] = [];
  const heavy = heavyLinks(lightHeavy);
  for (let i = 0; i < n; i++) {
    const roll = r.next();
    if (i < heavy.length && n >= 1000) out.push({ kind: 'heavy', link: heavy[i] });
    else if (roll < 0.45) out.push(mutatedLink(r));
    else if (roll < 0.65) out.push({ kind: 'hostile', link: hostileLink(r) });
    else if (roll < 0.85) out.push({ kind: 'prototype', link: prototypeLink(r) });
    else if (roll < 0.95) out.push({ kind: 'over-limit', link: overLimitLink(r) });
    else out.push({ kind: 'golden', link: r.pick(GOLDEN_LINKS) });
  }
  return out;
}

const TOKENS = [
  'vcpus',
  'apic',
  'irqchip',
  'kvm',
  'guest',
  'route',
  'msi',
  'ipi',
  'cpu',
  'expect',
  'count',
  'note',
  'title',
  'snapshot',
  'restore',
  'run',
  'wait',
  '0',
  '1',
  '4096',
  '0x31',
  '0xffffffff',
  '99999999999999999999',
  '-1',
  '=',
  '>=',
  '{',
  '}',
  '{0x31,',
  '"',
  '\\',
  '#',
  'seoib=',
  'trigger=level',
  'dest=',
  'vector=0x100',
  'eoi',
  'isr',
  'has',
  'µs',
  '10ms',
  '\t',
  '\r',
  ...PROTOTYPE_WORDS,
];

function mutatedText(r: Rng): string {
  const lines = r.pick(SEED_TEXTS).split('\n');
  const edits = 1 + r.int(6);
  for (let e = 0; e < edits; e++) {
    const i = r.int(lines.length);
    switch (r.int(5)) {
      case 0:
        lines.splice(i, 1);
        break;
      case 1:
        lines.splice(i, 0, lines[r.int(lines.length)] ?? '');
        break;
      case 2: {
        const words = (lines[i] ?? '').split(' ');
        words[r.int(words.length)] = r.pick(TOKENS);
        lines[i] = words.join(' ');
        break;
      }
      case 3:
        lines[i] = mutateString(r, lines[i] ?? '', TOKENS);
        break;
      default: {
        const j = r.int(lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
      }
    }
  }
  return lines.join(r.next() < 0.1 ? '\r\n' : '\n');
}

function soupText(r: Rng): string {
  const lines: string[] = [];
  for (let l = 0; l < 1 + r.int(30); l++) {
    const words: string[] = [];
    for (let w = 0; w < 1 + r.int(8); w++) words.push(r.pick(TOKENS));
    lines.push(words.join(r.next() < 0.8 ? ' ' : ''));
  }
  return lines.join('\n');
}

export function heavyTexts(): string[] {
  return [
    `vcpus 1\n${'note ""\n'.repeat(130_000)}apic xapic\n`,
    `vcpus 1\nmsi dest=0 vector=0x31\n${'expect cpu 0 isr has 0x31\n'.repeat(70_000)}`,
    `vcpus 1\n${'expect cpu 0 if =0\n'.repeat(105_000)}`,
    `vcpus 4096\n${'cpu 4095 eoi\n'.repeat(150_000)}`,
    'run 0\n'.repeat(200_001),
    `# ${'x'.repeat(2_000_000)}`,
    `${'x'.repeat(5000)}\n`.repeat(100),
    `vcpus 2\n${'restore nowhere\n'.repeat(1000)}`,
    '{'.repeat(4096),
    '"'.repeat(4096),
  ];
}

/** `n` scenario texts. */
export function hostileTexts(n: number, seed: number, withHeavy = true): HostileText[] {
  const r = rng(seed);
  const out: HostileText[] = [];
  const heavy = withHeavy ? heavyTexts() : [];
  for (let i = 0; i < n; i++) {
    const roll = r.next();
    if (i < heavy.length) out.push({ kind: 'heavy', text: heavy[i] });
    else if (roll < 0.45) out.push({ kind: 'mutated', text: mutatedText(r) });
    else if (roll < 0.75) {
      const w = r.pick(PROTOTYPE_WORDS);
      const lines = ['vcpus 2'];
      for (let k = 0; k < 1 + r.int(4); k++) lines.push(r.pick(SLOTS).replace('@', w));
      out.push({ kind: 'prototype', text: lines.join('\n') });
    } else if (roll < 0.9) out.push({ kind: 'soup', text: soupText(r) });
    else {
      const x = r.pick(XSS).replaceAll('"', '\\"');
      out.push({ kind: 'hostile-strings', text: `title "${x}"\nnote "${x}"\nvcpus 1\nnote "${x}"\nrun 1\n` });
    }
  }
  return out;
}

function encode(text: string, kind: HostileFile['kind']): Uint8Array {
  const utf8 = new TextEncoder().encode(text);
  if (kind === 'utf-8') return utf8;
  if (kind === 'utf-8-bom') return new Uint8Array([0xef, 0xbb, 0xbf, ...utf8]);
  const le = kind === 'utf-16le';
  const out = new Uint8Array(2 + text.length * 2);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 0xfeff, le);
  for (let i = 0; i < text.length; i++) dv.setUint16(2 + 2 * i, text.charCodeAt(i), le);
  return out;
}

let big: Uint8Array | null = null;
/** One shared buffer of `limit + 1` bytes of `#`: what a bounded reader passes on. */
function oversized(limit: number): Uint8Array {
  if (big?.length !== limit + 1) big = new Uint8Array(limit + 1).fill(0x23);
  return big;
}

/** `n` files: scenario texts in every encoding, binary, broken encodings, oversized. */
export function hostileFiles(n: number, seed: number, limit: number): HostileFile[] {
  const r = rng(seed);
  const texts = hostileTexts(Math.ceil(n / 2), seed + 1, false);
  const out: HostileFile[] = [];
  for (let i = 0; i < n; i++) {
    const roll = r.next();
    const text = i % 2 ? r.pick(SEED_TEXTS) : texts[i >> 1].text;
    let file: Omit<HostileFile, 'name'>;
    if (roll < 0.6) {
      const kind = r.pick(['utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be'] as const);
      file = { kind, bytes: encode(text, kind) };
    } else if (roll < 0.8) {
      const b = new Uint8Array(1 + r.int(4096));
      for (let j = 0; j < b.length; j++) b[j] = r.int(256);
      // Half of them: text with binary spliced in.
      file = { kind: 'binary', bytes: r.next() < 0.5 ? b : new Uint8Array([...encode(text, 'utf-8'), ...b]) };
    } else if (roll < 0.98) {
      const base = encode(text, r.pick(['utf-8', 'utf-16le', 'utf-16be'] as const));
      const b = base.slice(0, Math.max(1, base.length - r.int(3)));
      for (let k = 0; k < 1 + r.int(3); k++)
        b[r.int(b.length)] = r.pick([0x80, 0xc3, 0xed, 0xff, 0xfe, 0xd8, 0x00]);
      file = { kind: 'broken-encoding', bytes: b };
    } else file = { kind: 'oversized', bytes: oversized(limit) };
    out.push({ ...file, name: `hostile-${i}.apic` });
  }
  return out;
}
