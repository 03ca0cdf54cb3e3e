/**
 * The exploration statements (docs/language.md, Exploration; docs/explore.md): `explore …`
 * (bounds, the alphabet's kinds, added actions, the lints checked) and `invariant CHECK`, each
 * form declared once with its words; the parser reads these tables, the printer prints a spec
 * with printExplore, the editor's completion lists them. `run` ignores these statements.
 */
import type { ExploreSpec } from '../ast.ts';
import type { Arg } from './actions.ts';
import { enumOf } from './values.ts';

/** The kinds of actions `explore actions KIND…` keeps of the alphabet derived from the scenario. */
export const EXPLORE_KINDS = [
  'assert',
  'deassert',
  'pulse',
  'eoi',
  'iret',
  'sti',
  'cli',
  'service',
  'tpr',
  'msi',
  'ipi',
  'run',
] as const;
export type ExploreKind = (typeof EXPLORE_KINDS)[number];

/**
 * The lint names `explore lints` accepts: src/lint/lints.ts LINT_NAMES (a test checks they are
 * the same; the grammar cannot import the lints, which sit above it).
 */
export const EXPLORE_LINTS = [
  'stuck-remote-irr',
  'lost-interrupt',
  'irq-storm',
  'needless-eoi-exit',
  'empty-isr-eoi',
  'low-vector',
  'host-crash',
  'masked-remote-irr',
] as const;

/** Most alternatives one `explore action` line may expand to. */
export const MAX_ALTERNATIVES = 1024;
/** The largest bounds a file may set. */
export const MAX_EXPLORE_DEPTH = 1000;
export const MAX_EXPLORE_STATES = 100_000_000;

/** `explore depth=N max-states=M`: its keys, in the order the printer writes them. */
export const EXPLORE_BOUNDS = [
  { name: 'depth', values: { kind: 'number', min: 1, max: MAX_EXPLORE_DEPTH, radix: 'dec' } },
  { name: 'max-states', values: { kind: 'number', min: 1, max: MAX_EXPLORE_STATES, radix: 'dec' } },
] as const satisfies readonly Arg[];

/** One form of the exploration statements: its keyword, the word after it, how it is written. */
export interface ExploreStatement {
  name: 'explore' | 'invariant';
  /** `explore`'s second word (`actions`, `action`, `lints`), '' for the bounds and `invariant`. */
  form: '' | 'actions' | 'action' | 'lints';
  syntax: string;
  /** The words a list form takes (besides `none`), or the bounds' keys. */
  args: readonly Arg[];
  help: string;
}

export const EXPLORE_STATEMENTS = [
  {
    name: 'explore',
    form: '',
    syntax: 'explore [depth=N] [max-states=M]',
    args: EXPLORE_BOUNDS,
    help: 'the bounds of `apicscope explore` (the command line’s flags win)',
  },
  {
    name: 'explore',
    form: 'actions',
    syntax: 'explore actions KIND…|none',
    args: [{ name: 'kind', positional: true, required: true, values: enumOf(EXPLORE_KINDS) }],
    help: 'the kinds of the derived alphabet kept',
  },
  {
    name: 'explore',
    form: 'action',
    syntax: 'explore action ACTION (a|b alternatives)',
    args: [{ name: 'action', positional: true, required: true, values: { kind: 'string' } }],
    help: 'an action added to the alphabet; a|b expands to one action each',
  },
  {
    name: 'explore',
    form: 'lints',
    syntax: 'explore lints NAME…|none',
    args: [{ name: 'lint', positional: true, required: true, values: enumOf(EXPLORE_LINTS) }],
    help: 'the lints checked as properties (default all)',
  },
  {
    name: 'invariant',
    form: '',
    syntax: 'invariant …',
    args: [],
    help: 'an expect check that must hold after every explored step',
  },
] as const satisfies readonly ExploreStatement[];

/** The list forms' words: `explore actions` and `explore lints`. */
export const EXPLORE_LIST_WORDS: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['actions', EXPLORE_KINDS],
  ['lints', EXPLORE_LINTS],
]);

export function emptyExploreSpec(): ExploreSpec {
  return { depth: null, maxStates: null, kinds: null, actions: [], lints: null, invariants: [], pos: {} };
}

/** The spec's statements in canonical form, one per line (the printer puts them after the configuration). */
export function printExplore(x: ExploreSpec): string[] {
  const out: string[] = [];
  const bound: Record<(typeof EXPLORE_BOUNDS)[number]['name'], number | null> = {
    depth: x.depth,
    'max-states': x.maxStates,
  };
  const bounds = EXPLORE_BOUNDS.filter((b) => bound[b.name] !== null).map(
    (b) => `${b.name}=${bound[b.name]}`,
  );
  if (bounds.length) out.push(`explore ${bounds.join(' ')}`);
  const list = (form: string, words: readonly string[] | null) => {
    if (words !== null) out.push(`explore ${form} ${words.length ? words.join(' ') : 'none'}`);
  };
  list('actions', x.kinds);
  for (const a of x.actions) out.push(`explore action ${a.text}`);
  list('lints', x.lints);
  for (const i of x.invariants) out.push(`invariant ${i.text}`);
  return out;
}
