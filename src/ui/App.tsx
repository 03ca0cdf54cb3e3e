/** The apicscope app: one visualizer instance with its own store, worker and keyboard. */
import { Suspense, useEffect, useId, useState } from 'react';
import { DEFAULT_PRESET, PRESETS } from '../presets/index.ts';
import type { View } from '../share/url.ts';
import type { VizStore } from '../store/viz.ts';
import { createVizStore } from '../store/viz.ts';
import { Cards } from './Cards.tsx';
import { Button } from './common/Button.tsx';
import { lazyView } from './common/lazyView.tsx';
import { Modal } from './common/Modal.tsx';
import { useRoving } from './common/roving.tsx';
import type { Theme } from './common/theme.ts';
import { applyTheme, storedTheme, systemTheme } from './common/theme.ts';
import { useViz, useVizStore, VizContext } from './context.ts';
import { DevicesPanel } from './devices/DevicesPanel.tsx';
import { ExplorePanel } from './explore/ExplorePanel.tsx';
import { openFile } from './FileMenu.tsx';
import { Header } from './Header.tsx';
import { TracePanel } from './import/TracePanel.tsx';
import { IoapicTable } from './ioapic/IoapicTable.tsx';
import { Lanes, prefetchLanes } from './lanes/Lanes.tsx';
import { LifeStrip } from './life/LifeStrip.tsx';
import { ReferenceHost } from './reference/ReferenceHost.tsx';
import { TeachPanel } from './teach/TeachPanel.tsx';
import { StepBanner } from './timeline/StepBanner.tsx';
import { TimelinePanel } from './timeline/TimelinePanel.tsx';
import { Transport } from './timeline/Transport.tsx';
import { MachinePicture } from './topology/MachinePicture.tsx';

// Views not on screen at start load when first shown: the page's first chunk stays small.
const CompareView = lazyView(() => import('./compare/CompareView.tsx').then((m) => m.CompareView), 'Compare');
const HelpOverlay = lazyView(() => import('./common/HelpOverlay.tsx').then((m) => m.HelpOverlay), 'Help');
const EditorPanel = lazyView(
  () => import('./editor/EditorPanel.tsx').then((m) => m.EditorPanel),
  'The editor',
);
const ConfigPanel = lazyView(
  () => import('./config/ConfigPanel.tsx').then((m) => m.ConfigPanel),
  'The configuration panel',
);

declare global {
  interface Window {
    /** The test bridge: Playwright drives and reads the app through it. */
    __apicViz?: VizStore;
  }
}

function NoticeBar() {
  const notice = useViz((s) => s.notice);
  const dismiss = useViz((s) => s.dismissNotice);
  if (!notice) return null;
  return (
    <div
      role={notice.kind === 'error' ? 'alert' : 'status'}
      className={`flex items-start justify-between gap-3 px-4 py-2 text-sm ${notice.kind === 'error' ? 'bg-rose-100 text-rose-950 dark:bg-rose-950 dark:text-rose-100' : 'bg-sky-100 text-sky-950 dark:bg-sky-950 dark:text-sky-100'}`}
      data-testid="notice"
    >
      <span>{notice.text}</span>
      <Button onClick={dismiss} aria-label="Dismiss">
        ✕
      </Button>
    </div>
  );
}

/** A scenario, link or file being opened: how far the replay is, and a way back (issue 12.3, 14.3). */
function LoadingBar() {
  const loading = useViz((s) => s.loading);
  const canCancel = useViz((s) => s.info !== null);
  const cancel = useViz((s) => s.cancelLoad);
  if (!loading) return null;
  const { done, total } = loading;
  return (
    <div
      className="flex items-center gap-3 bg-sky-100 px-4 py-2 text-sm text-sky-950 dark:bg-sky-950 dark:text-sky-100"
      data-testid="loading"
    >
      <span id="loading-label">Opening the scenario{total > 0 ? `: step ${done} of ${total}` : '…'}</span>
      <div
        role="progressbar"
        aria-labelledby="loading-label"
        aria-valuemin={0}
        aria-valuemax={total || 1}
        aria-valuenow={total ? done : 0}
        className="h-2 w-48 overflow-hidden rounded bg-sky-200 dark:bg-sky-800"
      >
        <div
          className="h-full bg-sky-600"
          style={{ width: `${total ? Math.round((100 * done) / total) : 2}%` }}
        />
      </div>
      {canCancel && <Button onClick={cancel}>Cancel</Button>}
    </div>
  );
}

function ConfirmDiscard() {
  const pending = useViz((s) => s.pending);
  const confirm = useViz((s) => s.confirmPending);
  // Counted from the state on screen now, so that the question always matches what would happen.
  const discard = useViz((s) => Math.max(0, (s.info?.steps.length ?? 0) - (s.frame?.step ?? 0)));
  if (!pending) return null;
  return (
    <Modal
      onClose={() => confirm(false)}
      labelledBy="discard-h"
      describedBy="discard-d"
      alert
      className="max-w-md"
    >
      <h2 id="discard-h" className="m-0 text-base font-semibold" data-testid="discard-question">
        Discard {discard} later step{discard === 1 ? '' : 's'}?
      </h2>
      <p id="discard-d" className="text-sm text-slate-600 dark:text-slate-300">
        You are not at the last step. Acting here replaces what came after it. Undo brings the discarded steps
        back.
      </p>
      <div className="flex justify-end gap-2">
        <Button onClick={() => confirm(false)} autoFocus>
          Keep them
        </Button>
        <Button onClick={() => confirm(true)} className="border-rose-400 font-semibold">
          Discard and act
        </Button>
      </div>
    </Modal>
  );
}

