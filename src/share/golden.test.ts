/**
 * The golden corpus: links issued by the v=1 encoder, checked in (golden/links-v1.json), must
 * keep decoding to the same scenario, step, view and compare settings, and open to the same
 * state, forever (docs/share-links.md). A failure here is a broken link in someone's mail.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DICTIONARY_V1 } from './dictionary-v1.ts';
import { goldenState, sha256 } from './golden/digest.ts';
import type { GoldenCorpus } from './golden/generate.ts';
import { decodeFragment } from './url.ts';

const load = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, 'golden', name), 'utf8')) as GoldenCorpus;
const corpus = load('links-v1.json');
/** Links as issued since h= exists: the same cases, each covered by its checksum. */
const corpusH = load('links-v1h.json');

describe('golden share links (v=1)', () => {
  it('the frozen DEFLATE dictionary is byte for byte the one v=1 links were made with', () => {
    const bytes = new TextEncoder().encode(DICTIONARY_V1);
    expect(bytes.length).toBe(22003);
    expect(sha256(bytes)).toBe('55305275732d4d9843b8e65487fd257e7a609c88602dc0cd9dc84a8300811057');
  });

  it('covers every preset, every statement, sessions, compare and view forms', () => {
    const names = corpus.links.map((l) => l.name);
    expect(corpus.links.length).toBeGreaterThanOrEqual(100);
    expect(names.filter((n) => n.startsWith('preset/')).length).toBe(60);
    expect(names.filter((n) => n.startsWith('corner/')).length).toBeGreaterThanOrEqual(20);
    expect(corpus.links.some((l) => l.link.includes('&c='))).toBe(true);
    expect(corpus.links.some((l) => l.link.includes('&view='))).toBe(true);
    expect(corpus.links.some((l) => l.link.includes('&s=t'))).toBe(true);
    expect(corpus.links.some((l) => /&s=z/.test(l.link))).toBe(true);
    expect(corpus.links.some((l) => (l.textLength ?? 0) > 100_000)).toBe(true);
  });

  it('links with h= cover the same cases, every one of them with its checksum', () => {
    expect(corpusH.links.length).toBeGreaterThanOrEqual(100);
    expect(corpusH.links.every((l) => /&h=[0-9a-f]{8}$/.test(l.link))).toBe(true);
    expect(corpus.links.some((l) => l.link.includes('&h='))).toBe(false);
  });

  const all = [
    ...corpus.links.map((l) => [`v1 ${l.name}`, l] as const),
    ...corpusH.links.map((l) => [`v1h ${l.name}`, l] as const),
  ];
  it.each(all)('%s decodes to the same session and state', (_n, g) => {
    const r = decodeFragment(g.link);
    if (!r.ok) throw new Error(`${g.name}: ${r.error}`);
    if (g.text !== undefined) expect(r.state.text).toBe(g.text);
    else {
      expect(r.state.text.length).toBe(g.textLength);
      expect(sha256(r.state.text)).toBe(g.textSha256);
    }
    expect(r.state.step).toBe(g.step);
    expect(r.state.view).toBe(g.view);
    expect(r.state.compare).toEqual(g.compare);
    expect(goldenState(r.state)).toEqual(g.state);
  });
});
