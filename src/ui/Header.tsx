/** The top bar: what this is, the preset picker, help and theme. */
import { PRESET_COMPARE, PRESET_GROUPS, PRESETS } from '../presets/index.ts';
import { Button } from './common/Button.tsx';
import { grouped } from './common/format.ts';
import { useViz } from './context.ts';
import { FileMenu } from './FileMenu.tsx';

/** A preset's title line, read without the parser (which lives in the worker). */
function titleOf(text: string): string | null {
  const m = /^\s*title\s+"((?:[^"\\]|\\.)*)"/m.exec(text);
  return m ? m[1].replace(/\\(["\\])/g, '$1') : null;
}

const TITLES = PRESETS.map((p) => ({ id: p.id, title: titleOf(p.text) ?? p.id, text: p.text }));
const GROUPED = new Set(PRESET_GROUPS.flatMap((g) => g.ids));

function PresetOption({ t }: { t: (typeof TITLES)[number] }) {
  return <option value={t.id}>{t.title}</option>;
}

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
  const warnings = useViz((s) => s.info?.warnings);
  const warningCount = useViz((s) => s.info?.warningCount ?? 0);
  const step = useViz((s) => s.frame?.step ?? 0);
  const seek = useViz((s) => s.seek);
  // The next step with a warning after the one on screen (wrapping round).
  const nextWarning = () => {
    if (!warnings?.length) return;
    seek((warnings.find((w) => w.step > step) ?? warnings[0]).step);
  };
  // One name for what is open, in the heading and the picker alike: a preset changed by an
  // action is "its title (edited)"; a scenario of the user's own goes by its title.
  const edited = current === '' && !!title && TITLES.some((t) => t.title === title);
  const name = `${title ?? ''}${edited ? ' (edited)' : ''}`;
  return (
    <header className="flex flex-wrap items-center gap-3 border-b border-slate-200 bg-white px-4 py-2 dark:border-slate-800 dark:bg-slate-900">
      <div className="mr-2">
        <span className="text-base font-bold tracking-tight">apicscope</span>
        <span className="ml-2 hidden text-xs text-slate-600 dark:text-slate-400 md:inline dark:text-slate-400">
          x86 interrupt delivery as KVM and QEMU do it
        </span>
      </div>
      <label className="flex min-w-0 max-w-full items-center gap-1 text-xs text-slate-600 dark:text-slate-300">
        Preset
        <select
          value={current}
          onChange={(e) => {
            const p = TITLES.find((t) => t.id === e.target.value);
            if (p) load(p.text, 0, false, 'app');
          }}
          className="min-w-0 max-w-[22rem] rounded border border-slate-300 bg-white px-1 py-0.5 text-xs text-slate-900 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100"
          aria-label="Load a preset scenario"
        >
          {current === '' && <option value="">{title ? name : '(your scenario)'}</option>}
          {TITLES.filter((t) => !GROUPED.has(t.id)).map((t) => (
            <PresetOption key={t.id} t={t} />
          ))}
          {PRESET_GROUPS.map((g) => (
            <optgroup key={g.label} label={g.label}>
              {TITLES.filter((t) => g.ids.includes(t.id)).map((t) => (
                <PresetOption key={t.id} t={t} />
              ))}
            </optgroup>
          ))}
        </select>
      </label>
      {/* Wraps rather than truncates: a title is what says what is open. */}
      <h1
        className="m-0 min-w-[min(100%,16rem)] flex-1 text-sm font-semibold text-balance"
        data-testid="title"
      >
        {name}
      </h1>
      {warningCount > 0 && (
        <Button
          onClick={nextWarning}
          data-testid="warning-count"
          title="Lint warnings: legal states and steps that are almost always a bug. Go to the next step with one."
          className="border-amber-400 text-amber-900 dark:border-amber-600 dark:text-amber-200"
        >
          ⚠ {grouped(warningCount)} warning{warningCount === 1 ? '' : 's'}
        </Button>
      )}
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
        onClick={() => setCompare(compare ? null : [...(PRESET_COMPARE.get(current) ?? [])])}
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
