/**
 * The visualizer store against a fake worker: the real worker handler (session, runs, exports)
 * in this process, messages structured-cloned both ways and delivered asynchronously, as
 * between threads. A crash is the handler throwing, as a crashing worker would.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkerHandler } from '../worker/handler.ts';
import type { Request, Response, TestHookRequest } from '../worker/protocol.ts';
import type { VizState, VizStore } from './viz.ts';
import { createVizStore } from './viz.ts';

/** A Worker stand-in running the real handler; `sent` records every request. */
function fakeWorkers() {
  const sent: (Request | TestHookRequest)[] = [];
  let spawned = 0;
  const factory = () => {
    spawned++;
    let dead = false;
    const w = {
      onmessage: null as ((e: MessageEvent<Response>) => void) | null,
      onerror: null as ((e: ErrorEvent) => void) | null,
      onmessageerror: null as (() => void) | null,
      postMessage(msg: Request | TestHookRequest) {
        sent.push(structuredClone(msg));
        setTimeout(() => {
          if (dead) return;
          try {
            handle(structuredClone(msg));
          } catch (e) {
            w.onerror?.({ message: String(e), preventDefault() {} } as ErrorEvent);
          }
        }, 0);
      },
      terminate() {
        dead = true;
      },
    };
    const handle = createWorkerHandler((r) =>
      setTimeout(() => !dead && w.onmessage?.({ data: structuredClone(r) } as MessageEvent<Response>), 0),
    );
    return w as unknown as Worker;
  };
  return { factory, sent, spawned: () => spawned };
}

const stores: VizStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.getState().dispose();
});

function make(text: string, opts: { step?: number; link?: string; settings?: string[] } = {}) {
  const w = fakeWorkers();
  const store = createVizStore(text, opts.step, w.factory, opts.link, opts.settings);
  stores.push(store);
  return { store, ...w };
}

