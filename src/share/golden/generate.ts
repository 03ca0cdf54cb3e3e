/**
 * Makes the golden corpora of share links. Each is made once, with the link code of its day,
 * and checked in: the links in it are what users hold, so they are never made again.
 *   links-v1.json    v=1 links as issued before the h= field (made before it was added)
 *   links-v1h.json   v=1 links with h=, as issued since
 *
 *   npx tsx src/share/golden/generate.ts --create v1|v1h   write a corpus (refuses if it exists)
 *   npx tsx src/share/golden/generate.ts --states          recompute only the state digests, after
 *                                                          a deliberate change of the emulation
 *
 * `--states` keeps every link and every text: a change that alters what a link decodes to is
 * a broken link, never a reason to regenerate.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mixedActions } from '../../../bench/core.ts';
import { PRESET_ORDER } from '../../presets/order.ts';
import { parseScenario } from '../../scenario/parse.ts';
import type { ShareState, View } from '../url.ts';
import { decodeFragment, encodeFragment } from '../url.ts';
import { CORNER_CASES } from './corner-cases.ts';
import type { GoldenState } from './digest.ts';
import { goldenState, sha256 } from './digest.ts';

export interface GoldenLink {
  name: string;
  /** The link as issued (a fragment with `#`, or a whole URL). */
  link: string;
  /** What it must decode to. Long texts are kept as their digest and length only. */
  text?: string;
  textSha256?: string;
  textLength?: number;
  step: number;
  view?: View;
  compare?: string[];
  state: GoldenState;
}

export interface GoldenCorpus {
  format: 'apicscope-golden-links';
  version: 1;
  made: string;
  note: string;
  links: GoldenLink[];
}

export const CORPORA = { v1: 'links-v1.json', v1h: 'links-v1h.json' } as const;
type Kind = keyof typeof CORPORA;
const pathOf = (kind: Kind) => join(import.meta.dirname, CORPORA[kind]);

/** Every `--set` key with a value that differs from the default. */
const ALL_SETTINGS = [
  'vcpus=4',
  'apic=xapic',
  'irqchip=kernel',
  'apicv=on',
  'secure-avic=on',
  'ioapic.version=0x11',
  'kvm.stale-eoi-rescan=off',
  'kvm.seoib=enabled',
  'kvm.pv-eoi=on',
  'kvm.pv-eoi-disable-fix=off',
  'kvm.savic-eoi-write-check=off',
  'kvm.vector-hashing=off',
  'kvm.storm-limit=5',
  'guest.all=linux',
  'guest.0=windows',
];

/** Recorded sessions: steps, seed of bench/core.ts mixedActions, the link's step and view. */
const SESSIONS = [
  [1000, 42, 1000, 'timeline'],
  [5000, 7, 2500, 'scenario'],
  [20000, 11, 19999, 'config'],
] as const;

const LONG_TEXT = 20_000; // characters above which only the text's digest is kept

function entry(name: string, st: ShareState, link = `#${encodeFragment(st)}`): GoldenLink {
  // The decoder of the day must agree, or the corpus would freeze a mistake.
  const back = decodeFragment(link);
  const want = {
    ok: true,
    state: {
      ...st,
      // A leading U+FEFF has always been dropped by the decoder (TextDecoder's default).
      text: st.text.replace(/^\ufeff/, ''),
      ...(st.view === 'timeline' && !link.includes('view=') ? { view: undefined } : {}),
    },
  };
  if (JSON.stringify(back) !== JSON.stringify(want))
    throw new Error(`${name}: decodes to ${JSON.stringify(back).slice(0, 200)}`);
  // What the link must decode to (the same as st but for a leading U+FEFF).
  const text = want.state.text;
  const long = text.length > LONG_TEXT;
  return {
    name,
    link,
    ...(long ? { textSha256: sha256(text), textLength: text.length } : { text }),
    step: st.step,
    ...(st.view && st.view !== 'timeline' ? { view: st.view } : {}),
    ...(st.compare ? { compare: st.compare } : {}),
    state: goldenState({ ...st, text }),
  };
}

function stepsOf(text: string): number {
  const p = parseScenario(text);
  return p.ok ? p.scenario.steps.length : 0;
}

