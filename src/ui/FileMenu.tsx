/** Share, open, download and export: everything that takes the session out of (or into) the app. */
import type { ReactNode } from 'react';
import { Suspense, useEffect, useRef, useState } from 'react';
import { MAX_SCENARIO_CHARS } from '../scenario/limits.ts';
import { decodeExternalText, MAX_INPUT_BYTES } from '../scenario/text-input.ts';
import type { FigureInput } from '../share/figure.ts';
import type { VizState, VizStore } from '../store/viz.ts';
import { stepText } from '../worker/protocol.ts';
import { readStepComment, withStepComment } from './common/apicFile.ts';
import { Button } from './common/Button.tsx';
import { download, slug, svgToPng } from './common/download.ts';
import { grouped } from './common/format.ts';
import { lazyView } from './common/lazyView.tsx';
import { Modal } from './common/Modal.tsx';
import { useViz, useVizStore } from './context.ts';
import { looksLikeTrace } from './import/detect.ts';
import { flushUrl } from './urlSync.ts';

// Loaded when first opened.
const TraceDialog = lazyView(
  () => import('./import/TraceDialog.tsx').then((m) => m.TraceDialog),
  'Trace import',
);

/**
 * Reads a dropped or chosen file as scenario text, decoded as the command line decodes it
 * (scenario/text-input.ts: UTF-8 with or without a byte-order mark, UTF-16 with one; binary and
 * oversized input refused with a message); a refusal leaves the session as it is.
 */
export async function openFile(store: VizStore, file: File): Promise<void> {
  const refuse = (why: string) =>
    store.setState({
      notice: {
        kind: 'error',
        text: `The file was not opened: "${file.name}" ${why}. The session was kept.`,
      },
    });
  // Not read at all when it cannot be a scenario (the browser would read every byte of it).
  if (file.size > MAX_INPUT_BYTES)
    return refuse(`is ${file.size} bytes; a scenario file is at most ${MAX_INPUT_BYTES}`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (e) {
    // Moved or deleted since it was chosen, or unreadable: the browser says which.
    return refuse(`cannot be read: ${(e as Error).message || (e as Error).name}`);
  }
  const decoded = decodeExternalText(bytes, MAX_INPUT_BYTES);
  if (!decoded.ok) return refuse(`cannot be read: ${decoded.error}`);
  const raw = decoded.text;
  if (raw.length > MAX_SCENARIO_CHARS)
    return refuse(`has ${raw.length} characters; a scenario is at most ${MAX_SCENARIO_CHARS}`);
  if (looksLikeTrace(file.name, raw)) return store.getState().importTrace(raw, file.name);
  // A file this app downloaded reopens at its step (its first-line comment names it).
  const { text, step } = readStepComment(raw);
  store.getState().load(text, step, false, 'file');
}

/** A blank scenario to build a story from: `vcpus` vCPUs, manual guests, nothing routed. */
export function blankScenario(vcpus: 1 | 2): string {
  return `title "New scenario"\nnote "A blank machine: ${vcpus} vCPU${vcpus === 1 ? '' : 's'}, nothing routed. Route a pin in the IOAPIC table, then assert it."\nvcpus ${vcpus}\n`;
}

/** A menu entry: closes the menu, then does its thing. */
function MenuItem({
  onSelect,
  close,
  children,
}: {
  onSelect: () => void;
  close: () => void;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      role="menuitem"
      className="block w-full rounded px-3 py-1.5 text-left text-sm text-slate-800 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-sky-500 dark:text-slate-100 dark:hover:bg-slate-800"
      onClick={() => {
        close();
        onSelect();
      }}
    >
      {children}
    </button>
  );
}

function Separator() {
  return <hr className="my-1 border-slate-200 dark:border-slate-700" />;
}

function CopyDialog({ title, text, onClose }: { title: string; text: string; onClose: () => void }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    area.current?.focus();
    area.current?.select();
    navigator.clipboard?.writeText(text).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  }, [text]);
  return (
    <Modal onClose={onClose} labelledBy="copy-h" className="w-full max-w-3xl">
      <div className="flex flex-col">
        <div className="mb-2 flex items-center justify-between gap-2">
          <h2 id="copy-h" className="m-0 text-base font-semibold">
            {title}
          </h2>
          <Button onClick={onClose} aria-label="Close">
            Close
          </Button>
        </div>
        <p className="m-0 mb-2 text-xs text-slate-600 dark:text-slate-400" role="status">
          {copied === true
            ? 'Copied to the clipboard.'
            : copied === false
              ? 'The clipboard is not available here: select the text and copy it.'
              : ''}{' '}
          {grouped(text.length)} characters.
        </p>
        <textarea
          ref={area}
          readOnly
          value={text}
          rows={16}
          aria-label={title}
          className="w-full flex-1 rounded border border-slate-300 bg-slate-50 p-2 font-mono text-xs dark:border-slate-600 dark:bg-slate-950"
        />
      </div>
    </Modal>
  );
}

