/** The worker between requests: the step after the one shown is replayed ahead of its request. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Machine } from '../core/machine.ts';
import { Timeline } from '../replay/timeline.ts';
import { createWorkerHandler } from './handler.ts';
import type { Response } from './protocol.ts';
import { Session } from './session.ts';

const text = `vcpus 4
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
cpu 0 service 10
cpu 0 eoi
cpu 0 iret
msi dest=3 vector=0x41
run 200000
`;

/** A handler whose queued tasks are timers (Node runs self-posted messages before any timer). */
function handler(): { handle: (req: unknown) => void; out: Response[] } {
  const channel = globalThis.MessageChannel;
  Reflect.deleteProperty(globalThis, 'MessageChannel');
  const out: Response[] = [];
  const handle = createWorkerHandler((r) => out.push(structuredClone(r)));
  globalThis.MessageChannel = channel;
  return { handle, out };
}

const tasks = () => new Promise((r) => setTimeout(r, 5));
const frameOf = (out: Response[], id: number) => out.find((r) => r.type === 'frame' && r.id === id);

afterEach(() => vi.restoreAllMocks());

describe('the worker after a frame', () => {
  it('replays the next step in a task of its own, and answers the next → from it', async () => {
    const ahead = vi.spyOn(Session.prototype, 'replayAhead');
    const { handle, out } = handler();
    handle({ type: 'load', id: 1, text, detailed: [] });
    handle({ type: 'seek', id: 2, step: 1, detailed: [] });
    expect(ahead).not.toHaveBeenCalled();
    await tasks();
    // The load's (after its last step: nothing to replay) was dropped by the seek.
    expect(ahead.mock.calls).toEqual([[2]]);
    const copies = vi.spyOn(Machine, 'fromState');
    handle({ type: 'seek', id: 3, step: 2, detailed: [] });
    expect(copies).not.toHaveBeenCalled();
    const fresh = new Session();
    fresh.load(text);
    const f = frameOf(out, 3);
    expect(f?.type === 'frame' && f.frame).toEqual(fresh.frame(2));
    await tasks();
    expect(ahead.mock.calls).toEqual([[2], [3]]);
  });

  it('also after a load that opens at a step (a link, a file with its step)', async () => {
    const ahead = vi.spyOn(Session.prototype, 'replayAhead');
    const { handle } = handler();
    handle({ type: 'load', id: 1, text, step: 3, detailed: [] });
    await tasks();
    expect(ahead.mock.calls).toEqual([[4]]);
  });

  it('drops the replay ahead when another request comes first', async () => {
    const ahead = vi.spyOn(Session.prototype, 'replayAhead');
    const { handle } = handler();
    handle({ type: 'load', id: 1, text, detailed: [] });
    handle({ type: 'seek', id: 2, step: 4, detailed: [] });
    handle({ type: 'seek', id: 3, step: 1, detailed: [] });
    await tasks();
    expect(ahead.mock.calls).toEqual([[2]]);
  });

  it('does not replay a long run ahead (it would keep the worker from its messages)', () => {
    const s = new Session();
    s.load(text);
    const replays = vi.spyOn(Timeline.prototype, 'replayStep');
    s.replayAhead(7);
    expect(replays).not.toHaveBeenCalled();
    s.replayAhead(6);
    expect(replays.mock.calls).toEqual([[6, 3000]]);
    // Outside the timeline: nothing.
    s.replayAhead(0);
    s.replayAhead(8);
    expect(replays).toHaveBeenCalledTimes(1);
  });
});
