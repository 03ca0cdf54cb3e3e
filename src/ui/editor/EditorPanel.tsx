/** The scenario text, editable. Applying replaces the session only if the text parses. */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Button } from '../common/Button.tsx';
import { grouped } from '../common/format.ts';
import { VirtualList } from '../common/VirtualList.tsx';
import { useViz } from '../context.ts';
import type { Completion } from './complete.ts';
import { completionsAt } from './complete.ts';

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

/** The open completion list: the text it replaces (`from`..caret) and the chosen item. */
interface Menu {
  from: number;
  caret: number;
  items: Completion[];
  active: number;
  /** Where it is drawn, below the caret, relative to the editor box. */
  top: number;
  left: number;
}

const LIST_ID = 'editor-completions';
/** The list's width (w-72), so that it stays inside the editor box. */
const LIST_W = 288;

/** The completions at `caret` of `text`, placed under the caret of `el`; null when none. */
function menuAt(text: string, caret: number, el: HTMLTextAreaElement): Menu | null {
  const start = text.lastIndexOf('\n', caret - 1) + 1;
  const end = text.indexOf('\n', caret);
  const line = text.slice(start, end < 0 ? text.length : end);
  const c = completionsAt(line, caret - start);
  if (!c.items.length) return null;
  const row = text.slice(0, start).split('\n').length - 1;
  const style = getComputedStyle(el);
  const ctx = document.createElement('canvas').getContext('2d');
  let charW = 7.2;
  if (ctx) {
    ctx.font = `${style.fontSize} ${style.fontFamily}`;
    charW = ctx.measureText('0').width || charW;
  }
  const pad = Number.parseFloat(style.paddingTop) || 8;
  return {
    from: start + c.from,
    caret,
    items: c.items,
    active: 0,
    top: el.offsetTop + pad + (row + 1) * LINE - el.scrollTop,
    left: Math.max(
      0,
      Math.min(el.offsetLeft + pad + c.from * charW - el.scrollLeft, el.offsetLeft + el.clientWidth - LIST_W),
    ),
  };
}

/**
 * Longest text the editor puts in its text box at once. Chromium takes 100–200 ms of the page's
 * main thread to set and lay out a text box of 2 MB (a 150 000-line scenario, which a link can
 * open in this view): over this, the text is listed, only the lines in view, until asked to edit.
 */
export const EDIT_AT_ONCE = 200_000;

export function EditorPanel() {
  const text = useViz((s) => s.text);
  // Once asked for, the text box stays while the view is open (applying an edit keeps it).
  const [editing, setEditing] = useState(false);
  if (text.length > EDIT_AT_ONCE && !editing) return <LongText text={text} edit={() => setEditing(true)} />;
  return <TextEditor />;
}

/** A long scenario, read-only, its lines in view only; "Edit" mounts the text box. */
function LongText({ text, edit }: { text: string; edit: () => void }) {
  const lines = useMemo(() => text.split('\n'), [text]);
  const step = useViz((s) => s.frame?.step ?? 0);
  const stepLine = useViz((s) =>
    s.info && step > 0 && step <= s.info.steps.length ? s.info.steps.lines[step - 1] : undefined,
  );
  return (
    <div className="space-y-2" data-testid="long-text">
      <p className="m-0 text-xs text-slate-600 dark:text-slate-400">
        This scenario has {grouped(lines.length)} lines ({grouped(text.length)} characters): it is listed
        here, read-only, because a text box this long holds up the page while the browser lays it out.{' '}
        {stepLine ? `The current step is line ${stepLine}.` : ''}
      </p>
      <div className="rounded border border-slate-300 font-mono text-xs dark:border-slate-600">
        <VirtualList
          count={lines.length}
          rowHeight={LINE}
          height={320}
          label="Scenario lines"
          follow={stepLine !== undefined ? stepLine - 1 : undefined}
          row={(k) => (
            <div
              className={`flex gap-2 whitespace-pre px-2 ${k + 1 === stepLine ? 'bg-sky-100 dark:bg-sky-900' : ''}`}
              style={{ height: LINE }}
            >
              <span className="w-14 shrink-0 text-right text-slate-500 select-none dark:text-slate-400">
                {k + 1}
              </span>
              <span className="text-slate-900 dark:text-slate-100">{lines[k]}</span>
            </div>
          )}
        />
      </div>
      <Button onClick={edit}>Edit the text anyway</Button>
    </div>
  );
}

