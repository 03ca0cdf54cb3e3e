/**
 * The visualizer store against a fake worker: the real worker handler (session, runs, exports)
 * in this process, messages structured-cloned both ways and delivered asynchronously, as
 * between threads. A crash is the handler throwing, as a crashing worker would.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { seed001 } from '../explore/testing.ts';
import { MUTATING } from '../replay/testing.ts';
import { composeFragment, encodePayload } from '../share/url.ts';
import { createWorkerHandler } from '../worker/handler.ts';
import type { Request, Response, TestHookRequest } from '../worker/protocol.ts';
import { stepText, unpackExpects, unpackSteps } from '../worker/protocol.ts';
import type { VizState, VizStore } from './viz.ts';
import { createVizStore } from './viz.ts';

/** A Worker stand-in running the real handler; `sent` records every request; one `fails` picks fails as a crash. */
function fakeWorkers(fails: (msg: Request | TestHookRequest) => boolean = () => false) {
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
            if (fails(msg)) throw new Error('the worker failed on this message');
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
    // Node's MessagePort runs a chain of self-posted messages before any timer (the browser
    // interleaves them as tasks): the run's slices go through timers here, so answers get through.
    const channel = globalThis.MessageChannel;
    Reflect.deleteProperty(globalThis, 'MessageChannel');
    // Copied when posted, as postMessage copies (a run's checkpoint carries the live state).
    const handle = createWorkerHandler((r) => {
      const data = structuredClone(r);
      setTimeout(() => !dead && w.onmessage?.({ data } as MessageEvent<Response>), 0);
    });
    globalThis.MessageChannel = channel;
    return w as unknown as Worker;
  };
  return { factory, sent, spawned: () => spawned };
}

const stores: VizStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.getState().dispose();
});

function make(
  text: string,
  opts: {
    step?: number;
    link?: string;
    settings?: string[];
    fails?: (msg: Request | TestHookRequest) => boolean;
  } = {},
) {
  const w = fakeWorkers(opts.fails);
  const store = createVizStore(text, opts.step, w.factory, opts.link, opts.settings);
  stores.push(store);
  return { store, ...w };
}

