import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './index.css';
import { App, createDefaultStore } from './ui/App.tsx';
import { applyTheme, storedTheme, systemTheme } from './ui/common/theme.ts';

applyTheme(storedTheme() ?? systemTheme(), false);
// The store (and its worker) lives outside React, so StrictMode's double mounting cannot kill it.
const store = createDefaultStore();
window.__apicViz = store;

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App store={store} />
  </StrictMode>,
);
