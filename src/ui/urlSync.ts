/**
 * Keeps the address bar's fragment equal to the session's share link, so that copying the URL
 * at any step gives that step. Loading a new scenario makes a history entry; stepping and
 * acting update the current one; Back and Forward reopen the entries' links.
 */
import { composeFragment } from '../share/url.ts';
import type { VizStore } from '../store/viz.ts';

export function syncUrl(store: VizStore): () => void {
  let last = location.hash.slice(1);
  const update = () => {
    const s = store.getState();
    if (!s.info || !s.frame || s.status !== 'ready') return;
    const fragment = composeFragment(
      s.info.share,
      s.frame.step,
      s.view,
      s.compare ?? undefined,
      s.frame.event ?? undefined,
    );
    if (fragment === last) return;
    const push = s.historyMode === 'push' && last !== '';
    last = fragment;
    const url = `${location.pathname}${location.search}#${fragment}`;
    if (push) history.pushState(null, '', url);
    else history.replaceState(null, '', url);
    if (s.historyMode === 'push') store.setState({ historyMode: 'replace' });
  };
  const onPop = () => {
    const hash = location.hash.slice(1);
    if (hash === last || hash === '') return;
    last = hash;
    store.getState().openLink(hash, true);
  };
  const unsubscribe = store.subscribe(update);
  window.addEventListener('popstate', onPop);
  return () => {
    unsubscribe();
    window.removeEventListener('popstate', onPop);
  };
}
