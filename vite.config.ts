/// <reference types="vitest/config" />
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { defineConfig } from 'vite';

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
 * Empties dist/ before a build as Vite would, but keeps dist/cli/: the built command line
 * (`bin` in package.json, made by `npm install`), which a `vite build` must not delete.
 */
function emptyOutDirButCli(): Plugin {
  let outDir = '';
  return {
    name: 'apicscope-empty-out-dir-but-cli',
    apply: 'build',
    configResolved: (config) => {
      outDir = resolve(config.root, config.build.outDir);
    },
    buildStart: () => {
      if (!existsSync(outDir)) return;
      for (const f of readdirSync(outDir))
        if (f !== 'cli') rmSync(resolve(outDir, f), { recursive: true, force: true });
    },
  };
}

export default defineConfig({
  plugins: [react(), tailwindcss(), contentSecurityPolicy(), emptyOutDirButCli()],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    sourcemap: false,
    emptyOutDir: false,
    // The app, and embed.html: the read-only view for frames (docs/hosting.md).
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, 'index.html'),
        embed: resolve(import.meta.dirname, 'embed.html'),
      },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30000,
  },
});
