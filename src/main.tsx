import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './index.css';
import { App, createDefaultStore } from './ui/App.tsx';
import { applyTheme, storedTheme, systemTheme } from './ui/common/theme.ts';
import { syncUrl } from './ui/urlSync.ts';

applyTheme(storedTheme() ?? systemTheme(), false);
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