/** Resolves once the state satisfies `ok` (fails the test after two seconds). */
function until(store: VizStore, ok: (s: VizState) => boolean, ms = 2000): Promise<VizState> {
  return new Promise((resolve, reject) => {
    if (ok(store.getState())) return resolve(store.getState());
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out; state: ${JSON.stringify({ ...store.getState(), frame: undefined })}`));
    }, ms);
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
    expect(unpackSteps(s.info!.steps).map((st) => st.text)).toEqual([
      'route 10 vector=0x62 trigger=level dest=0 mask=0',
      'assert 10',
      'cpu 0 eoi',
    ]);
    expect(s.frame!.step).toBe(3);
    expect(unpackExpects(s.info!.expects)).toEqual([expect.objectContaining({ line: 6, ok: true })]);
    expect(Object.keys(s.cpus)).toEqual(['0', '1']);
    expect(s.text).toBe(LEVEL);
  });

  it('shows a load in progress at once, and Cancel brings the previous session back untouched', async () => {
    const { store, spawned } = make(LEVEL);
    await ready(store);
    store.getState().act(['msi dest=1 vector=0x41']);
    await until(store, (s) => s.status === 'ready' && s.frame?.step === 4);
    store.getState().undo();
    await until(store, (s) => s.status === 'ready' && s.frame?.step === 3 && s.redoStack.length === 1);
    const before = store.getState();
    const workers = spawned();
    store.getState().load('vcpus 4\nmsi dest=3 vector=0x31\n');
    expect(store.getState().loading).toEqual({ done: 0, total: 0 });
    store.getState().cancelLoad();
    expect(spawned()).toBe(workers + 1); // the busy worker was ended, not waited for
    const s = await until(store, (x) => x.status === 'ready' && x.loading === null);
    expect(s.text).toBe(before.text);
    expect(s.frame!.step).toBe(3);
    expect(s.redoStack).toHaveLength(1);
    expect(s.undoStack).toEqual(before.undoStack);
    expect(s.redoStack).toEqual(before.redoStack);
    expect(s.info!.vcpus).toBe(2);
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
    expect(unpackSteps(s.info!.steps).map((st) => st.text)).toEqual([
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

  it('refuses a broken link with a message and leaves the session as it is (the worker decodes it)', async () => {
    const { store, sent } = make(LEVEL);
    const s0 = await ready(store);
    const before = sent.length;
    store.getState().openLink('v=1&k=0&s=t!!!');
    const s = await until(store, (x) => x.notice !== null && x.status === 'ready');
    expect(s.notice?.text).toMatch(/^The link was not opened: .+\. The session was kept\.$/);
    expect(sent.slice(before).map((m) => m.type)).toEqual(['open-link']);
    expect([s.text, s.frame, s.info, s.view, s.undoStack]).toEqual([
      s0.text,
      s0.frame,
      s0.info,
      s0.view,
      s0.undoStack,
    ]);
  });

  it('refuses a link whose compare setting does not apply, now that the worker can check it', async () => {
    const { store } = make(LEVEL);
    const s0 = await ready(store);
    store.getState().openLink(composeFragment(s0.info!.share, 1, undefined, ['kvm.seoib=sideways']));
    const s = await until(store, (x) => x.notice !== null && x.status === 'ready');
    expect(s.notice!.text).toMatch(
      /^The link was not opened: the link's compare setting 'kvm.seoib=sideways' is not valid/,
    );
    expect([s.text, s.compare, s.frame!.step]).toEqual([s0.text, s0.compare, s0.frame!.step]);
  });

  it('says whether a link would open (check-link)', async () => {
    const { store } = make(LEVEL);
    const s = await ready(store);
    expect(await store.getState().checkLink(composeFragment(s.info!.share, 2))).toBeNull();
    expect(await store.getState().checkLink('v=1&k=0&s=t!!!')).toMatch(/damaged|base64/);
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
    expect(stepText(s.info!.steps, 0)).toBe('run 100000');
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
    // Sent once the first one is answered (seeks in flight coalesce).
    store.getState().seek(-5);
    await until(store, (s) => s.frame?.step === 0);
    expect(sent.at(-1)).toMatchObject({ type: 'seek', step: 0 });
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

describe('a KVM trace opened in the app (issue 10 §3)', () => {
  const TRACE = [
    ' CPU 0/KVM-1234  [000]   100.000001: kvm_set_irq:          gsi 10 level 1 source 0',
    ' CPU 0/KVM-1234  [000]   100.000002: kvm_ioapic_set_irq:   pin 10 dst 0 vec 98 (Fixed|physical|level)',
    ' CPU 0/KVM-1234  [000]   100.000003: kvm_apic_accept_irq:  apicid 0 vec 98 (Fixed|level)',
    ' CPU 0/KVM-1234  [000]   100.000004: kvm_inj_virq:         IRQ 0x62',
  ].join('\n');

  it('opens as a scenario, keeps where each step came from, and clears when another scenario loads', async () => {
    const { store } = make(LEVEL);
    await ready(store);
    store.getState().importTrace(TRACE, 'mail.txt');
    const s = await until(store, (st) => st.traceImport !== null && st.status === 'ready');
    expect(s.text).toMatch(/^# imported by apicscope from mail\.txt/);
    expect(s.traceImport!.name).toBe('mail.txt');
    expect(s.traceImport!.steps[0]).toMatchObject({ step: 1, traceLine: 1 });
    expect(s.info!.steps.length).toBe(s.traceImport!.steps.length);
    expect(s.undoStack.at(-1)?.text).toBe(LEVEL);
    store.getState().load(LEVEL);
    await until(store, (st) => st.text === LEVEL && st.status === 'ready');
    expect(store.getState().traceImport).toBeNull();
  });

  it('refuses text with nothing usable and keeps the session, undo and redo as they were', async () => {
    const { store } = make(LEVEL);
    await ready(store);
    const before = store.getState();
    store.getState().importTrace('just some words\n', 'notes.txt');
    const s = await until(store, (st) => st.notice !== null);
    expect(s.notice!.text).toMatch(
      /^The trace was not opened: notes\.txt: nothing usable.*The session was kept\.$/,
    );
    expect(s.text).toBe(before.text);
    expect(s.undoStack).toEqual(before.undoStack);
    expect(s.redoStack).toEqual(before.redoStack);
    expect(s.traceImport).toBeNull();
  });
});

/** A level line that stays high, serviced by Linux guests: a `run` that never runs out of work. */
const STORM = `vcpus 4
guest all profile=windows
kvm storm-limit=1000000
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
expect cpu 0 isr = {}
run 1000
`;

describe('worker reliability (issues 12.2, 14.5–14.7)', () => {
  it('never shows one step’s label beside another step’s state while a run stops (issue 12.2)', async () => {
    const { store } = make(STORM);
    await ready(store);
    // Every state the screen could paint: which step it labels, and the virtual time it shows.
    const seen: { step: number; labels: number; time: number; status: string }[] = [];
    const off = store.subscribe((s) => {
      if (s.frame && s.info)
        seen.push({
          step: s.frame.step,
          labels: s.info.steps.length,
          time: s.frame.view.time,
          status: s.status,
        });
    });
    store.getState().startRun(1_000_000_000);
    await until(store, (s) => s.status === 'running' && (s.run?.steps ?? 0) > 0 && s.frame?.step === 3);
    await new Promise((r) => setTimeout(r, 120));
    store.getState().stopRun();
    const s = await until(
      store,
      (x) => x.status === 'ready' && x.info?.steps.length === 4 && x.frame?.step === 4,
    );
    off();
    expect(stepText(s.info!.steps, 3)).toMatch(/^run \d+$/);
    // Each ready state labels a step whose frame is that step's own state: seek there and compare.
    const ready_ = seen.filter((x) => x.status === 'ready');
    const distinct = [...new Map(ready_.map((x) => [`${x.step}:${x.time}`, x])).values()];
    for (const x of distinct) {
      store.getState().seek(x.step);
      const t = await until(store, (y) => y.status === 'ready' && y.frame?.step === x.step);
      expect({ step: x.step, time: x.time }).toEqual({ step: x.step, time: t.frame!.view.time });
    }
  });

  it('changes the run on show only when its steps or limit move (the progress beside each live frame is not news)', async () => {
    const { store } = make(STORM);
    await ready(store);
    const runs: NonNullable<VizState['run']>[] = [];
    const off = store.subscribe((s, p) => {
      if (s.run && s.run !== p.run) runs.push(s.run);
    });
    store.getState().startRun(1_000_000_000);
    await until(store, (s) => (s.run?.steps ?? 0) > 0 && runs.length >= 3, 10_000);
    store.getState().stopRun();
    off();
    await until(store, (x) => x.status === 'ready' && x.info?.steps.length === 4);
    const pairs = runs.slice(1).map((r, i) => [runs[i], r] as const);
    for (const [a, b] of pairs) expect(b).not.toEqual(a);
  });

  it('keeps the objects a live frame does not change, so that their views do not render again', async () => {
    const { store } = make(STORM);
    await ready(store);
    const live: NonNullable<VizState['frame']>[] = [];
    const off = store.subscribe((s, p) => {
      if (s.status === 'running' && s.frame && s.frame !== p.frame) live.push(s.frame);
    });
    store.getState().startRun(1_000_000_000);
    await until(store, () => live.length >= 4, 10_000);
    store.getState().stopRun();
    off();
    await until(store, (x) => x.status === 'ready' && x.info?.steps.length === 4);
    const pairs = live.slice(1).map((f, i) => [live[i], f] as const);
    for (const [a, b] of pairs) {
      expect(b.events).toHaveLength(0);
      expect(b.events).toBe(a.events);
      expect(b.changedPins).toBe(a.changedPins);
      // The IOAPIC is kept when equal and replaced when not (the storm's counts move).
      expect(b.view.ioapic === a.view.ioapic).toBe(
        JSON.stringify(b.view.ioapic) === JSON.stringify(a.view.ioapic),
      );
    }
    expect(pairs.some(([a, b]) => a.view.ioapic !== b.view.ioapic)).toBe(true);
  });

  it('keeps a crashed run’s progress as `run K`, recorded from its last checkpoint (issue 14.6)', async () => {
    const { store, spawned, sent } = make(STORM);
    await ready(store);
    store.getState().startRun(1_000_000_000);
    // The steps on show are the last checkpoint's: a second one, so that its events were put together.
    const first = (await until(store, (s) => (s.run?.steps ?? 0) > 0)).run!.steps;
    const r = await until(store, (s) => (s.run?.steps ?? 0) > first);
    store.testHooks.crashWorker();
    const heard = store.getState().run!.steps;
    expect(heard).toBeGreaterThanOrEqual(r.run!.steps);
    const s = await until(store, (x) => x.status === 'ready' && x.info?.steps.length === 4);
    expect(spawned()).toBe(2);
    expect(s.text).toBe(`${STORM}run ${heard}\n`);
    expect(s.frame!.step).toBe(4);
    expect(s.notice!.text).toContain(`kept as \`run ${heard}\``);
    // Undo goes back to before the run.
    expect(s.undoStack.at(-1)).toEqual({ text: STORM, step: 3 });
    const restart = sent.findLast((m) => m.type === 'load');
    expect(restart?.type === 'load' && restart.checkpoint?.steps).toBe(heard);
    // What it recorded is what running the text gives.
    const again = make(s.text).store;
    const replayed = await until(again, (x) => x.status === 'ready' && x.frame?.step === 4, 10_000);
    expect(s.frame).toEqual(replayed.frame);
    expect(s.info).toEqual(replayed.info);
  });

  it('replays the run when the restart from its checkpoint fails too (issue 14.6)', async () => {
    const { store, spawned, sent } = make(STORM, { fails: (m) => m.type === 'load' && !!m.checkpoint });
    await ready(store);
    store.getState().startRun(1_000_000_000);
    await until(store, (s) => (s.run?.steps ?? 0) > 0);
    store.testHooks.crashWorker();
    const heard = store.getState().run!.steps;
    const s = await until(store, (x) => x.status === 'ready' && x.info?.steps.length === 4, 10_000);
    expect(spawned()).toBe(3);
    expect(s.text).toBe(`${STORM}run ${heard}\n`);
    const loads = sent.filter((m) => m.type === 'load').slice(-3);
    expect(loads.map((m) => m.type === 'load' && [m.text, m.checkpoint?.steps])).toEqual([
      [`${STORM}run ${heard}\n`, heard],
      [STORM, undefined],
      [`${STORM}run ${heard}\n`, undefined],
    ]);
  });

  it('sends a step asked for while the worker dies again after the restart (issue 14.6)', async () => {
    const { store, spawned } = make(LEVEL);
    await ready(store);
    store.testHooks.crashWorker();
    store.getState().act(['cpu 0 iret']);
    const s = await until(store, (x) => x.status === 'ready' && x.frame?.step === 4);
    expect(spawned()).toBe(2);
    expect(s.text).toBe(`${LEVEL}cpu 0 iret\n`);
    expect(s.frame!.step).toBe(4);
    expect(s.undoStack.at(-1)).toEqual({ text: LEVEL, step: 3 });
  });

  it('opens a link lost with a failed worker at its step after the restart (issues 14.5, 14.6)', async () => {
    const { store, spawned } = make('vcpus 1\n');
    await ready(store);
    store.testHooks.crashWorker();
    store.getState().openLink(composeFragment(encodePayload(LEVEL), 1));
    const s = await until(store, (x) => x.status === 'ready' && x.text === LEVEL && x.frame?.step === 1);
    expect(spawned()).toBe(2);
    expect(s.info!.steps).toHaveLength(3);
  });

  // Inside a mutation run: the store's queue, no result of the core (docs/mutation.md).
  it.skipIf(MUTATING)('advances exactly 100 steps for 100 clicks in one burst (issue 14.6)', async () => {
    const { store } = make('vcpus 1\n');
    await ready(store);
    for (let i = 0; i < 100; i++) store.getState().act([`wait ${i + 1}us`]);
    const s = await until(
      store,
      (x) => x.status === 'ready' && x.info?.steps.length === 100 && x.frame?.step === 100,
      20_000,
    );
    expect(unpackSteps(s.info!.steps).map((st) => st.text)).toEqual(
      Array.from({ length: 100 }, (_, i) => `wait ${i + 1}us`),
    );
    expect(s.pending).toBeNull();
    for (let i = 0; i < 100; i++) store.getState().stepBy(-1);
    await until(store, (x) => x.frame?.step === 0 && x.status === 'ready');
  });

  it('explores beside the one request in flight: seeks and actions go on, the report arrives (issue 10, 14.6)', async () => {
    const { store, sent } = make(seed001('off'));
    await ready(store);
    store.getState().explore(6);
    // Not queued behind anything, and nothing queued behind it: a seek and an action proceed.
    store.getState().seek(2);
    await until(store, (x) => x.frame?.step === 2 && x.status === 'ready');
    store.getState().seek(5);
    await until(store, (x) => x.frame?.step === 5 && x.status === 'ready');
    store.getState().act(['cpu 1 eoi']);
    await until(store, (x) => x.info?.steps.length === 6 && x.status === 'ready');
    const s = await until(store, (x) => x.exploration?.running === false, 20_000);
    expect(s.exploration!.report!.violations.map((v) => v.property)).toEqual(['needless-eoi-exit']);
    expect(s.exploration!.report!.stats.maxDepth).toBe(6);
    // The session is what the seeks and the action made it; Undo takes back the action only.
    expect(s.undoStack).toHaveLength(1);
    expect(sent.filter((r) => r.type === 'explore')).toHaveLength(1);
    store.getState().stopExplore(); // nothing running: nothing sent
    expect(sent.filter((r) => r.type === 'explore-stop')).toHaveLength(0);
  }, 30_000);

  it('coalesces 60 seeks in one go to the last (issue 14.6)', async () => {
    const { store, sent } = make(
      'vcpus 1\n' + Array.from({ length: 80 }, (_, i) => `wait ${i + 1}us\n`).join(''),
    );
    await ready(store);
    const before = sent.length;
    for (let k = 0; k < 60; k++) store.getState().seek(k);
    const s = await until(store, (x) => x.frame?.step === 59);
    const seeks = sent.slice(before).filter((r) => r.type === 'seek');
    expect(seeks.length).toBeLessThanOrEqual(2);
    expect(seeks.at(-1)).toMatchObject({ step: 59 });
    expect(s.status).toBe('ready');
  });

  it.each([
    ['5000000000', 'Not run: run steps 5000000000 is out of range 0–1000000000. The session was kept.'],
    ['-5', "Not run: '-5' is not a number: write decimal (48) or hex (0x30). The session was kept."],
    ['1e3', "Not run: '1e3' is not a number: write decimal (48) or hex (0x30). The session was kept."],
    ['5 msi', 'Not run: run takes one number of guest steps. The session was kept.'],
  ])(
    'refuses the Run box value %s with a message and changes nothing (issue 14.7)',
    async (value, message) => {
      const { store } = make(LEVEL);
      await ready(store);
      store.getState().act(['cpu 0 iret']);
      await until(store, (x) => x.status === 'ready' && x.info?.steps.length === 4);
      store.getState().undo();
      const s0 = await until(store, (x) => x.status === 'ready' && x.info?.steps.length === 3);
      store.getState().startRun(value);
      const s = await until(store, (x) => x.notice !== null && x.status === 'ready');
      expect(s.notice!.text).toBe(message);
      expect(s.run).toBeNull();
      expect(s.text).toBe(LEVEL);
      expect(s.undoStack).toEqual(s0.undoStack);
      expect(s.redoStack).toEqual(s0.redoStack);
      // Still usable: the next action goes through.
      store.getState().seek(1);
      await until(store, (x) => x.frame?.step === 1 && x.status === 'ready');
    },
  );

  it('runs a Run box value in the language’s number syntax (0x10 is 16, as in a file)', async () => {
    const { store } = make('vcpus 1\nguest 0 profile=linux\n');
    await ready(store);
    store.getState().startRun('0x10');
    const s = await until(store, (x) => x.status === 'ready' && x.info?.steps.length === 1);
    expect(stepText(s.info!.steps, 0)).toBe('run 16');
  });

  it('refuses an invalid action before the last step without cutting the session (issue 14.7)', async () => {
    const { store } = make(LEVEL);
    await ready(store);
    store.getState().seek(1);
    await until(store, (x) => x.frame?.step === 1);
    store.getState().act(['msi dest=0 vector=300']);
    store.getState().confirmPending(true);
    const s = await until(store, (x) => x.notice !== null && x.status === 'ready');
    expect(s.notice!.text).toMatch(/vector 300 is out of range.*The session was kept\.$/);
    expect(s.text).toBe(LEVEL);
    expect(s.undoStack).toEqual([]);
    // The worker kept it too: its last step is still there.
    store.getState().seek(3);
    const t = await until(store, (x) => x.frame?.step === 3);
    expect(t.cpus[0].isr).toEqual([]);
  });

  it('keeps Redo when a file or a link is refused, and refuses an empty file (issue 14.7)', async () => {
    const { store, sent } = make(LEVEL);
    await ready(store);
    store.getState().act(['cpu 0 iret']);
    await until(store, (x) => x.status === 'ready' && x.info?.steps.length === 4);
    store.getState().undo();
    const s0 = await until(store, (x) => x.status === 'ready' && x.info?.steps.length === 3);
    expect(s0.redoStack).toHaveLength(1);
    store.getState().load('vcpus 0\n', 0, false, 'file');
    let s = await until(store, (x) => x.notice !== null && x.status === 'ready');
    expect([s.undoStack, s.redoStack]).toEqual([s0.undoStack, s0.redoStack]);
    store.getState().dismissNotice();
    const link = composeFragment(encodePayload('vcpus 0\n'), 0);
    store.getState().openLink(link);
    s = await until(store, (x) => x.notice !== null && x.status === 'ready');
    expect(s.notice!.text).toMatch(/^The link was not opened/);
    expect([s.text, s.undoStack, s.redoStack]).toEqual([LEVEL, s0.undoStack, s0.redoStack]);
    store.getState().dismissNotice();
    const n = sent.length;
    store.getState().load('  \n', 0, false, 'file');
    expect(store.getState().notice!.text).toBe('The file was not opened: it is empty. The session was kept.');
    expect(sent.length).toBe(n);
    expect(store.getState().text).toBe(LEVEL);
  });
});
