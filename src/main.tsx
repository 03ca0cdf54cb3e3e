import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './index.css';
import { App, createDefaultStore } from './ui/App.tsx';
import { applyTheme, storedTheme, systemTheme } from './ui/common/theme.ts';
import { syncUrl } from './ui/urlSync.ts';

applyTheme(storedTheme() ?? systemTheme(), false);

/**
 * Resolves once the page has painted (the boot progress of index.html): the store and React's
 * first render run after it, so a heavy link shows progress at once (issue 12.3). A rAF callback
 * runs just before a paint and a task queued from it just after; a hidden tab has no frames, so
 * a timer stands in.
 */
function afterFirstPaint(): Promise<void> {
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, 100);
  });
}
await afterFirstPaint();

// The store (and its worker) lives outside React, so StrictMode's double mounting cannot kill it.
// A share link in the address bar opens that state; a bad one says why and opens the default.
const store = createDefaultStore(location.hash.length > 1 ? location.hash.slice(1) : undefined);
window.__apicViz = store;
syncUrl(store);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App store={store} />
  </StrictMode>,
);
