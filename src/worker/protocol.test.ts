/** Run-time validation of the messages between the threads (issue 14.7): forged ones are named and refused. */
import { describe, expect, it } from 'vitest';
import { Machine } from '../core/machine.ts';
import { mustParse } from '../replay/testing.ts';
import { createWorkerHandler } from './handler.ts';
import { WorkerHost } from './host.ts';
import { lockDown } from './lockdown.ts';
import type { Response } from './protocol.ts';
import {
  checkpointRun,
  packExpects,
  packSteps,
  requestProblem,
  responseProblem,
  stepAt,
  toCheckpoint,
  unpackExpects,
  unpackSteps,
} from './protocol.ts';
import { Session } from './session.ts';

describe('message validation', () => {
  it('accepts the requests the store sends', () => {
    for (const r of [
      { type: 'load', id: 1, text: 'vcpus 1\n', detailed: [] },
      { type: 'load', id: 2, text: 'x', step: 3, event: 0, detailed: [1, 2], settings: ['apicv=on'] },
      { type: 'seek', id: 3, step: 0, detailed: [] },
      { type: 'append', id: 4, lines: ['msi dest=0 vector=0x31'], at: 0, detailed: [] },
      { type: 'run', id: 5, at: 0, detailed: [] },
      { type: 'run', id: 6, n: '0x10', at: 0, detailed: [] },
      { type: 'stop', id: 7 },
      { type: 'export', id: 8, what: 'chrome-trace' },
      { type: 'trace-steps', id: 9 },
      { type: 'test-hang', id: 10, ms: 100 },
    ])
      expect(requestProblem(r)).toBeNull();
  });

  it.each([
    [null, 'not an object'],
    [[], 'not an object'],
    [{ type: 'eval', id: 1 }, 'unknown type "eval"'],
    [{ type: 'constructor', id: 1 }, 'unknown type "constructor"'],
    [{ type: '__proto__', id: 1 }, 'unknown type "__proto__"'],
    [{ type: 'seek', id: -1, step: 0, detailed: [] }, 'seek: id is not a message number'],
    [{ type: 'seek', id: 1, step: '3', detailed: [] }, 'seek: bad step'],
    [{ type: 'seek', id: 1, step: 1.5, detailed: [] }, 'seek: bad step'],
    [{ type: 'seek', id: 1, step: 1 }, 'seek: bad detailed'],
    [{ type: 'load', id: 1, text: 3, detailed: [] }, 'load: bad text'],
    [{ type: 'append', id: 1, lines: 'msi', at: 0, detailed: [] }, 'append: bad lines'],
    [{ type: 'stop', id: 1, next: 'load' }, 'stop: unknown field next'],
    [{ type: 'export', id: 1, what: 'html' }, 'export: bad what'],
    [{ type: 'test-hang', id: 1, ms: 1e9 }, 'test-hang: bad ms'],
  ])('names what is wrong with the request %j', (msg, problem) => {
    expect(requestProblem(msg)).toBe(problem);
  });

  it('checks a run checkpoint both ways: its fields, and the state shallowly (the worker checks it against its own)', () => {
    const state = Machine.boot(mustParse('vcpus 2\n').config, false).state;
    const cp = { steps: 5, state, eventsJson: ['[]'], dropped: 0 };
    expect(requestProblem({ type: 'load', id: 1, text: 'x', detailed: [], checkpoint: cp })).toBeNull();
    expect(responseProblem({ type: 'run-checkpoint', id: 2, ...cp })).toBeNull();
    for (const bad of [
      { ...cp, steps: -1 },
      { ...cp, more: 1 },
      { ...cp, eventsJson: [[]] },
      { ...cp, eventsJson: '[]' },
      { ...cp, events: [] },
      { ...cp, state: { ...state, cpus: {} } },
      { ...cp, state: { ...state, snapshots: {} } },
      { ...cp, state: { ...state, config: null } },
    ])
      expect(requestProblem({ type: 'load', id: 1, text: 'x', detailed: [], checkpoint: bad })).toBe(
        'load: bad checkpoint',
      );
    expect(responseProblem({ type: 'run-checkpoint', id: 2, ...cp, state: { ...state, vm: 0 } })).toBe(
      'run-checkpoint: bad state',
    );
    expect(responseProblem({ type: 'run-checkpoint', id: 2, ...cp, dropped: 0.5 })).toBe(
      'run-checkpoint: bad dropped',
    );
  });

  it("reads a checkpoint's event texts in the worker: put together in order, refused whole when one is not events", () => {
    const s = new Session();
    expect(
      s.load(
        'vcpus 2\nkvm storm-limit=1000000\nguest all profile=windows\nroute 3 vector=0xa3 trigger=level dest=1 mask=0\nassert 3\n',
      ).ok,
    ).toBe(true);
    expect(s.beginRun(1_000_000_000, s.length).ok).toBe(true);
    s.runChunk(40);
    const a = toCheckpoint(s.runCheckpoint(0)!);
    s.runChunk(40);
    const b = toCheckpoint(s.runCheckpoint(JSON.parse(a.eventsJson[0]).length)!);
    const all = s.runCheckpoint(0)!;
    const both = { ...b, eventsJson: [...a.eventsJson, ...b.eventsJson] };
    expect(JSON.parse(a.eventsJson[0]).length).toBeGreaterThan(0);
    expect(JSON.parse(b.eventsJson[0]).length).toBeGreaterThan(0);
    expect(checkpointRun(both)).toEqual(all);
    for (const bad of ['[', '{}', '[{"type":"action"}]', 'null'])
      expect(checkpointRun({ ...both, eventsJson: [a.eventsJson[0], bad] })).toBeNull();
  });

  it('the worker answers a forged request with an error and keeps its session', () => {
    const out: Response[] = [];
    const handle = createWorkerHandler((r) => out.push(r));
    handle({ type: 'load', id: 1, text: 'vcpus 1\nmsi dest=0 vector=0x31\n', detailed: [] });
    handle({ type: 'append', id: 2, lines: [{ toString: () => 'msi' }], at: 0, detailed: [] });
    expect(out.at(-1)).toEqual({
      type: 'error',
      id: 2,
      errors: [
        {
          line: 1,
          col: 1,
          message: 'the worker was sent a message outside its protocol (append: bad lines)',
        },
      ],
    });
    handle({ type: 'seek', id: 3, step: 1, detailed: [] });
    const f = out.at(-1);
    expect(f?.type === 'frame' && f.frame.step).toBe(1);
    // Every answer it gave is one of the protocol's.
    for (const r of out) expect(responseProblem(r)).toBeNull();
  });

  it('packs the steps of a session into strings and typed arrays, and gives each step back', () => {
    const steps = [
      { text: 'msi dest=0 vector=0x31', line: 3, notes: [] },
      { text: 'cpu 0 eoi', line: 5, notes: ['first', 'second'] },
      { text: 'snapshot a', line: 6, notes: [], ask: { question: 'q?', answer: 'remote-irr' } },
    ] as Parameters<typeof packSteps>[0];
    const packed = packSteps(steps);
    expect(packed.length).toBe(3);
    expect(unpackSteps(packed)).toEqual(steps);
    expect(stepAt(packed, 1)).toEqual(steps[1]);
    expect(unpackSteps(packSteps([]))).toEqual([]);
  });

  it('packs expectation results, and checks them when they arrive', () => {
    const results = [
      { line: 4, afterStep: 1, ok: true, expected: 'cpu 0 isr has 0x31', actual: 'has 0x31' },
      { line: 5, afterStep: 1, ok: false, expected: 'count reinjections = 1', actual: '0' },
      { line: 9, afterStep: 3, ok: false, expected: '', actual: '' },
    ];
    expect(unpackExpects(packExpects(results))).toEqual(results);
    const s = new Session();
    expect(
      s.load('vcpus 1\nmsi dest=0 vector=0x31\nexpect cpu 0 isr has 0x31\nexpect cpu 0 isr has 0x32\n').ok,
    ).toBe(true);
    const info = s.info();
    expect(unpackExpects(info.expects).map((e) => e.ok)).toEqual([true, false]);
    const bad = (expects: object) =>
      responseProblem({ type: 'loaded', id: 1, info: { ...info, expects: { ...info.expects, ...expects } } });
    expect(bad({})).toBeNull();
    expect(bad({ ok: new Uint8Array([1, 2]) })).toBe('loaded: bad info');
    expect(bad({ ok: [1, 0] })).toBe('loaded: bad info');
    expect(bad({ afterStep: new Int32Array([1, -1]) })).toBe('loaded: bad info');
    expect(bad({ lines: new Int32Array([3]) })).toBe('loaded: bad info');
    expect(bad({ starts: new Int32Array([0, 5, 3, 9, 9]) })).toBe('loaded: bad info');
    expect(bad({ texts: `${info.expects.texts}!` })).toBe('loaded: bad info');
    expect(bad({ length: 1 })).toBe('loaded: bad info');
  });

  it('checks packed steps: offsets rising to the end of the text, a line per step, notes of real steps', () => {
    const s = new Session();
    expect(s.load('vcpus 1\nmsi dest=0 vector=0x31\nnote "n"\ncpu 0 eoi\n').ok).toBe(true);
    const info = s.info();
    expect(responseProblem({ type: 'loaded', id: 1, info })).toBeNull();
    const bad = (steps: object) =>
      responseProblem({ type: 'loaded', id: 1, info: { ...info, steps: { ...info.steps, ...steps } } });
    expect(bad({ starts: new Int32Array([0, 30, 10]) })).toBe('loaded: bad info');
    expect(bad({ starts: [0, 23, 33] })).toBe('loaded: bad info');
    expect(bad({ lines: new Int32Array([2]) })).toBe('loaded: bad info');
    expect(bad({ texts: `${info.steps.texts}x` })).toBe('loaded: bad info');
    expect(bad({ notes: new Map([[2, ['n']]]) })).toBe('loaded: bad info');
    expect(bad({ notes: new Map([[1, [3]]]) })).toBe('loaded: bad info');
    expect(bad({ asks: { 0: {} } })).toBe('loaded: bad info');
    expect(bad({ length: 3 })).toBe('loaded: bad info');
  });

  it('the UI side treats a message outside the protocol as a failed worker', () => {
    const failures: string[] = [];
    const got: Response[] = [];
    const workers: { onmessage: ((e: { data: unknown }) => void) | null; terminated: boolean }[] = [];
    const factory = () => {
      const w = {
        onmessage: null,
        onerror: null,
        onmessageerror: null,
        terminated: false,
        postMessage() {},
        terminate() {
          w.terminated = true;
        },
      };
      workers.push(w);
      return w as unknown as Worker;
    };
    const host = new WorkerHost(
      (r) => got.push(r),
      (kind, detail) => failures.push(`${kind}: ${detail}`),
      factory,
    );
    workers[0].onmessage?.({ data: { type: 'progress', id: 1, steps: 5, limit: 10 } });
    workers[0].onmessage?.({ data: { type: 'frame', id: 1, frame: { step: 'all' } } });
    expect(got).toEqual([{ type: 'progress', id: 1, steps: 5, limit: 10 }]);
    expect(failures).toEqual(['crash: a message outside the protocol: frame: bad frame']);
    expect(workers[0].terminated).toBe(true);
    expect(workers).toHaveLength(2);
    host.dispose();
  });

  it('the worker drops what it needs not, from network to eval (issue 14.12)', () => {
    const scope = {
      fetch: () => 0,
      XMLHttpRequest: class {},
      WebSocket: class {},
      EventSource: class {},
      eval: (s: string) => s,
      postMessage: () => 0,
    };
    expect(lockDown(scope, false)).toEqual([]);
    expect(Object.keys(scope).sort()).toEqual(['postMessage']);
    // Inherited (as on WorkerGlobalScope.prototype): shadowed.
    const inherited = Object.create({ fetch: () => 0, importScripts: () => 0 });
    expect(lockDown(inherited, false)).toEqual([]);
    expect(inherited.fetch).toBeUndefined();
    expect(inherited.importScripts).toBeUndefined();
  });
});
