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

/**
 * The emulator worker's own policy (issue 14.12): a meta CSP does not reach a worker, whose
 * policy is the one its script is served with. It loads its own modules and nothing else: no
 * eval, no fetch, no sockets (default-src 'none' covers connect-src). docs/hosting.md.
 */
export const WORKER_CSP = "default-src 'none'; script-src 'self'";

/**
 * What the app's pages are served with where the host sends headers: the page policy again
 * (a meta tag cannot say frame-ancestors), framing refused for the app. The embed page
 * (embed.html, read-only) may be framed from anywhere. docs/hosting.md.
 */
export const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': `${CSP}; frame-ancestors 'none'`,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};
export const EMBED_HEADERS: Record<string, string> = {
  'Content-Security-Policy': `${CSP}; frame-ancestors *`,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};
export const WORKER_HEADERS: Record<string, string> = {
  'Content-Security-Policy': WORKER_CSP,
  'X-Content-Type-Options': 'nosniff',
};

/** Which headers a path gets: the worker script, the embed page, or the app (and everything else). */
export function headersFor(url: string): Record<string, string> {
  const path = url.split('?')[0];
  if (
    /\/assets\/worker-[^/]+\.js$/.test(path) ||
    /\/src\/worker\/[^/]+\.ts$/.test(path) ||
    url.includes('worker_file')
  )
    return WORKER_HEADERS;
  if (/\/embed(\.html)?$/.test(path)) return EMBED_HEADERS;
  return PAGE_HEADERS;
}

/**
 * The same rules as a static host's `_headers` file (Netlify, Cloudflare Pages): dist/_headers.
 * Those hosts apply every rule that matches a path, and several CSP headers are each enforced
 * (the strictest wins), so framing is refused by a rule of its own for the app's page only.
 */
export function headersFile(): string {
  const block = (path: string, h: Record<string, string>) =>
    [path, ...Object.entries(h).map(([k, v]) => `  ${k}: ${v}`)].join('\n');
  const common = { ...EMBED_HEADERS, 'Content-Security-Policy': CSP };
  const noFraming = { 'Content-Security-Policy': "frame-ancestors 'none'", 'X-Frame-Options': 'DENY' };
  return `${[
    '# Made by vite.config.ts (docs/hosting.md). Every matching rule applies.',
    block('/*', common),
    block('/', noFraming),
    block('/index.html', noFraming),
    block('/assets/worker-*', { 'Content-Security-Policy': WORKER_CSP }),
  ].join('\n\n')}\n`;
}

/** Sends headersFor() from `vite preview` and `vite dev`, and writes dist/_headers for static hosts. */
function securityHeaders(): Plugin {
  const middleware = (
    req: { url?: string },
    res: { setHeader(k: string, v: string): void },
    next: () => void,
  ) => {
    for (const [k, v] of Object.entries(headersFor(req.url ?? '/'))) res.setHeader(k, v);
    next();
  };
  return {
    name: 'apicscope-security-headers',
    configurePreviewServer: (server) => {
      server.middlewares.use(middleware);
    },
    configureServer: (server) => {
      server.middlewares.use(middleware);
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: '_headers', source: headersFile() });
    },
  };
}

function contentSecurityPolicy(): Plugin {
  return {
    name: 'apicscope-csp',
    apply: 'build', // the dev server's HMR preamble is an inline script
    transformIndexHtml: (html) =>
      html.replace('<head>', `<head>\n    <meta http-equiv="Content-Security-Policy" content="${CSP}" />`),
  };
}

/**
 * The app's stylesheet is moved from <head> to the end of <body>: in <head> it holds back the
 * first paint until it has loaded, so the boot progress (index.html, styled inline) showed only
 * after it (heavy_link_progress_ms, issue 12.3). At the end of <body> it still holds back the
 * module scripts (a parser-inserted stylesheet blocks scripts until it loads), so the app never
 * renders unstyled.
 */
function stylesheetsLast(html: string): string {
  const links: string[] = [];
  const rest = html.replace(/[ \t]*<link rel="stylesheet"[^>]*>\n?/g, (l) => {
    links.push(l.trim());
    return '';
  });
  if (links.length === 0) return html;
  return rest.replace('</body>', `  ${links.join('\n    ')}\n  </body>`);
}

function stylesheetsAfterFirstPaint(): Plugin {
  return {
    name: 'apicscope-stylesheets-last',
    apply: 'build',
    transformIndexHtml: { order: 'post', handler: stylesheetsLast },
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

// Inside a mutation run (Stryker sets STRYKER_MUTATOR_WORKER): quickest test files first.
const mutationSequencer =
  process.env.STRYKER_MUTATOR_WORKER === undefined
    ? undefined
    : (await import('./e2e/mutation-sequencer.ts')).default;

export default defineConfig({
  plugins: [
    react(),
    tailwindcss(),
    contentSecurityPolicy(),
    stylesheetsAfterFirstPaint(),
    securityHeaders(),
    emptyOutDirButCli(),
  ],
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
    // Inside a mutation run the test files share one module graph (isolate: false): Stryker
    // activates mutants through a global, so no file needs a fresh graph, and re-evaluating it
    // for every file was most of each mutant's time (docs/mutation.md).
    ...(mutationSequencer && { sequence: { sequencer: mutationSequencer }, isolate: false }),
  },
});
