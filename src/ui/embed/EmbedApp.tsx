/**
 * The embedded view: title, step controls (previous, next, play), the step and its why, the
 * machine picture, and "Open in apicscope" at the same state. Nothing edits the scenario: play
 * walks the scenario's own steps (it never runs the guests, which would add steps).
 */
import { useEffect, useState } from 'react';
import { composeFragment } from '../../share/url.ts';
import type { VizStore } from '../../store/viz.ts';
import { Button } from '../common/Button.tsx';
import { useViz, VizContext } from '../context.ts';
import { StepBanner } from '../timeline/StepBanner.tsx';
import { MachinePicture } from '../topology/MachinePicture.tsx';

const PLAY_MS = 1500;

function EmbedShell() {
  const info = useViz((s) => s.info);
  const frame = useViz((s) => s.frame);
  const seek = useViz((s) => s.seek);
  const stepBy = useViz((s) => s.stepBy);
  const stepEvent = useViz((s) => s.stepEvent);
  const [playing, setPlaying] = useState(false);
  const step = frame?.step ?? 0;
  const length = info?.steps.length ?? 0;
  useEffect(() => {
    if (!playing) return;
    if (step >= length) {
      setPlaying(false);
      return;
    }
    const t = setTimeout(() => seek(step + 1), PLAY_MS);
    return () => clearTimeout(t);
  }, [playing, step, length, seek]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === 'ArrowRight') stepBy(1);
      else if (e.key === 'ArrowLeft') stepBy(-1);
      else if (e.key === '.') stepEvent(1);
      else if (e.key === ',') stepEvent(-1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [stepBy, stepEvent]);
  // The full app at this very state (a new tab: the page around the frame stays).
  const full =
    info && frame
      ? `./#${composeFragment(info.share, frame.step, undefined, undefined, frame.event ?? undefined)}`
      : './';
  return (
    <div className="flex min-h-screen flex-col gap-2 p-2 text-sm">
      <header className="flex flex-wrap items-center gap-2">
        <h1 className="m-0 min-w-0 flex-1 truncate text-sm font-semibold" data-testid="title">
          {info?.title ?? 'apicscope'}
        </h1>
        <a
          href={full}
          target="_blank"
          rel="noopener"
          className="rounded border border-sky-600 px-2 py-0.5 text-xs font-semibold text-sky-800 hover:bg-sky-50 focus-visible:outline-2 focus-visible:outline-sky-500 dark:text-sky-200 dark:hover:bg-sky-950"
        >
          Open in apicscope
        </a>
      </header>
      <nav aria-label="Step controls" className="flex items-center gap-1">
        <Button onClick={() => seek(step - 1)} disabled={step === 0} aria-keyshortcuts="ArrowLeft">
          ◀ Prev
        </Button>
        <Button
          onClick={() => setPlaying(!playing)}
          aria-pressed={playing}
          disabled={step >= length && !playing}
        >
          {playing ? '❚❚ Pause' : '▶ Play'}
        </Button>
        <Button onClick={() => seek(step + 1)} disabled={step >= length} aria-keyshortcuts="ArrowRight">
          Next ▶
        </Button>
        <span
          className="ml-1 text-xs tabular-nums text-slate-600 dark:text-slate-400"
          data-testid="embed-step"
        >
          step {step} / {length}
        </span>
      </nav>
      <main className="min-h-0 space-y-2">
        <StepBanner />
        {frame && frame.events.length > 0 && (
          <details className="rounded border border-slate-200 px-2 py-1 text-xs dark:border-slate-700">
            <summary className="cursor-pointer font-semibold">
              Why: the {frame.events.length} events of this step
            </summary>
            <ol className="m-0 mt-1 list-decimal space-y-0.5 pl-5" data-testid="embed-events">
              {frame.events.map((e, i) => (
                <li key={i}>
                  <code className="font-mono text-violet-800 dark:text-violet-300">{e.type}</code> {e.why}
                </li>
              ))}
            </ol>
          </details>
        )}
        <MachinePicture />
      </main>
    </div>
  );
}

export function EmbedApp({ store }: { store: VizStore }) {
  return (
    <VizContext.Provider value={store}>
      <EmbedShell />
    </VizContext.Provider>
  );
}
