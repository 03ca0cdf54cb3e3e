/**
 * One-way dependencies (design/architecture.md): ui → store → worker protocol →
 * core/scenario/replay; cli → scenario/replay/core; share is a library of formats below the
 * worker. Checked by `npm run deps` (a stage of `npm test`) through e2e/deps.mjs, which hands
 * dependency-cruiser a JavaScript copy of src: module `src/x/y.ts` appears as `src/x/y.ts.js`,
 * and every type-only import as a dynamic one (`dynamic: true` below means "type-only").
 *
 * Run-time imports follow the layers exactly. Type-only imports may also skip layers downwards
 * (never upwards, so types make no cycles either): they are erased when compiled
 * (verbatimModuleSyntax keeps exactly the `import type` ones out of the bundle), and the data
 * shapes are declared once, in the layer that owns them (Config in core, ScenarioError in
 * scenario, Frame in the worker protocol), rather than copied into every layer above.
 *
 * Tests (*.test.ts) may drive any layer and are exempt, except from the cycle rule.
 */

/** Layers, lowest first; each may import at run time the folders listed. */
const LAYERS = [
  ['core', ['core']],
  ['presets', ['presets']],
  ['scenario', ['scenario', 'core']],
  ['replay', ['replay', 'scenario', 'core']],
  ['share', ['share', 'scenario', 'core']],
  ['lint', ['lint', 'replay', 'scenario', 'core']],
  ['import', ['import', 'lint', 'replay', 'scenario', 'core']],
  ['explore', ['explore', 'lint', 'replay', 'scenario', 'core']],
  ['worker', ['worker', 'share', 'lint', 'import', 'explore', 'replay', 'scenario', 'core']],
  ['store', ['store', 'worker', 'share']],
  ['ui', ['ui', 'store', 'worker', 'share', 'presets']],
  ['cli', ['cli', 'share', 'lint', 'import', 'explore', 'replay', 'scenario', 'core']],
];
/** Layers of one rank do not import each other (the scenario data is below all of them). */
const RANK = {
  core: 0,
  presets: 0,
  scenario: 1,
  replay: 2,
  share: 3,
  lint: 3,
  import: 3.5,
  explore: 3.5,
  worker: 4,
  store: 5,
  ui: 6,
  cli: 6,
};

const TEST = '\\.test\\.tsx?';
/**
 * Test helpers: scenario-text runners, fast-check generators, and the share links' golden corpus
 * and hostile-input tools (they drive every layer, as tests do, and nothing in the product uses them).
 */
const TEST_SUPPORT =
  '^src/((replay/testing|scenario/arbitrary|explore/testing)\\.ts|share/(golden|hostile)/)';
/**
 * Modules of constants and pure functions with no imports at all: every layer may use them (the
 * rule book's parser and citation finder: the app links citations, the tests check the book;
 * the decoding of external text: the app's file input and the command line read files alike).
 */
const LEAVES = '^src/(core/(hex|limits)|scenario/(limits|text-input)|docs/rulebook).ts';
/**
 * The scenario language's declared grammar (tables, types, the action printer): it imports at
 * run time only itself and the leaves, so every layer above the scenario, the UI thread
 * included, may use it without taking the parser along.
 */
const GRAMMAR = '^src/scenario/grammar/';
/**
 * What the UI thread loads: it must never reach the parser or the emulator (they live in the
 * worker). Every run-time import from here stays here or goes to a leaf, so the bundle does too.
 */
const MAIN_THREAD =
  '^src/(main\\.tsx|ui/|store/|presets/|worker/(protocol|host|diff)\\.ts|share/(url|figure|qemu-monitor|dictionary-v1)\\.ts)';

const folders = (names) => `^src/(${names.join('|')})/`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No cycles, through type-only imports neither.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-imports-only-core',
      severity: 'error',
      comment:
        'The emulator runs anywhere (Node, a Worker, tests): nothing in src/core imports from the rest of src.',
      from: { path: '^src/core/', pathNot: TEST },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    ...LAYERS.map(([layer, allowed]) => ({
      name: `${layer}-runtime-imports`,
      severity: 'error',
      comment: `At run time src/${layer} imports only ${allowed.map((f) => `src/${f}`).join(', ')} (and the leaves).`,
      from: { path: `^src/${layer}/`, pathNot: [TEST, TEST_SUPPORT] },
      to: { path: '^src/', pathNot: [folders(allowed), LEAVES, GRAMMAR], dynamic: false },
    })),
    ...LAYERS.map(([layer]) => ({
      name: `${layer}-not-upwards`,
      severity: 'error',
      comment: `src/${layer} imports no higher or sibling layer, type-only imports neither.`,
      from: { path: `^src/${layer}/`, pathNot: [TEST, TEST_SUPPORT] },
      to: {
        path: folders(Object.keys(RANK).filter((l) => l !== layer && RANK[l] >= RANK[layer])),
        pathNot: LEAVES,
      },
    })),
    {
      name: 'main-runtime-imports',
      severity: 'error',
      comment: 'The entry point mounts the UI.',
      from: { path: '^src/main\\.tsx' },
      to: { path: '^src/', pathNot: ['^src/ui/', '^src/index\\.css'], dynamic: false },
    },
    {
      name: 'main-thread-stays-on-the-main-thread',
      severity: 'error',
      comment:
        'The UI thread never loads the parser or the emulator: the worker parses, validates, prints actions and runs the machine.',
      from: { path: MAIN_THREAD, pathNot: TEST },
      to: { path: '^src/', pathNot: [MAIN_THREAD, LEAVES, GRAMMAR, '^src/index\\.css'], dynamic: false },
    },
    {
      name: 'grammar-imports-only-grammar',
      severity: 'error',
      comment:
        'The grammar is data the UI thread loads: at run time it imports only itself and the leaves (types from below are fine).',
      from: { path: GRAMMAR, pathNot: TEST },
      to: { path: '^src/', pathNot: [GRAMMAR, LEAVES], dynamic: false },
    },
    {
      name: 'leaves-import-nothing',
      severity: 'error',
      comment: 'A leaf is importable from everywhere because it imports nothing.',
      from: { path: LEAVES },
      to: {},
    },
    {
      name: 'test-support-only-in-tests',
      severity: 'error',
      comment: 'Test helpers stay out of the product.',
      from: { path: '^src/', pathNot: [TEST, TEST_SUPPORT] },
      to: { path: TEST_SUPPORT },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    moduleSystems: ['es6'],
  },
};
