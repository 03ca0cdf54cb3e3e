/** Step back and forward, the scrubber, jump to a step, run and stop, undo and redo. */
import { useEffect, useState } from 'react';
import { Button } from '../common/Button.tsx';
import { grouped } from '../common/format.ts';
import { useViz } from '../context.ts';

/** A 16×16 stroke-and-fill icon (the system fonts may lack media-control glyphs). */
function Icon({ d }: { d: string }) {
  return (
    <svg width="12" height="12" viewBox="0 0 16 16" aria-hidden="true" className="block">
      <path d={d} fill="currentColor" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" />
    </svg>
  );
}

export function Transport() {
  const step = useViz((s) => s.frame?.step ?? 0);
  const length = useViz((s) => s.info?.steps.length ?? 0);
  const status = useViz((s) => s.status);
  const run = useViz((s) => s.run);
  const seek = useViz((s) => s.seek);
  // From the step last asked for: clicks faster than frames each count (issue 14.6).
  const stepBy = useViz((s) => s.stepBy);
  const startRun = useViz((s) => s.startRun);
  const stopRun = useViz((s) => s.stopRun);
  const undo = useViz((s) => s.undo);
  const redo = useViz((s) => s.redo);
  const canUndo = useViz((s) => s.undoStack.length > 0);
  const canRedo = useViz((s) => s.redoStack.length > 0);
  const [jump, setJump] = useState(String(step));
  useEffect(() => setJump(String(step)), [step]);
  const running = status === 'running';
  return (
    <nav
      aria-label="Timeline controls"
      data-testid="transport"
      className="flex flex-wrap items-center gap-2 rounded-lg border border-slate-200 bg-white px-3 py-2 shadow-sm dark:border-slate-700 dark:bg-slate-900"
    >
      <div className="flex gap-1" role="group" aria-label="Step">
        <Button
          onClick={() => seek(0)}
          disabled={running || step === 0}
          aria-label="Jump to the start (Home)"
          title="Start (Home)"
        >
          <Icon d="M4 3v10M13 3 6 8l7 5z" />
        </Button>
        <Button
          onClick={() => stepBy(-1)}
          disabled={running || step === 0}
          aria-label="Step back (←)"
          title="Step back (←)"
        >
          <Icon d="M12 3 5 8l7 5z" />
        </Button>
        <Button
          onClick={() => stepBy(1)}
          disabled={running || step >= length}
          aria-label="Step forward (→)"
          title="Step forward (→)"
        >
          <Icon d="M4 3l7 5-7 5z" />
        </Button>
        <Button
          onClick={() => seek(length)}
          disabled={running || step >= length}
          aria-label="Jump to the end (End)"
          title="End (End)"
        >
          <Icon d="M12 3v10M3 3l7 5-7 5z" />
        </Button>
      </div>
      <input
        type="range"
        min={0}
        max={length}
        value={step}
        disabled={running}
        onChange={(e) => seek(Number(e.target.value))}
        aria-label="Scrub through the steps"
        className="min-w-32 flex-1 accent-sky-600"
      />
      <form
        className="flex items-center gap-1 text-xs text-slate-600 dark:text-slate-300"
        onSubmit={(e) => {
          e.preventDefault();
          const n = Number.parseInt(jump, 10);
          if (Number.isFinite(n)) seek(n);
        }}
      >
        <label htmlFor="jump">step</label>
        <input
          id="jump"
          value={jump}
          onChange={(e) => setJump(e.target.value)}
          inputMode="numeric"
          aria-label="Jump to step"
          className="w-14 rounded border border-slate-300 bg-white px-1 py-0.5 text-right font-mono text-xs text-slate-900 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100"
        />
        <span className="tabular-nums" data-testid="step-of">
          / {length}
        </span>
      </form>
      {running ? (
        <Button
          onClick={stopRun}
          className="min-w-40 border-rose-400 font-semibold tabular-nums"
          aria-keyshortcuts="Space"
          title="Stop the run (Space)"
        >
          Stop {run ? `${grouped(run.steps)} / ${run.limit != null ? grouped(run.limit) : '…'}` : ''}
        </Button>
      ) : (
        <Button
          onClick={() => startRun()}
          aria-keyshortcuts="Space"
          title="Let the automatic guest profiles work (run; Space)"
        >
          Run guests
        </Button>
      )}
      <div className="flex gap-1" role="group" aria-label="History">
        <Button onClick={undo} disabled={!canUndo || running} title="Undo (Ctrl+Z)">
          Undo
        </Button>
        <Button onClick={redo} disabled={!canRedo || running} title="Redo (Ctrl+Shift+Z)">
          Redo
        </Button>
      </div>
    </nav>
  );
}
