/** The scenario text, editable. Applying replaces the session only if the text parses. */
import { useEffect, useRef, useState } from 'react';
import { Button } from '../common/Button.tsx';
import { useViz } from '../context.ts';

export function EditorPanel() {
  const text = useViz((s) => s.text);
  const errors = useViz((s) => s.editorErrors);
  const load = useViz((s) => s.load);
  const step = useViz((s) => s.frame?.step ?? 0);
  const stepLine = useViz((s) => (step > 0 ? s.info?.steps[step - 1]?.line : undefined));
  const [draft, setDraft] = useState(text);
  const [dirty, setDirty] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
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
      <textarea
        ref={area}
        aria-label="Scenario text"
        value={draft}
        spellCheck={false}
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
        className="w-full resize-y rounded border border-slate-300 bg-white p-2 font-mono text-xs leading-5 text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-600 dark:bg-slate-950 dark:text-slate-100"
      />
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
        {dirty && errors.length === 0 && <span className="text-xs text-slate-500">unapplied changes</span>}
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