/** Resolves once the state satisfies `ok` (fails the test after two seconds). */
function until(store: VizStore, ok: (s: VizState) => boolean): Promise<VizState> {
  return new Promise((resolve, reject) => {
    if (ok(store.getState())) return resolve(store.getState());
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out; state: ${JSON.stringify({ ...store.getState(), frame: undefined })}`));
    }, 2000);
    const off = store.subscribe((s) => {
      if (!ok(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

const ready = (store: VizStore) =>
  until(store, (s) => s.status === 'ready' && s.info !== null && s.frame !== null);

const LEVEL = `title "level"
note "A level IRQ on pin 10."
vcpus 2
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
expect cpu 0 isr = {0x62}
cpu 0 eoi
`;

describe('visualizer store', () => {
  it('loads the initial scenario and shows its last step', async () => {
    const { store } = make(LEVEL);
    const s = await ready(store);
    expect(s.info!.steps.map((st) => st.text)).toEqual([
      'route 10 vector=0x62 trigger=level dest=0 mask=0',
      'assert 10',
      'cpu 0 eoi',
    ]);
    expect(s.frame!.step).toBe(3);
    expect(s.info!.expects).toEqual([expect.objectContaining({ line: 6, ok: true })]);
    expect(Object.keys(s.cpus)).toEqual(['0', '1']);
    expect(s.text).toBe(LEVEL);
  });

  it('opens at the step asked for', async () => {
    const { store } = make(LEVEL, { step: 2 });
    const s = await ready(store);
    expect(s.frame!.step).toBe(2);
    expect(s.cpus[0].isr).toEqual([0x62]);
  });

  it('appends an action as a line of the text, and undo and redo move between the texts', async () => {
    const { store } = make(LEVEL);
    await ready(store);
    store.getState().act(['cpu 0 iret']);
    let s = await until(store, (x) => x.status === 'ready' && x.info?.steps.length === 4);
    expect(s.text).toBe(`${LEVEL}cpu 0 iret\n`);
    expect(s.frame!.step).toBe(4);
    store.getState().undo();
    s = await until(store, (x) => x.info?.steps.length === 3 && x.frame?.step === 3);
    expect(s.text).toBe(LEVEL);
    expect(s.redoStack).toHaveLength(1);
    store.getState().redo();
    s = await until(store, (x) => x.info?.steps.length === 4);
    expect(s.text).toBe(`${LEVEL}cpu 0 iret\n`);
  });

  it('asks before an action discards later steps, and does nothing when refused', async () => {
    const { store, sent } = make(LEVEL);
    await ready(store);
    store.getState().seek(1);
    await until(store, (s) => s.frame?.step === 1);
    store.getState().act(['msi dest=1 vector=0x31']);
    expect(store.getState().pending).toEqual({ lines: ['msi dest=1 vector=0x31'], discard: 2 });
    const before = sent.length;
    store.getState().confirmPending(false);
    expect(store.getState().pending).toBeNull();
    expect(sent.length).toBe(before);
    store.getState().act(['msi dest=1 vector=0x31']);
    store.getState().confirmPending(true);
    const s = await until(store, (x) => x.status === 'ready' && x.info?.steps.length === 2);
    expect(s.info!.steps.map((st) => st.text)).toEqual([
      'route 10 vector=0x62 trigger=level dest=0 mask=0',
      'msi dest=1 vector=0x31',
    ]);
    expect(s.cpus[1].isr).toEqual([0x31]);
  });

  it('keeps the session when editor text has errors, and shows them at their lines', async () => {
    const { store } = make(LEVEL);
    await ready(store);
    store.getState().load('vcpus 2\nroute 30 vector=0x31\n', undefined, true);
    const s = await until(store, (x) => x.editorErrors.length > 0);
    expect(s.editorErrors).toEqual([{ line: 2, col: 7, message: 'pin 30 is out of range 0–23' }]);
    expect(s.notice).toBeNull();
    expect(s.text).toBe(LEVEL);
    expect(s.status).toBe('ready');
    // Text that parses clears them.
    store.getState().load(LEVEL, undefined, true);
    await until(store, (x) => x.editorErrors.length === 0);
  });

  it('says why a file was not opened, and keeps the session', async () => {
    const { store } = make(LEVEL);
    await ready(store);
    store.getState().load('vcpus 0\n', 0, false, 'file');
    const s = await until(store, (x) => x.notice !== null);
    expect(s.notice).toEqual({
      kind: 'error',
      text: 'The file was not opened: its scenario has an error at line 1:7: vcpus 0 is out of range 1–4096. The session was kept.',
    });
    expect(s.text).toBe(LEVEL);
    expect(s.editorErrors).toEqual([]);
  });

  it('refuses a broken link with a message and leaves the session as it is', async () => {
    const { store, sent } = make(LEVEL);
    await ready(store);
    const before = sent.length;
    expect(store.getState().openLink('v=1&k=0&s=t!!!')).toBe(false);
    expect(store.getState().notice?.text).toMatch(/^The link was not opened: .+\. The session was kept\.$/);
    expect(sent.length).toBe(before);
  });

  it('opens a share link of another store at its step and view', async () => {
    const a = make(LEVEL);
    await ready(a.store);
    const share = a.store.getState().info!.share;
    const { store } = make('vcpus 1\n', { link: `v=1&k=1&view=config&s=${share}` });
    const s = await until(store, (x) => x.status === 'ready' && x.text === LEVEL && x.frame?.step === 1);
    expect(s.view).toBe('config');
    expect(s.historyMode).toBe('replace');
  });

  it('rewrites the configuration lines, keeping notes, and replays', async () => {
    const { store } = make(LEVEL);
    const s0 = await ready(store);
    store.getState().configure({ ...s0.info!.config, apicv: true, vcpus: 3 });
    const s = await until(store, (x) => x.status === 'ready' && x.info?.config.apicv === true);
    expect(s.info!.vcpus).toBe(3);
    expect(s.text).toContain('note "A level IRQ on pin 10."');
    expect(s.text).toContain('apicv on');
    expect(s.text).toContain('vcpus 3');
    expect(s.text).toContain('route 10 vector=0x62');
    expect(s.undoStack.at(-1)).toEqual({ text: LEVEL, step: 3 });
  });

  it('keeps the step on screen across a configuration change (issue 12.4)', async () => {
    const { store } = make(LEVEL);
    await ready(store);
    store.getState().seek(1);
    const s0 = await until(store, (x) => x.frame?.step === 1);
    store.getState().configure({ ...s0.info!.config, apicv: true });
    const s = await until(store, (x) => x.status === 'ready' && x.info?.config.apicv === true);
    expect(s.frame!.step).toBe(1);
    expect(s.info!.steps.length).toBe(s0.info!.steps.length);
  });

  it('applies its own compare settings to every text it loads, and names a setting that does not apply', async () => {
    const { store } = make(LEVEL, { settings: ['apicv=on', 'kvm.stale-eoi-rescan=off'] });
    const s = await ready(store);
    expect(s.info!.config.apicv).toBe(true);
    expect(s.info!.config.kvm.staleEoiRescan).toBe(false);
    expect(s.settingsError).toBeNull();
    const bad = make(LEVEL, { settings: ['kvm.nope=1'] });
    const b = await until(bad.store, (x) => x.settingsError !== null);
    expect(b.settingsError).toMatch(/^kvm\.nope=1: /);
    expect(b.status).toBe('ready');
  });

  it('runs the default `run` when no length is given, and records it as `run`', async () => {
    const { store, sent } = make('vcpus 1\nguest 0 profile=linux\n');
    await ready(store);
    store.getState().startRun();
    expect(store.getState().status).toBe('running');
    expect(store.getState().run).toEqual({ steps: 0, limit: null });
    const s = await until(store, (x) => x.status === 'ready' && x.info?.steps.length === 1);
    expect(sent.find((r) => r.type === 'run')).toMatchObject({ type: 'run', at: 0 });
    expect(sent.find((r) => r.type === 'run')).not.toHaveProperty('n', expect.anything());
    expect(s.info!.steps[0].text).toBe('run 100000');
    expect(s.text.trimEnd().split('\n').at(-1)).toBe('run');
    expect(s.run).toBeNull();
  });

  it('restarts a crashed worker from the scenario, losing nothing', async () => {
    const { store, spawned } = make(LEVEL);
    await ready(store);
    store.getState().act(['cpu 0 iret']);
    await until(store, (x) => x.status === 'ready' && x.info?.steps.length === 4);
    store.testHooks.crashWorker();
    const s = await until(store, (x) => x.notice !== null && x.status === 'ready');
    expect(s.notice!.text).toMatch(/^The emulator crashed \(Error: worker crash requested by a test\)\./);
    expect(spawned()).toBe(2);
    expect(s.text).toBe(`${LEVEL}cpu 0 iret\n`);
    expect(s.frame!.step).toBe(4);
  });

  it('clamps seeks to the timeline', async () => {
    const { store, sent } = make(LEVEL);
    await ready(store);
    store.getState().seek(99);
    expect(sent.at(-1)).toMatchObject({ type: 'seek', step: 3 });
    store.getState().seek(-5);
    expect(sent.at(-1)).toMatchObject({ type: 'seek', step: 0 });
    await until(store, (s) => s.frame?.step === 0);
  });

  it('details every vCPU of a small VM, and of a large one only those pinned or touched', async () => {
    const { store } = make('vcpus 40\nmsi dest=3 vector=0x31\n');
    let s = await ready(store);
    expect(Object.keys(s.cpus)).toEqual(['3']);
    store.getState().toggleSelected(20);
    s = await until(store, (x) => x.cpus[20] !== undefined);
    expect(Object.keys(s.cpus).sort()).toEqual(['20', '3']);
    expect(s.selected).toEqual([20]);
    store.getState().toggleSelected(20);
    s = await until(store, (x) => x.cpus[20] === undefined);
    expect(s.selected).toEqual([]);
  });

  it('keeps the same detail object for a vCPU that did not change', async () => {
    const { store } = make('vcpus 2\nmsi dest=0 vector=0x31\nmsi dest=1 vector=0x41\n');
    const s = await ready(store);
    const cpu0 = s.cpus[0];
    store.getState().seek(1);
    const t = await until(store, (x) => x.frame?.step === 1);
    expect(t.cpus[0]).toBe(cpu0);
    expect(t.cpus[1]).not.toBe(s.cpus[1]);
  });
});
