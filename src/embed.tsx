/**
 * embed.html: the read-only view for slides, course pages and mailing-list archives. It opens
 * the share link in its fragment (the same links as the app) and only steps through it.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './index.css';
import { createDefaultStore } from './ui/App.tsx';
import { applyTheme, systemTheme } from './ui/common/theme.ts';
import { EmbedApp } from './ui/embed/EmbedApp.tsx';

applyTheme(systemTheme(), false);
const store = createDefaultStore(location.hash.length > 1 ? location.hash.slice(1) : undefined);
window.__apicViz = store;

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <EmbedApp store={store} />
  </StrictMode>,
);
