/**
 * Which page of the reference panel is open, if any: UI state of the page, shared by every
 * citation link (in the main view, the compare columns and the dialogs), so it lives in a small
 * store of its own rather than in a visualizer's session store.
 */
import { createStore } from 'zustand/vanilla';

export type RefTarget =
  /** A rule book entry (and its step or lettered point); no id: the book's introduction. */
  | { tab: 'rules'; id?: string; sub?: string | null }
  /** A section of the language reference by its anchor (`kvm`, `lexical-rules`); none: the start. */
  | { tab: 'language'; section?: string };

export interface ReferenceState {
  target: RefTarget | null;
  /** Where focus goes back to when the panel closes. */
  returnTo: HTMLElement | null;
  open: (target: RefTarget, returnTo?: HTMLElement | null) => void;
  /** Moves within an open panel (links between rules) without changing where focus returns. */
  go: (target: RefTarget) => void;
  close: () => void;
}

export const referenceStore = createStore<ReferenceState>()((set, get) => ({
  target: null,
  returnTo: null,
  open: (target, returnTo) =>
    set({
      target,
      // Opening from inside the panel keeps the first opener.
      returnTo: get().target
        ? get().returnTo
        : returnTo !== undefined
          ? returnTo
          : document.activeElement instanceof HTMLElement
            ? document.activeElement
            : null,
    }),
  go: (target) => set({ target }),
  close: () => {
    const back = get().returnTo;
    set({ target: null, returnTo: null });
    if (back?.isConnected) back.focus();
  },
}));
