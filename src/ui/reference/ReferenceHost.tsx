/**
 * The reference panel's dialog: a side sheet over the app while a citation's rule (or the
 * language reference) is open. Esc or Close closes it and focus goes back to the link that
 * opened it; Tab stays inside; the app's shortcuts do not fire from inside it. Its content (a
 * chunk of its own) and the two documents (files of their own) load on first use.
 */
import type { KeyboardEvent } from 'react';
import { Suspense, useEffect, useRef } from 'react';
import { useStore } from 'zustand';
import { Button } from '../common/Button.tsx';
import { lazyView } from '../common/lazyView.tsx';
import type { RefTarget } from './state.ts';
import { referenceStore } from './state.ts';

// Its chunk and the documents: if either cannot be loaded, the sheet says so (lazyView).
const ReferencePanel = lazyView(() => import('./ReferencePanel.tsx').then((m) => m.default), 'The reference');

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select, textarea, [tabindex="0"]';

/** Keeps Tab and Shift+Tab inside `root`. */
function trapTab(e: KeyboardEvent, root: HTMLElement) {
  const all = [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null);
  if (!all.length) return;
  const first = all[0];
  const last = all[all.length - 1];
  const at = document.activeElement;
  if (e.shiftKey && (at === first || !root.contains(at))) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (at === last || !root.contains(at))) {
    e.preventDefault();
    first.focus();
  }
}

function Sheet({ target }: { target: RefTarget }) {
  const ref = useRef<HTMLDivElement>(null);
  const close = () => referenceStore.getState().close();
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('[data-ref-close]')?.focus();
  }, []);
  const onKeyDown = (e: KeyboardEvent) => {
    // The app's shortcuts (steps, theme, help) belong to the page behind.
    e.stopPropagation();
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
    } else if (e.key === 'Tab' && ref.current) trapTab(e, ref.current);
  };
  return (
    <div className="fixed inset-0 z-50 flex justify-end bg-slate-950/40" role="presentation">
      <div
        ref={ref}
        role="dialog"
        aria-modal="true"
        aria-labelledby="ref-h"
        onKeyDown={onKeyDown}
        data-testid="reference"
        className="flex h-full w-full max-w-3xl flex-col bg-white text-slate-800 shadow-2xl dark:bg-slate-900 dark:text-slate-100"
      >
        <div className="flex items-center justify-between gap-2 border-b border-slate-200 px-4 py-2 dark:border-slate-700">
          <h2 id="ref-h" className="m-0 text-base font-semibold">
            Reference
          </h2>
          <Button data-ref-close onClick={close} aria-label="Close the reference (Esc)">
            Close
          </Button>
        </div>
        <Suspense fallback={<p className="px-4 py-3 text-sm text-slate-500">Loading the reference…</p>}>
          <ReferencePanel target={target} />
        </Suspense>
      </div>
    </div>
  );
}

export function ReferenceHost() {
  const target = useStore(referenceStore, (s) => s.target);
  return target ? <Sheet target={target} /> : null;
}
