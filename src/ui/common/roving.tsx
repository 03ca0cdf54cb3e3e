/**
 * Roving tabindex (WAI-ARIA toolbar and tabs patterns): a group of controls is one Tab stop; the
 * arrow keys, Home and End move within it. The DOM holds the state (which item has tabindex 0),
 * so that controls rendered by children need no wiring.
 */
import type { FocusEvent as ReactFocusEvent, KeyboardEvent as ReactKeyboardEvent, ReactNode } from 'react';
import { useCallback, useEffect, useRef } from 'react';

const ITEMS = 'button:not([disabled]), input:not([disabled]), select:not([disabled]), [role="tab"]';

function itemsOf(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(ITEMS)).filter(
    (el) => el.closest('[data-roving]') === root,
  );
}

/** In a text field the arrows move the caret; they leave the field only at its edges. */
function caretAllows(el: HTMLElement, dir: -1 | 1): boolean {
  if (!(el instanceof HTMLInputElement) || el.type === 'range') return true;
  const { selectionStart: a, selectionEnd: b, value } = el;
  if (a === null || b === null) return true;
  return dir < 0 ? a === 0 && b === 0 : a === value.length && b === value.length;
}

/**
 * Returns a ref and a keydown handler for the group's element. `active` picks the item that holds
 * the Tab stop when focus is elsewhere (default: the first; tabs use the selected tab).
 */
export function useRoving<T extends HTMLElement>(
  orientation: 'horizontal' | 'vertical' = 'horizontal',
  active?: (items: HTMLElement[]) => HTMLElement | undefined,
) {
  const ref = useRef<T>(null);
  const pick = useRef(active);
  pick.current = active;
  // After every render: exactly one item is a Tab stop (the focused one if focus is inside).
  useEffect(() => {
    const root = ref.current;
    if (!root) return;
    const items = itemsOf(root);
    const focused = items.find((el) => el === document.activeElement);
    const chosen =
      focused ?? pick.current?.(items) ?? items.find((el) => el.dataset.rovingStop === '1') ?? items[0];
    // Written only where they differ: this runs after every render (10 a second in a live run),
    // and an attribute write schedules style work even when the value is the same.
    for (const el of items) {
      const tab = el === chosen ? 0 : -1;
      const stop = el === chosen ? '1' : '0';
      if (el.tabIndex !== tab) el.tabIndex = tab;
      if (el.dataset.rovingStop !== stop) el.dataset.rovingStop = stop;
    }
  });
  const onKeyDown = useCallback(
    (e: ReactKeyboardEvent) => {
      const root = ref.current;
      if (!root || e.altKey || e.ctrlKey || e.metaKey) return;
      const items = itemsOf(root);
      const at = items.indexOf(document.activeElement as HTMLElement);
      if (at < 0) return;
      const back = orientation === 'horizontal' ? 'ArrowLeft' : 'ArrowUp';
      const fwd = orientation === 'horizontal' ? 'ArrowRight' : 'ArrowDown';
      let to: number;
      if (e.key === back && caretAllows(items[at], -1)) to = (at - 1 + items.length) % items.length;
      else if (e.key === fwd && caretAllows(items[at], 1)) to = (at + 1) % items.length;
      else if (e.key === 'Home' && !(items[at] instanceof HTMLInputElement)) to = 0;
      else if (e.key === 'End' && !(items[at] instanceof HTMLInputElement)) to = items.length - 1;
      else return;
      // Handled here: the app's step keys (← → Home End) must not also move the timeline.
      e.preventDefault();
      e.stopPropagation();
      for (const el of items) {
        el.tabIndex = -1;
        el.dataset.rovingStop = '0';
      }
      items[to].tabIndex = 0;
      items[to].dataset.rovingStop = '1';
      items[to].focus();
      if (items[to].getAttribute('role') === 'tab') items[to].click();
    },
    [orientation],
  );
  const onFocus = useCallback((e: ReactFocusEvent) => {
    // A click (or a programmatic focus) on an item makes it the group's Tab stop.
    const root = ref.current;
    if (!root) return;
    const items = itemsOf(root);
    if (!items.includes(e.target as HTMLElement)) return;
    for (const el of items) {
      el.tabIndex = el === e.target ? 0 : -1;
      el.dataset.rovingStop = el === e.target ? '1' : '0';
    }
  }, []);
  return { ref, onKeyDown, onFocus, 'data-roving': '' } as const;
}

/** A role=toolbar group: one Tab stop, ←/→/Home/End move among its controls. */
export function Toolbar({
  label,
  className,
  children,
}: {
  label: string;
  className?: string;
  children: ReactNode;
}) {
  const roving = useRoving<HTMLDivElement>();
  return (
    <div role="toolbar" aria-label={label} className={className} {...roving}>
      {children}
    </div>
  );
}