function TextEditor() {
  const text = useViz((s) => s.text);
  const errors = useViz((s) => s.editorErrors);
  const load = useViz((s) => s.load);
  const step = useViz((s) => s.frame?.step ?? 0);
  const stepLine = useViz((s) =>
    s.info && step > 0 && step <= s.info.steps.length ? s.info.steps.lines[step - 1] : undefined,
  );
  const [draft, setDraft] = useState(text);
  const [dirty, setDirty] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const [scroll, setScroll] = useState(0);
  const [menu, setMenu] = useState<Menu | null>(null);
  /** The caret to restore after a completion is inserted. */
  const caretAfter = useRef<number | null>(null);
  useLayoutEffect(() => {
    const el = area.current;
    if (el && caretAfter.current !== null) {
      el.setSelectionRange(caretAfter.current, caretAfter.current);
      caretAfter.current = null;
    }
  });
  const list = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Keep the chosen item in view by scrolling the list alone (scrollIntoView would move the page).
    const box = list.current;
    const opt = box?.children[menu?.active ?? -1] as HTMLElement | undefined;
    if (!box || !opt) return;
    if (opt.offsetTop < box.scrollTop) box.scrollTop = opt.offsetTop;
    else if (opt.offsetTop + opt.offsetHeight > box.scrollTop + box.clientHeight)
      box.scrollTop = opt.offsetTop + opt.offsetHeight - box.clientHeight;
  }, [menu?.active]);
  const accept = (m: Menu, i: number) => {
    const el = area.current;
    if (!el) return;
    const chosen = m.items[i];
    // A keyword or value is followed by a space; `key=` by its value.
    const after = chosen.label.endsWith('=') || /^\s/.test(draft.slice(m.caret, m.caret + 1)) ? '' : ' ';
    const next = draft.slice(0, m.from) + chosen.label + after + draft.slice(m.caret);
    const caret = m.from + chosen.label.length + after.length;
    setDraft(next);
    setDirty(true);
    caretAfter.current = caret;
    setMenu(menuAt(next, caret, el));
  };
  // Counted, not split: the text may be MBs, and this runs at every keystroke.
  let lineCount = 1;
  for (let i = draft.indexOf('\n'); i >= 0; i = draft.indexOf('\n', i + 1)) lineCount++;
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
      <div className="relative">
        <div className="flex overflow-hidden rounded border border-slate-300 focus-within:outline-2 focus-within:outline-sky-500 dark:border-slate-600">
          <Gutter lines={lineCount} scroll={scroll} errors={errors} current={stepLine} />
          <textarea
            ref={area}
            aria-label="Scenario text"
            value={draft}
            spellCheck={false}
            wrap="off"
            aria-autocomplete="list"
            aria-controls={menu ? LIST_ID : undefined}
            aria-activedescendant={menu ? `${LIST_ID}-${menu.active}` : undefined}
            aria-describedby="editor-completion-hint"
            onScroll={(e) => {
              setScroll(e.currentTarget.scrollTop);
              setMenu(null);
            }}
            onBlur={() => setMenu(null)}
            onChange={(e) => {
              const text = e.target.value;
              const caret = e.target.selectionStart;
              setDraft(text);
              setDirty(true);
              // Typing opens the list: in a word, or after the space or '=' that starts the next one.
              const typed = text.length > draft.length ? text[caret - 1] : '';
              setMenu(typed && typed !== '\n' ? menuAt(text, caret, e.target) : null);
            }}
            onKeyDown={(e) => {
              e.stopPropagation();
              if (e.key === ' ' && e.ctrlKey) {
                e.preventDefault();
                const el = e.currentTarget;
                setMenu(menuAt(draft, el.selectionStart, el));
                return;
              }
              if (menu) {
                const n = menu.items.length;
                if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
                  e.preventDefault();
                  const d = e.key === 'ArrowDown' ? 1 : n - 1;
                  setMenu({ ...menu, active: (menu.active + d) % n });
                  return;
                }
                if ((e.key === 'Enter' && !e.ctrlKey && !e.metaKey) || e.key === 'Tab') {
                  e.preventDefault();
                  accept(menu, menu.active);
                  return;
                }
                if (e.key === 'Escape') {
                  e.preventDefault();
                  setMenu(null);
                  return;
                }
                if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End')
                  setMenu(null);
              }
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                apply();
              }
            }}
            rows={22}
            className="min-w-0 flex-1 resize-y bg-white p-2 font-mono text-xs leading-5 text-slate-900 outline-none dark:bg-slate-950 dark:text-slate-100"
          />
        </div>
        {menu && (
          <div
            ref={list}
            id={LIST_ID}
            role="listbox"
            aria-label="Completions"
            style={{ top: menu.top, left: menu.left }}
            className="absolute z-20 max-h-48 w-72 overflow-auto rounded border border-slate-300 bg-white p-0 font-mono text-xs shadow-lg dark:border-slate-600 dark:bg-slate-900"
          >
            {menu.items.map((it, i) => (
              <div
                key={it.label}
                id={`${LIST_ID}-${i}`}
                role="option"
                tabIndex={-1}
                aria-selected={i === menu.active}
                onMouseDown={(e) => {
                  e.preventDefault();
                  accept(menu, i);
                }}
                className={`flex cursor-pointer justify-between gap-3 px-2 py-0.5 ${i === menu.active ? 'bg-sky-100 text-sky-950 dark:bg-sky-900 dark:text-sky-50' : 'text-slate-900 dark:text-slate-100'}`}
              >
                <span className="whitespace-nowrap">{it.label}</span>
                <span className="truncate text-slate-600 dark:text-slate-300">{it.detail}</span>
              </div>
            ))}
          </div>
        )}
      </div>
      <p id="editor-completion-hint" className="sr-only">
        Completions appear as you type, or with Ctrl+Space: arrow keys choose, Enter or Tab inserts, Escape
        closes.
      </p>
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
