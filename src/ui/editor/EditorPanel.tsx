/** The scenario text, editable. Applying replaces the session only if the text parses. */
import { useEffect, useRef, useState } from 'react';
import { Button } from '../common/Button.tsx';
import { useViz } from '../context.ts';

const LINE = 20; // px: leading-5
const SHOWN = 80;

/**
 * Line numbers beside the text, only those in view (a 100 000-line scenario stays cheap),
 * with the lines that have errors marked and the current step's line tinted.
 */
function Gutter({
  lines,
  scroll,
  errors,
  current,
}: {
  lines: number;
  scroll: number;
  errors: { line: number; col: number; message: string }[];
  current?: number;
}) {
  const first = Math.max(1, Math.floor(scroll / LINE) + 1);
  const last = Math.min(lines, first + SHOWN);
  const byLine = new Map(errors.map((e) => [e.line, e.message]));
  const rows = [];
  for (let n = first; n <= last; n++) {
    const err = byLine.get(n);
    rows.push(
      <div
        key={n}
        title={err}
        className={`pr-1.5 text-right ${err ? 'bg-rose-200 font-semibold text-rose-900 dark:bg-rose-900 dark:text-rose-100' : n === current ? 'bg-sky-100 text-sky-900 dark:bg-sky-900 dark:text-sky-100' : ''}`}
        style={{ height: LINE }}
      >
        {err ? `✗${n}` : n}
      </div>,
    );
  }
  return (
    <div
      aria-hidden="true"
      className="w-12 shrink-0 overflow-hidden border-r border-slate-200 bg-slate-50 py-2 font-mono text-[11px] leading-5 text-slate-600 dark:text-slate-400 select-none dark:border-slate-700 dark:bg-slate-900"
    >
      <div style={{ transform: `translateY(${-(scroll % LINE)}px)` }}>{rows}</div>
    </div>
  );
}

export function EditorPanel() {
  const text = useViz((s) => s.text);
  const errors = useViz((s) => s.editorErrors);
  const load = useViz((s) => s.load);
  const step = useViz((s) => s.frame?.step ?? 0);
  const stepLine = useViz((s) => (step > 0 ? s.info?.steps[step - 1]?.line : undefined));
  const [draft, setDraft] = useState(text);
  const [dirty, setDirty] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const [scroll, setScroll] = useState(0);
  const lineCount = draft.split('\n').length;
  useEffect(() => {
    if (!dirty) setDraft(text);
  }, [text, dirty]);
  useEffect(() => {
    if (errors.length === 0 && text === draft) setDirty(false);
  }, [errors, text, draft]);
  const apply = () => load(draft, undefined, true);
  const goto = (line: number, col: number) => {
    const el = area.current;
    if (!el) return;
    const lines = draft.split('\n');
    const pos = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + col - 1;
    el.focus();
    el.setSelectionRange(pos, pos);
  };
  return (
    <div className="space-y-2">
      <p className="m-0 text-xs text-slate-600 dark:text-slate-400">
        The scenario is the session: every click above appends a line here. Edit it and apply; a text with
        errors changes nothing. {stepLine ? `The current step is line ${stepLine}.` : ''}
      </p>
      <div className="flex overflow-hidden rounded border border-slate-300 focus-within:outline-2 focus-within:outline-sky-500 dark:border-slate-600">
        <Gutter lines={lineCount} scroll={scroll} errors={errors} current={stepLine} />
        <textarea
          ref={area}
          aria-label="Scenario text"
          value={draft}
          spellCheck={false}
          wrap="off"
          onScroll={(e) => setScroll(e.currentTarget.scrollTop)}
          onChange={(e) => {
            setDraft(e.target.value);
            setDirty(true);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              apply();
            }
            e.stopPropagation();
          }}
          rows={22}
          className="min-w-0 flex-1 resize-y bg-white p-2 font-mono text-xs leading-5 text-slate-900 outline-none dark:bg-slate-950 dark:text-slate-100"
        />
      </div>
      <div className="flex items-center gap-2">
        <Button onClick={apply} disabled={!dirty} className="font-semibold">
          Apply (Ctrl+Enter)
        </Button>
        <Button
          onClick={() => {
            setDraft(text);
            setDirty(false);
          }}
          disabled={!dirty}
        >
          Revert
        </Button>
        {dirty && errors.length === 0 && (
          <span className="text-xs text-slate-600 dark:text-slate-400">unapplied changes</span>
        )}
      </div>
      {errors.length > 0 && (
        <div
          role="alert"
          className="rounded border border-rose-300 bg-rose-50 p-2 text-xs text-rose-900 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-100"
        >
          <p className="m-0 mb-1 font-semibold">Not applied: the session keeps the previous scenario.</p>
          <ul className="m-0 list-none space-y-0.5 p-0" data-testid="editor-errors">
            {errors.map((e) => (
              <li key={`${e.line}:${e.col}`}>
                <button
                  type="button"
                  className="text-left underline-offset-2 hover:underline"
                  onClick={() => goto(e.line, e.col)}
                >
                  {e.line}:{e.col}: {e.message}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
