/** Keyboard shortcuts and the legend, as a modal dialog. */
import { useEffect, useRef } from 'react';
import { Cited, LINK } from '../reference/Cited.tsx';
import type { RefTarget } from '../reference/state.ts';
import { referenceStore } from '../reference/state.ts';
import { Button } from './Button.tsx';

export const SHORTCUTS: [string, string][] = [
  ['→ or j', 'step forward'],
  ['← or k', 'step back'],
  ['. and ,', 'next / previous event of the step (sub-step); the state after it is shown'],
  ['Home / End', 'jump to the start / the end'],
  ['Space', 'run the guests / stop the run'],
  ['g', 'jump to a step (focus the step box)'],
  ['Ctrl+Z / Ctrl+Shift+Z', 'undo / redo'],
  ['t', 'toggle light / dark theme'],
  ['?', 'this help'],
  ['Esc', 'close dialogs'],
];

export function HelpOverlay({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  /** What had focus before help opened: the reference, opened from here, gives focus back to it. */
  const opener = useRef<HTMLElement | null>(null);
  useEffect(() => {
    if (document.activeElement instanceof HTMLElement) opener.current = document.activeElement;
    ref.current?.querySelector('button')?.focus();
  }, []);
  const openReference = (target: RefTarget) => {
    onClose();
    referenceStore.getState().open(target, opener.current);
  };
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-slate-950/50 p-4">
      <div
        ref={ref}
        role="dialog"
        aria-modal="true"
        aria-labelledby="help-h"
        className="max-w-lg rounded-lg bg-white p-4 text-sm text-slate-800 shadow-xl dark:bg-slate-900 dark:text-slate-100"
      >
        <div className="mb-2 flex items-center justify-between">
          <h2 id="help-h" className="m-0 text-base font-semibold">
            Keyboard and legend
          </h2>
          <Button onClick={onClose} aria-label="Close help">
            Close
          </Button>
        </div>
        <table className="w-full text-xs">
          <tbody>
            {SHORTCUTS.map(([k, what]) => (
              <tr key={k}>
                <th scope="row" className="py-0.5 pr-3 text-left font-mono font-semibold">
                  {k}
                </th>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3 className="mb-1 mt-3 text-sm font-semibold">Reading a vCPU card</h3>
        <ul className="m-0 list-disc space-y-0.5 pl-5 text-xs">
          <li>Each grid is one 256-bit register: row = priority class (vector ≫ 4), column = low nibble.</li>
          <li>
            <span className="legend-irr">IRR</span> pending, <span className="legend-isr">ISR</span> in
            service, <span className="legend-tmr">TMR</span> level-triggered,{' '}
            <span className="legend-handled">handled</span> = KVM forwards its EOI to the IOAPIC.
          </li>
          <li>
            A ringed cell changed in the current step. In IRR, darker empty cells are classes that PPR blocks.
          </li>
          <li>
            Every event in the timeline says why it happened and which rule (<Cited text="R3.8, R7.5" />, …)
            applied; a rule opens in the reference.
          </li>
        </ul>
        <h3 className="mb-1 mt-3 text-sm font-semibold">Reference (in the app, works offline)</h3>
        <ul className="m-0 list-disc space-y-0.5 pl-5 text-xs">
          <li>
            <button
              type="button"
              className={`${LINK} border-0 bg-transparent p-0 font-semibold`}
              onClick={() => openReference({ tab: 'language' })}
            >
              Language reference
            </button>
            : every statement, key, action, expectation and counter of a scenario, with examples.
          </li>
          <li>
            <button
              type="button"
              className={`${LINK} border-0 bg-transparent p-0 font-semibold`}
              onClick={() => openReference({ tab: 'rules' })}
            >
              Rule book
            </button>
            : every rule the whys cite, what KVM or QEMU does and the function it follows.
          </li>
        </ul>
      </div>
    </div>
  );
}
