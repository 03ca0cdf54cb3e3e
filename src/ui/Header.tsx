/** The top bar: what this is, the preset picker, help and theme. */
import { PRESETS } from '../presets/index.ts';
import { Button } from './common/Button.tsx';
import { useViz } from './context.ts';
import { FileMenu } from './FileMenu.tsx';

/** A preset's title line, read without the parser (which lives in the worker). */
function titleOf(text: string): string | null {
  const m = /^\s*title\s+"((?:[^"\\]|\\.)*)"/m.exec(text);
  return m ? m[1].replace(/\\(["\\])/g, '$1') : null;
}

const TITLES = PRESETS.map((p) => ({ id: p.id, title: titleOf(p.text) ?? p.id, text: p.text }));

export function Header({
  onHelp,
  theme,
  onTheme,
}: {
  onHelp: () => void;
  theme: 'light' | 'dark';
  onTheme: () => void;
}) {
  const load = useViz((s) => s.load);
  const compare = useViz((s) => s.compare !== null);
  const setCompare = useViz((s) => s.setCompare);
  const title = useViz((s) => s.info?.title);
  const text = useViz((s) => s.text);
  const teach = useViz((s) => s.teach);
  const setTeach = useViz((s) => s.setTeach);
  const current = TITLES.find((t) => t.text === text)?.id ?? '';
  return (
    <header className="flex flex-wrap items-center gap-3 border-b border-slate-200 bg-white px-4 py-2 dark:border-slate-800 dark:bg-slate-900">
      <div className="mr-2">
        <span className="text-base font-bold tracking-tight">apicscope</span>
        <span className="ml-2 hidden text-xs text-slate-600 dark:text-slate-400 md:inline dark:text-slate-400">
          x86 interrupt delivery as KVM and QEMU do it
        </span>
      </div>
      <label className="flex items-center gap-1 text-xs text-slate-600 dark:text-slate-300">
        Preset
        <select
          value={current}
          onChange={(e) => {
            const p = TITLES.find((t) => t.id === e.target.value);
            if (p) load(p.text, 0, false, 'app');
          }}
          className="max-w-[22rem] rounded border border-slate-300 bg-white px-1 py-0.5 text-xs text-slate-900 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100"
          aria-label="Load a preset scenario"
        >
          {current === '' && <option value="">(your scenario)</option>}
          {TITLES.map((t) => (
            <option key={t.id} value={t.id}>
              {t.title}
            </option>
          ))}
        </select>
      </label>
      <h1 className="m-0 min-w-0 flex-1 truncate text-sm font-semibold" data-testid="title">
        {title ?? ''}
      </h1>
      <Button
        role="switch"
        aria-checked={teach}
        onClick={() => setTeach(!teach)}
        title="Teaching mode: predict each step before it is shown"
        className={teach ? 'border-violet-500 bg-violet-100 dark:bg-violet-900' : ''}
      >
        Teach<span aria-hidden="true">{teach ? ' ●' : ' ○'}</span>
      </Button>
      <Button
        onClick={() => setCompare(compare ? null : [])}
        aria-pressed={compare}
        title="The same scenario under a second configuration, side by side"
      >
        Compare
      </Button>
      <FileMenu />
      <Button onClick={onTheme} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme (t)`}>
        {theme === 'dark' ? '☀ Light' : '☾ Dark'}
      </Button>
      <Button onClick={onHelp} aria-label="Help: keyboard shortcuts and legend (?)" aria-keyshortcuts="?">
        <span aria-hidden="true">?</span> Help
      </Button>
    </header>
  );
}