function create(kind: Kind): GoldenLink[] {
  const out: GoldenLink[] = [];
  const views: View[] = ['timeline', 'scenario', 'config'];
  PRESET_ORDER.forEach((id, i) => {
    const text = readFileSync(join(import.meta.dirname, '..', '..', 'presets', `${id}.apic`), 'utf8');
    const n = stepsOf(text);
    out.push(entry(`preset/${id}@0`, { text, step: 0 }));
    out.push(entry(`preset/${id}@mid`, { text, step: Math.floor(n / 2), view: views[i % 3] }));
    out.push(
      entry(`preset/${id}@end+compare`, {
        text,
        step: n,
        compare: [ALL_SETTINGS[i % ALL_SETTINGS.length]],
      }),
    );
  });
  for (const [name, text] of Object.entries(CORNER_CASES)) {
    const n = stepsOf(text);
    out.push(entry(`corner/${name}`, { text, step: n }));
    if (n > 1) out.push(entry(`corner/${name}@1+view`, { text, step: 1, view: 'config' }));
  }
  const level = readFileSync(join(import.meta.dirname, '..', '..', 'presets', 'level-irq.apic'), 'utf8');
  out.push(entry('compare/every-setting', { text: level, step: 2, compare: ALL_SETTINGS }));
  out.push(entry('compare/empty', { text: level, step: 1, compare: [] }));
  out.push(
    entry('compare/sixteen', {
      text: level,
      step: 0,
      view: 'scenario',
      compare: [...ALL_SETTINGS, 'kvm.storm-limit=6'],
    }),
  );
  // Before h=, a setting that does not apply still opened (the compare view shows the error).
  if (kind === 'v1')
    out.push(entry('compare/not-applicable', { text: level, step: 0, compare: ['vcpus=0'] }));
  out.push(entry('plain/hi', { text: 'hi', step: 0 }));
  out.push(entry('plain/vcpus', { text: 'vcpus 1\n', step: 0 }));
  out.push(entry('plain/empty', { text: '', step: 0 }));
  for (const [steps, seed, step, view] of SESSIONS) {
    const { text } = mixedActions(steps, seed);
    out.push(entry(`session/${steps}-steps`, { text, step, view }));
  }
  if (kind === 'v1h') {
    out.push(
      entry('compare/hyphenated-alias', { text: level, step: 1, compare: ['kvm.seoib=not-advertised'] }),
    );
    out.push(entry('plain/leading-bom', { text: '\ufeffvcpus 1\n', step: 0 }));
    out.push(
      entry(
        'accepted/whole-url-h',
        { text: level, step: 2 },
        `https://example.org/a/?q=1#${encodeFragment({ text: level, step: 2 })}`,
      ),
    );
    return out;
  }
  // Forms the decoder has accepted since v=1 although the encoder does not write them.
  const frag = encodeFragment({ text: level, step: 3 });
  const s = frag.slice(frag.indexOf('&s=') + 1);
  const hand: [string, string, ShareState][] = [
    ['whole-url', `https://example.org/apicscope/?x=1#${frag}`, { text: level, step: 3 }],
    ['no-hash', frag, { text: level, step: 3 }],
    ['no-k', `#v=1&${s}`, { text: level, step: 0 }],
    ['fields-reordered', `#v=1&${s}&view=config&k=3`, { text: level, step: 3, view: 'config' }],
    ['view-timeline', `#v=1&k=3&view=timeline&${s}`, { text: level, step: 3, view: 'timeline' }],
    ['empty-fields', `#v=1&&k=3&${s}&`, { text: level, step: 3 }],
    ['k-leading-zeros', `#v=1&k=0003&${s}`, { text: level, step: 3 }],
    ['k-beyond-end', `#v=1&k=9999999&${s}`, { text: level, step: 9999999 }],
  ];
  for (const [name, link, st] of hand) {
    const e = entry(`accepted/${name}`, st, link);
    if (st.view === 'timeline') e.view = 'timeline';
    out.push(e);
  }
  return out;
}

/** The text of a long generated session, by its corpus name (`session/N-steps`). */
function regenText(name: string): string | null {
  const m = /^session\/(\d+)-steps$/.exec(name);
  const seed = m && SESSIONS.find(([n]) => n === Number(m[1]));
  return seed ? mixedActions(seed[0], seed[1]).text : null;
}

function main(): void {
  const [mode, which] = process.argv.slice(2);
  const kinds: Kind[] =
    mode === '--states' ? ['v1', 'v1h'] : which === 'v1' || which === 'v1h' ? [which] : [];
  if ((mode !== '--create' && mode !== '--states') || kinds.length === 0) {
    console.error('usage: generate.ts --create v1|v1h | --states');
    process.exit(2);
  }
  for (const kind of kinds) {
    const path = pathOf(kind);
    let corpus: GoldenCorpus;
    if (mode === '--create') {
      if (existsSync(path)) throw new Error(`${path} exists: its links are frozen`);
      corpus = {
        format: 'apicscope-golden-links',
        version: 1,
        made:
          kind === 'v1'
            ? 'links issued by the v=1 encoder before the h= field existed; never regenerate'
            : 'links issued by the v=1 encoder with the h= field; never regenerate',
        note: 'docs/share-links.md; checked by src/share/golden.test.ts',
        links: create(kind),
      };
    } else {
      corpus = JSON.parse(readFileSync(path, 'utf8')) as GoldenCorpus;
      for (const e of corpus.links) {
        // Long texts are not stored: the generator makes them again, checked by their digest.
        const again = e.text ?? regenText(e.name);
        if (again === null || (e.text === undefined && sha256(again) !== e.textSha256))
          throw new Error(`${e.name}: its text cannot be rebuilt`);
        e.state = goldenState({ text: again, step: e.step, view: e.view, compare: e.compare });
      }
    }
    writeFileSync(path, `${JSON.stringify(corpus, null, 2)}\n`);
    spawnSync('npx', ['biome', 'format', '--write', path], { stdio: 'inherit' });
    console.log(`${corpus.links.length} links in ${path}`);
  }
}

main();
