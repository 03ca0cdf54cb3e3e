/**
 * A modal dialog on the native <dialog> element (showModal): the page behind is inert, Esc
 * closes it, Tab stays inside, and focus returns to where it was when it closes.
 */
import type { ReactNode } from 'react';
import { useLayoutEffect, useRef } from 'react';

const FOCUSABLE =
  'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function Modal({
  onClose,
  labelledBy,
  describedBy,
  alert = false,
  className = '',
  children,
}: {
  onClose: () => void;
  labelledBy: string;
  describedBy?: string;
  /** An alertdialog: a question that needs an answer (the discard dialog). */
  alert?: boolean;
  className?: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  /** Unmounted by the owner: the close event that follows is not news to it. */
  const gone = useRef(false);
  // A layout effect: open before the children's effects run, so that one may move focus inside.
  useLayoutEffect(() => {
    const d = ref.current;
    if (!d) return;
    gone.current = false;
    const back = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!d.open) d.showModal();
    return () => {
      gone.current = true;
      if (d.open) d.close();
      if (back?.isConnected) back.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      role={alert ? 'alertdialog' : undefined}
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      data-testid="modal"
      onClose={() => {
        // Esc closed it (the browser's cancel): tell the owner, who unmounts it.
        if (!gone.current) close.current();
      }}
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key !== 'Tab') return;
        // Tab cycles within the dialog (the browser would let it leave to its own chrome).
        const all = [...(ref.current?.querySelectorAll<HTMLElement>(FOCUSABLE) ?? [])];
        if (!all.length) return;
        const i = all.indexOf(document.activeElement as HTMLElement);
        const next = e.shiftKey ? (i <= 0 ? all.length - 1 : i - 1) : i === all.length - 1 ? 0 : i + 1;
        e.preventDefault();
        all[next].focus();
      }}
      onClick={(e) => {
        // A click on the backdrop (the dialog box itself, outside its content) closes it.
        if (e.target === ref.current) close.current();
      }}
      className={`m-auto max-h-[90vh] rounded-lg border-0 bg-white p-0 text-slate-800 shadow-xl backdrop:bg-slate-950/50 dark:bg-slate-900 dark:text-slate-100 ${className}`}
    >
      <div className="p-4">{children}</div>
    </dialog>
  );
}