type Tab = View;

function Sidebar() {
  const tab = useViz((s) => s.view);
  const setTab = useViz((s) => s.setView);
  const tabs: [Tab, string][] = [
    ['timeline', 'Timeline'],
    ['scenario', 'Scenario'],
    ['config', 'Configuration'],
  ];
  // WAI-ARIA tabs: the selected tab is the Tab stop; ←/→/Home/End select the neighbours.
  const roving = useRoving<HTMLDivElement>('horizontal', (items) =>
    items.find((el) => el.getAttribute('aria-selected') === 'true'),
  );
  const uid = useId();
  return (
    <aside className="order-last min-w-0 rounded-lg border border-slate-200 bg-white p-3 shadow-sm dark:border-slate-700 dark:bg-slate-900">
      <div
        role="tablist"
        aria-label="Panels"
        {...roving}
        className="mb-3 flex gap-1 border-b border-slate-200 dark:border-slate-700"
      >
        {tabs.map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`${uid}tab-${id}`}
            aria-selected={tab === id}
            aria-controls={`${uid}panel-${id}`}
            onClick={() => setTab(id)}
            className={`-mb-px border-b-2 px-3 py-1 text-sm focus-visible:outline-2 focus-visible:outline-sky-500 ${tab === id ? 'border-sky-600 font-semibold text-sky-800 dark:text-sky-300' : 'border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100'}`}
          >
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${uid}panel-${tab}`} aria-labelledby={`${uid}tab-${tab}`}>
        {tab === 'timeline' && <TimelinePanel />}
        {tab === 'scenario' && (
          <Suspense
            fallback={<p className="text-xs text-slate-600 dark:text-slate-400">Opening the editor…</p>}
          >
            <EditorPanel />
          </Suspense>
        )}
        {tab === 'config' && (
          <Suspense
            fallback={
              <p className="text-xs text-slate-600 dark:text-slate-400">Opening the configuration…</p>
            }
          >
            <ConfigPanel />
          </Suspense>
        )}
      </div>
    </aside>
  );
}

/**
 * Skip links, the first Tab stops: past the header and the machine to the step list, or to the
 * machine state. Buttons, not #fragment links: the fragment is the share link.
 */
function SkipLinks() {
  const setView = useViz((s) => s.setView);
  const cls =
    'sr-only rounded bg-sky-700 px-3 py-1 text-sm font-semibold text-white focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50';
  const toSteps = () => {
    setView('timeline');
    // The timeline panel renders on the next frame when another panel was on show.
    requestAnimationFrame(() => {
      const list = document.getElementById('step-list');
      (list?.querySelector<HTMLElement>('[aria-current="step"]') ?? list)?.focus();
    });
  };
  const toMain = () => {
    document.getElementById('main')?.focus();
  };
  return (
    <>
      <button type="button" onClick={toSteps} className={cls}>
        Skip to the step list
      </button>
      <button type="button" onClick={toMain} className={cls}>
        Skip to the machine state
      </button>
    </>
  );
}

/** Input types where keys type text (a checkbox, a range or a button never swallows a shortcut). */
const TEXT_INPUTS = new Set(['text', 'search', 'number', 'email', 'url', 'tel', 'password', '']);

/** Whether a key pressed at `t` types (text fields, the editor): there shortcuts stay out. */
function isTyping(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable || t.tagName === 'TEXTAREA') return true;
  return t instanceof HTMLInputElement && TEXT_INPUTS.has(t.type);
}

/** A modal dialog is open: the page behind takes no keys. */
function modalOpen(): boolean {
  return document.querySelector('dialog[open]') !== null;
}

/** The lanes of the one session (compare draws both columns' lanes itself). */
function SingleLanes() {
  const compare = useViz((s) => s.compare !== null);
  return compare ? null : <Lanes />;
}

/** The IOAPIC and the vCPUs, or, in compare mode, two columns of them. */
function Main() {
  const compare = useViz((s) => s.compare !== null);
  if (compare)
    return (
      <Suspense fallback={<p className="text-sm text-slate-600 dark:text-slate-400">Opening compare…</p>}>
        <CompareView />
      </Suspense>
    );
  return (
    <>
      <IoapicTable />
      <Cards />
    </>
  );
}

function Shell() {
  const [help, setHelp] = useState(false);
  const [theme, setTheme] = useState<Theme>(() => storedTheme() ?? systemTheme());
  const store = useVizStore();
  // Open once the first scenario has run and its first frame is here (a state to show and act on).
  const opened = useViz((s) => s.info !== null && s.frame !== null);
  useEffect(() => applyTheme(theme, false), [theme]);
  useEffect(prefetchLanes, []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // A control that handled the key itself (defaultPrevented) keeps it; a focused composite
      // (tabs, toolbar, grid) that used the key has the last word; an open dialog takes every key.
      if (e.defaultPrevented || isTyping(e.target) || e.altKey || modalOpen()) return;
      const s = store.getState();
      const length = s.info?.steps.length ?? 0;
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        if (e.shiftKey) s.redo();
        else s.undo();
        return;
      }
      if (e.ctrlKey || e.metaKey) return;
      switch (e.key) {
        case 'ArrowRight':
        case 'j':
          s.stepBy(1);
          break;
        case 'ArrowLeft':
        case 'k':
          s.stepBy(-1);
          break;
        case '.':
          s.stepEvent(1);
          break;
        case ',':
          s.stepEvent(-1);
          break;
        case 'Home':
          s.seek(0);
          break;
        case 'End':
          s.seek(length);
          break;
        case ' ':
          // preventDefault below also stops a focused button or checkbox from firing again.
          if (s.status === 'running') s.stopRun();
          else s.startRun();
          break;
        case 'g':
          document.getElementById('jump')?.focus();
          break;
        case 't':
          setTheme((t) => {
            const next = t === 'dark' ? 'light' : 'dark';
            applyTheme(next, true);
            return next;
          });
          break;
        case '?':
          setHelp(true);
          break;
        default:
          return;
      }
      e.preventDefault();
    };
    // Space activates a focused button on key-up: that must not fire it either.
    const onKeyUp = (e: KeyboardEvent) => {
      if (e.key === ' ' && !isTyping(e.target) && !modalOpen()) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKeyUp);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onKeyUp);
    };
  }, [store]);
  useEffect(() => {
    // A .apic file dropped anywhere on the page opens it (only files; dropped text is ignored).
    const over = (e: DragEvent) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    const drop = (e: DragEvent) => {
      const f = e.dataTransfer?.files[0];
      if (!f) return;
      e.preventDefault();
      openFile(store, f);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, [store]);
  if (!opened)
    // Until the first scenario has run (a heavy link can take seconds) there is no state to show
    // or act on: its progress only, never "step 0 / 0", another preset's name or live forms.
    return (
      <div className="min-h-screen">
        <header className="border-b border-slate-200 bg-white px-4 py-2 dark:border-slate-800 dark:bg-slate-900">
          <span className="text-base font-bold tracking-tight">apicscope</span>
        </header>
        <NoticeBar />
        <LoadingBar />
        <main aria-busy="true" className="p-4 text-sm text-slate-700 dark:text-slate-300">
          The scenario opens once its steps have run.
        </main>
      </div>
    );
  return (
    <div className="min-h-screen">
      <SkipLinks />
      <Header
        onHelp={() => setHelp(true)}
        theme={theme}
        onTheme={() => {
          const next = theme === 'dark' ? 'light' : 'dark';
          applyTheme(next, true);
          setTheme(next);
        }}
      />
      <NoticeBar />
      <LoadingBar />
      <main
        id="main"
        tabIndex={-1}
        className="grid grid-cols-[minmax(0,1fr)] gap-3 p-3 focus:outline-none lg:grid-cols-[minmax(0,1fr)_22rem] min-[1400px]:grid-cols-[minmax(0,1fr)_minmax(22rem,28rem)]"
      >
        {/* Early in the Tab order (the step list is how one moves in time); drawn on the right
            (lg:order-last), and on small screens right after the step (order-2). */}
        <div className="min-w-0 max-lg:order-2 lg:order-last">
          <Sidebar />
        </div>
        {/* One column on small screens: the left column's boxes join the grid (contents) so that the
            timeline with its whys comes right after the step, not below every card. */}
        <div className="contents min-w-0 lg:block lg:space-y-3">
          {/* Sticky: where you are, and why, stays in view while you act on the cards below. */}
          <div
            className="sticky top-0 z-30 -mx-3 -mt-3 space-y-2 bg-slate-50/95 px-3 pt-3 pb-2 max-lg:order-1 lg:mb-1 dark:bg-slate-950/95"
            data-testid="sticky-step"
          >
            <Transport />
            <TeachPanel />
            <StepBanner />
          </div>
          <div className="min-w-0 space-y-3 max-lg:order-3">
            <TracePanel />
            <MachinePicture />
            <LifeStrip />
            <SingleLanes />
            <Main />
            <DevicesPanel />
            <ExplorePanel />
          </div>
        </div>
      </main>
      <ConfirmDiscard />
      {help && (
        <Suspense fallback={null}>
          <HelpOverlay onClose={() => setHelp(false)} />
        </Suspense>
      )}
      <ReferenceHost />
    </div>
  );
}

/** The default session: the preset that shows a level IRQ end to end. */
export function createDefaultStore(link?: string): VizStore {
  const preset = PRESETS.find((p) => p.id === DEFAULT_PRESET)!;
  return createVizStore(preset.text, 0, undefined, link);
}

export function App({ store }: { store: VizStore }) {
  return (
    <VizContext.Provider value={store}>
      <Shell />
    </VizContext.Provider>
  );
}
