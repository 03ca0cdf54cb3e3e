/**
 * Keeps the address bar's fragment equal to the session's share link, so that copying the URL
 * at any step gives that step. Loading a scenario and acting (append, run, configure) make a
 * history entry, so Back after a series of clicks walks back through them inside the app;
 * stepping updates the current entry. Back and Forward reopen the entries' links and give back
 * the undo and redo stacks each entry had (kept here, by entry id: they are too big for
 * history.state). Stepping rewrites the entry once it pauses (REPLACE_DELAY_MS), not at every step.
 */
import { composeFragment } from '../share/url.ts';
import type { VizState, VizStore } from '../store/viz.ts';
import { ALL_DETAILED } from '../worker/protocol.ts';

type Stacks = Pick<VizState, 'undoStack' | 'redoStack'>;

/** The entry's id in history.state, if this app made it. */
function entryId(state: unknown): number | null {
  const id = (state as { apicscope?: unknown } | null)?.apicscope;
  return typeof id === 'number' ? id : null;
}

/**
 * Writing the address bar costs several ms in Chromium (more on a loaded machine): stepping
 * writes it once stepping pauses, when the page is idle.
 */
const REPLACE_DELAY_MS = 250;

/** Writes a pending address-bar update now (Share reads the address bar). */
let flushPending: () => void = () => {};
export function flushUrl(): void {
  flushPending();
}

export function syncUrl(store: VizStore): () => void {
  let last = location.hash.slice(1);
  const stacks = new Map<number, Stacks>();
  let next = (entryId(history.state) ?? 0) + 1;
  let current = entryId(history.state) ?? next++;
  /** While a Back or Forward reopens its entry, the old state on screen must not touch it. */
  let popping = false;
  /** A replace not written yet (the current entry's latest fragment), and its timer. */
  let pending: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const url = (fragment: string) => `${location.pathname}${location.search}#${fragment}`;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending !== null) history.replaceState({ apicscope: current }, '', url(pending));
    pending = null;
  };
  flushPending = flush;
  const update = () => {
    if (popping) return;
    const s = store.getState();
    if (!s.info || !s.frame || s.status !== 'ready') return;
    const fragment = composeFragment(
      s.info.share,
      s.frame.step,
      s.view,
      s.compare ?? undefined,
      s.frame.event ?? undefined,
      // Pinned cards matter only where not every vCPU has one (more than ALL_DETAILED).
      { pinned: s.info.vcpus > ALL_DETAILED ? s.selected : [], allPins: s.allPins },
    );
    if (fragment !== last) {
      const push = s.historyMode === 'push' && last !== '';
      last = fragment;
      if (push) {
        // The entry being left gets its last fragment first.
        flush();
        current = next++;
        history.pushState({ apicscope: current }, '', url(fragment));
      } else {
        pending = fragment;
        clearTimeout(timer);
        timer = setTimeout(() => {
          if (typeof requestIdleCallback === 'function') requestIdleCallback(flush, { timeout: 1000 });
          else flush();
        }, REPLACE_DELAY_MS);
      }
      if (s.historyMode === 'push') store.setState({ historyMode: 'replace' });
    }
    stacks.set(current, { undoStack: s.undoStack, redoStack: s.redoStack });
  };
  const onPop = (e: PopStateEvent) => {
    // What was pending belonged to the entry left (it can no longer be written there).
    clearTimeout(timer);
    timer = undefined;
    pending = null;
    const hash = location.hash.slice(1);
    const id = entryId(e.state);
    if (id !== null) current = id;
    if (hash === last || hash === '') return;
    last = hash;
    popping = true;
    try {
      store.getState().openLink(hash, true, () => {
        const kept = id !== null ? stacks.get(id) : undefined;
        if (kept) store.setState(kept);
      });
    } finally {
      popping = false;
    }
  };
  const unsubscribe = store.subscribe(update);
  window.addEventListener('popstate', onPop);
  return () => {
    flush();
    flushPending = () => {};
    unsubscribe();
    window.removeEventListener('popstate', onPop);
  };
}
