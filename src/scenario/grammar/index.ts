/**
 * The scenario language declared once (scenario-language.md v1.1): value kinds, configuration
 * statements and KVM switches, actions and vCPU operations, expectations and counters. Plain
 * data, types and pure functions, importing nothing but types and leaves, so that the UI thread
 * loads it without the parser or the emulator (.dependency-cruiser.cjs GRAMMAR).
 */
export * from './actions.ts';
export * from './config.ts';
export * from './expect.ts';
export * from './explore.ts';
export * from './read.ts';
export * from './values.ts';

/** The statements that are neither configuration nor action. */
export const OTHER_STATEMENTS = [
  { name: 'expect', syntax: 'expect …', help: 'a check after the step above (§7)' },
  { name: 'note', syntax: 'note "…"', help: 'a note on the next step' },
  {
    name: 'ask',
    syntax: 'ask "…" answer=cpu vector=V | remote-irr pin=N | eoi-reaches-ioapic',
    help: 'teaching mode: a question about the next step (`run` ignores it)',
  },
  // Their forms: explore.ts EXPLORE_STATEMENTS.
  {
    name: 'explore',
    syntax: 'explore depth=N max-states=M | actions KIND… | action ACTION | lints NAME…',
    help: 'what `apicscope explore` searches (`run` ignores it)',
  },
  { name: 'invariant', syntax: 'invariant …', help: 'a check after every explored step (`run` ignores it)' },
] as const;
