/// <reference types="vitest/config" />
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { defineConfig } from 'vite';
import { configDefaults } from 'vitest/config';

/** Scenario, URL and file text is untrusted: the built app forbids inline script and eval. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function contentSecurityPolicy(): Plugin {
  return {
    name: 'apicscope-csp',
    apply: 'build', // the dev server's HMR preamble is an inline script
    transformIndexHtml: (html) =>
      html.replace('<head>', `<head>\n    <meta http-equiv="Content-Security-Policy" content="${CSP}" />`),
  };
}

/**
 * Mutation testing (`npm run mutate`; Stryker marks its test processes so) runs the covering
 * tests once per mutant. The fuzz, property, subprocess and timing tests take seconds each and
 * check robustness and invariants more than results: they are left out there, or a run would
 * take a day on two cores.
 */
const MUTATING = process.env.STRYKER_MUTATOR_WORKER !== undefined;
const SLOW_TESTS = [
  'src/cli/cli.test.ts',
  'src/core/properties.test.ts',
  'src/share/url.test.ts',
  'src/worker/session.test.ts',
];

export default defineConfig({
  plugins: [react(), tailwindcss(), contentSecurityPolicy()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: false },
  test: {
    include: ['src/**/*.test.ts'],
    exclude: MUTATING ? [...configDefaults.exclude, ...SLOW_TESTS] : configDefaults.exclude,
    environment: 'node',
    testTimeout: 30000,
  },
});
