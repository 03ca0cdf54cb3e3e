// @ts-check
/**
 * `npm run mutate`: mutation testing of the emulator and the scenario language with StrykerJS
 * and the vitest runner (not part of `npm test`: it takes long). Incremental: reruns test only
 * the mutants whose code or covering tests changed (reports/ is not committed).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vite.config.ts' },
  mutate: [
    'src/core/**/*.ts',
    'src/scenario/**/*.ts',
    '!src/**/*.test.ts',
    // fast-check generators for the property tests: test code, not product code.
    '!src/scenario/arbitrary.ts',
  ],
  // The whys of trace events are left out (e2e/stryker-event-whys.mjs says why).
  plugins: ['@stryker-mutator/*', './e2e/stryker-event-whys.mjs'],
  ignorers: ['event-whys'],
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants: keyword lists, name tables) each need the whole
  // suite in a fresh process: ~1700 of them would take a day on two cores. They are left out
  // (reported as ignored); docs/mutation.md says what that leaves untested.
  ignoreStatic: true,
  // The machine is shared: one test runner at a time.
  concurrency: 1,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  // Stryker rewrites tsconfig.json with TypeScript's JS API, which TypeScript 7 (native) lacks;
  // the sandbox needs no rewrite (no `extends` or references), so point it at no file.
  tsconfigFile: 'no-tsconfig-rewrite.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  timeoutMS: 10000,
};
