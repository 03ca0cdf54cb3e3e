/**
 * The `explore` and `invariant` statements (docs/language.md, Exploration): the words they take,
 * the expansion of `a|b` alternatives, and their printing. The parser calls into here so that
 * its own edit stays small; `run` ignores these statements.
 */
import type { ExploreSpec } from './ast.ts';
import type { Token } from './lexer.ts';

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
 * the same; the scenario layer cannot import the lints, which sit above it).
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

/** Keys of `explore depth=N max-states=M`. */
export const EXPLORE_BOUNDS = ['depth', 'max-states'] as const;
/** Most alternatives one `explore action` line may expand to. */
export const MAX_ALTERNATIVES = 1024;
/** The largest bounds a file may set. */
export const MAX_EXPLORE_DEPTH = 1000;
export const MAX_EXPLORE_STATES = 100_000_000;

export function emptyExploreSpec(): ExploreSpec {
  return { depth: null, maxStates: null, kinds: null, actions: [], lints: null, invariants: [], pos: {} };
}

/**
 * Every combination of the alternatives in `tokens` (a word `a|b`, or `key=a|b`), the first
 * token's alternatives varying slowest; null when there are more than MAX_ALTERNATIVES. An empty
 * alternative (`a||b`, `key=|a`) is reported by the caller: it is returned as an empty string.
 */
export function expandAlternatives(tokens: Token[]): Token[][] | null {
  let out: Token[][] = [[]];
  for (const t of tokens) {
    if (t.kind !== 'word' || !t.text.includes('|')) {
      for (const o of out) o.push(t);
      continue;
    }
    const eq = t.text.indexOf('=');
    const key = eq > 0 && eq < t.text.indexOf('|') ? t.text.slice(0, eq + 1) : '';
    const alts = t.text.slice(key.length).split('|');
    if (out.length * alts.length > MAX_ALTERNATIVES) return null;
    const next: Token[][] = [];
    for (const o of out) for (const a of alts) next.push([...o, { kind: 'word', text: key + a, col: t.col }]);
    out = next;
  }
  return out;
}

/** The spec's statements in canonical form, one per line (the printer puts them after the configuration). */
export function printExplore(x: ExploreSpec): string[] {
  const out: string[] = [];
  const bounds: string[] = [];
  if (x.depth !== null) bounds.push(`depth=${x.depth}`);
  if (x.maxStates !== null) bounds.push(`max-states=${x.maxStates}`);
  if (bounds.length) out.push(`explore ${bounds.join(' ')}`);
  if (x.kinds !== null) out.push(`explore actions ${x.kinds.length ? x.kinds.join(' ') : 'none'}`);
  for (const a of x.actions) out.push(`explore action ${a.text}`);
  if (x.lints !== null) out.push(`explore lints ${x.lints.length ? x.lints.join(' ') : 'none'}`);
  for (const i of x.invariants) out.push(`invariant ${i.text}`);
  return out;
}
