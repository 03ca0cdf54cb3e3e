/// <reference lib="webworker" />
/** The Web Worker that hosts the emulator; the UI thread never runs it. */
import type { Request, Response } from './protocol.ts';
import { Session } from './session.ts';

const session = new Session();
const post = (r: Response) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(r);

self.onmessage = (e: MessageEvent<Request>) => {
  const req = e.data;
  switch (req.type) {
    case 'load': {
      const r = session.load(req.text);
      if (!r.ok) return post({ type: 'error', id: req.id, errors: r.errors });
      post({ type: 'loaded', id: req.id, info: r.info });
      post({ type: 'frame', id: req.id, frame: session.frame(req.step ?? session.length) });
      return;
    }
    case 'seek':
      post({ type: 'frame', id: req.id, frame: session.frame(req.step) });
      return;
  }
};