export function FileMenu() {
  const store = useVizStore();
  const info = useViz((s) => s.info);
  const [copy, setCopy] = useState<{ title: string; text: string } | null>(null);
  const [pasteTrace, setPasteTrace] = useState(false);
  const [busy, setBusy] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const menu = useRef<HTMLDetailsElement>(null);
  const close = () => menu.current?.removeAttribute('open');
  const name = slug(info?.title);
  useEffect(() => {
    // The menu closes on a click elsewhere or on Escape, as menus do.
    const onDown = (e: PointerEvent) => {
      if (menu.current && !menu.current.contains(e.target as Node)) menu.current.removeAttribute('open');
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && menu.current?.open) {
        menu.current.removeAttribute('open');
        menu.current.querySelector('summary')?.focus();
      }
    };
    document.addEventListener('pointerdown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, []);

  const exportTrace = async (what: 'trace-text' | 'trace-why' | 'chrome-trace') => {
    setBusy(true);
    try {
      const s = store.getState();
      // Compare view: the file holds both columns (B's events travel to A's worker).
      const compare = s.peer
        ? { label: s.peer.label, steps: await s.peer.store.getState().requestTraceSteps() }
        : undefined;
      const text = await s.requestExport(what, compare);
      if (what === 'chrome-trace') download(`${name}.trace.json`, text, 'application/json');
      else download(`${name}${what === 'trace-why' ? '.why' : ''}.trace.txt`, text);
    } finally {
      setBusy(false);
    }
  };
  const figureOf = (s: VizState, label?: string): FigureInput | null => {
    const f = s.frame;
    if (!f || !s.info) return null;
    const shown = Object.keys(s.cpus)
      .map(Number)
      .sort((a, b) => a - b);
    const title = s.info.title ?? 'apicscope scenario';
    return {
      title: label ? `${label}: ${title}` : title,
      step: f.step,
      action: f.step ? stepText(s.info.steps, f.step - 1) : '',
      cpus: shown.slice(0, 8).map((i) => s.cpus[i]),
      ioapic: f.view.ioapic,
      pins: s.info.pins,
      dark: document.documentElement.classList.contains('dark'),
    };
  };
  // The exports load their code when first used (not part of the page's first chunk).
  const figure = async () => {
    const s = store.getState();
    const a = figureOf(s, s.peer ? 'A' : undefined);
    if (!a) return null;
    const { figurePairSvg, figureSvg } = await import('../share/figure.ts');
    // Compare view: both columns side by side in one figure.
    const b = s.peer ? figureOf(s.peer.store.getState(), `B (${s.peer.label})`) : null;
    return b ? figurePairSvg(a, b) : figureSvg(a);
  };
  const exportFigure = async (kind: 'svg' | 'png') => {
    const svg = await figure();
    if (!svg) return;
    const file = `${name}-step${store.getState().frame?.step ?? 0}.${kind}`;
    if (kind === 'svg') download(file, svg, 'image/svg+xml');
    else download(file, await svgToPng(svg));
  };
  const lapicOf = async () => {
    const { infoLapic } = await import('../share/qemu-monitor.ts');
    const s = store.getState();
    const shown = Object.keys(s.cpus)
      .map(Number)
      .sort((a, b) => a - b);
    return shown.map((i) => infoLapic(s.cpus[i])).join('\n');
  };
  return (
    <>
      <Button
        onClick={async () => {
          // Only a link that opens is issued; otherwise say why, as opening it would.
          flushUrl();
          const href = location.href;
          const error = await store.getState().checkLink(location.hash.slice(1));
          if (error === null) setCopy({ title: 'Share link', text: href });
          else
            store.setState({
              notice: { kind: 'error', text: `No link can be made for this state: ${error}.` },
            });
        }}
        aria-label="Share: copy a link to this exact state"
        title="A link that reproduces this scenario at this step"
        className="font-semibold"
      >
        Share
      </Button>
      <details ref={menu} className="relative">
        <summary className="cursor-pointer list-none rounded border border-slate-300 bg-white px-2 py-0.5 text-xs text-slate-800 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700">
          File {busy ? '…' : '▾'}
        </summary>
        <div
          role="menu"
          aria-label="File"
          className="absolute right-0 z-40 mt-1 w-72 rounded-lg border border-slate-200 bg-white p-1 shadow-lg dark:border-slate-700 dark:bg-slate-900"
        >
          <MenuItem close={close} onSelect={() => store.getState().load(blankScenario(1), 0, false, 'app')}>
            New scenario: 1 vCPU, nothing routed
          </MenuItem>
          <MenuItem close={close} onSelect={() => store.getState().load(blankScenario(2), 0, false, 'app')}>
            New scenario: 2 vCPUs, nothing routed
          </MenuItem>
          <Separator />
          <MenuItem close={close} onSelect={() => fileInput.current?.click()}>
            Open a .apic file or a KVM trace…{' '}
            <span className="text-xs text-slate-600 dark:text-slate-400">(or drop it on the page)</span>
          </MenuItem>
          <MenuItem close={close} onSelect={() => setPasteTrace(true)}>
            Paste a KVM trace (trace-cmd report, perf script)…
          </MenuItem>
          <MenuItem
            close={close}
            onSelect={() => {
              const s = store.getState();
              download(`${name}.apic`, withStepComment(s.text, s.frame?.step ?? 0));
            }}
          >
            Download the scenario (.apic)
          </MenuItem>
          <Separator />
          <MenuItem close={close} onSelect={() => exportTrace('trace-text')}>
            Export the trace (trace-cmd text)
          </MenuItem>
          <MenuItem close={close} onSelect={() => exportTrace('trace-why')}>
            Export the trace with reasons
          </MenuItem>
          <MenuItem close={close} onSelect={() => exportTrace('chrome-trace')}>
            Export for Perfetto (Chrome trace JSON)
          </MenuItem>
          <Separator />
          <MenuItem
            close={close}
            onSelect={async () =>
              setCopy({ title: 'info lapic (QEMU monitor format)', text: await lapicOf() })
            }
          >
            Copy as “info lapic”
          </MenuItem>
          <MenuItem
            close={close}
            onSelect={async () => {
              const f = store.getState().frame;
              const { infoPic } = await import('../share/qemu-monitor.ts');
              if (f)
                setCopy({
                  title: 'info pic (QEMU monitor format, IOAPIC)',
                  text: infoPic(f.view.ioapic, f.view.ioapicVersion),
                });
            }}
          >
            Copy as “info pic”
          </MenuItem>
          <Separator />
          <MenuItem close={close} onSelect={() => exportFigure('svg')}>
            Export the view as SVG
          </MenuItem>
          <MenuItem close={close} onSelect={() => exportFigure('png')}>
            Export the view as PNG
          </MenuItem>
        </div>
      </details>
      <input
        ref={fileInput}
        type="file"
        accept=".apic,.txt,.report,text/plain"
        className="hidden"
        aria-label="Open a scenario file or a KVM trace"
        data-testid="file-input"
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) openFile(store, f);
          e.target.value = '';
        }}
      />
      {copy && <CopyDialog title={copy.title} text={copy.text} onClose={() => setCopy(null)} />}
      {pasteTrace && (
        <Suspense fallback={null}>
          <TraceDialog
            onImport={(text) => store.getState().importTrace(text, 'pasted trace')}
            onClose={() => setPasteTrace(false)}
          />
        </Suspense>
      )}
    </>
  );
}
