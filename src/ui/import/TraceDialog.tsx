/** Paste the text of `trace-cmd report` or `perf script` (KVM's tracepoints): it opens as a scenario. */
import { useEffect, useRef, useState } from 'react';
import { MAX_SCENARIO_CHARS } from '../../scenario/limits.ts';
import { Button } from '../common/Button.tsx';

export function TraceDialog({
  onImport,
  onClose,
}: {
  onImport: (text: string) => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    // A native modal dialog: Esc closes it, and Tab stays inside.
    dialog.current?.showModal();
  }, []);
  const submit = () => {
    if (!text.trim()) return setProblem('Paste the lines of a trace first.');
    if (text.length > MAX_SCENARIO_CHARS)
      return setProblem(`The trace is ${text.length} characters; at most ${MAX_SCENARIO_CHARS} are read.`);
    onImport(text);
    onClose();
  };
  return (
    <dialog
      ref={dialog}
      aria-labelledby="trace-h"
      onClose={onClose}
      className="m-auto w-full max-w-3xl rounded-lg bg-white p-4 text-slate-900 shadow-xl backdrop:bg-slate-950/50 dark:bg-slate-900 dark:text-slate-100"
    >
      <h2 id="trace-h" className="m-0 mb-1 text-base font-semibold">
        Replay a KVM trace
      </h2>
      <p className="m-0 mb-2 text-xs text-slate-600 dark:text-slate-300">
        The text of <code>trace-cmd report</code> or <code>perf script</code> with the <code>kvm:</code>{' '}
        events (mail prefixes and wrapped lines are fine). It opens as a scenario: each step shows the trace
        line it came from, and where the model disagrees with the trace.
      </p>
      <textarea
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setProblem(null);
        }}
        rows={14}
        aria-label="Trace text"
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? 'trace-problem' : undefined}
        placeholder=" CPU 0/KVM-1234 [002] 100.000001: kvm_set_irq: gsi 10 level 1 source 0"
        className="w-full rounded border border-slate-300 bg-slate-50 p-2 font-mono text-xs dark:border-slate-600 dark:bg-slate-950"
      />
      {problem && (
        <p id="trace-problem" role="alert" className="m-0 mt-1 text-xs text-rose-700 dark:text-rose-300">
          {problem}
        </p>
      )}
      <div className="mt-2 flex justify-end gap-2">
        <Button onClick={() => dialog.current?.close()}>Cancel</Button>
        <Button onClick={submit} className="font-semibold">
          Open as a scenario
        </Button>
      </div>
    </dialog>
  );
}
