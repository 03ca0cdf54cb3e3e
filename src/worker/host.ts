/**
 * The UI side of the worker: sends requests, hands answers on, and notices when the worker
 * crashes or hangs, so that the store can restart it from the scenario text.
 */
import type { RequestBody, Response, TestHookBody } from './protocol.ts';

export type WorkerFactory = () => Worker;

const defaultFactory: WorkerFactory = () =>
  new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });

/** No answer for this long while one is owed means the worker hangs. */
export const HANG_MS = 6000;

export class WorkerHost {
  private worker: Worker;
  private nextId = 1;
  private owed = false;
  private lastHeard = 0;
  private watchdog: ReturnType<typeof setInterval>;

  constructor(
    private readonly onMessage: (r: Response) => void,
    private readonly onFailure: (kind: 'crash' | 'hang', detail: string) => void,
    private readonly factory: WorkerFactory = defaultFactory,
  ) {
    this.worker = this.spawn();
    this.watchdog = setInterval(() => {
      if (this.owed && performance.now() - this.lastHeard > HANG_MS)
        this.fail('hang', `no answer for ${HANG_MS / 1000} s`);
    }, 1000);
  }

  private spawn(): Worker {
    const w = this.factory();
    w.onmessage = (e: MessageEvent<Response>) => {
      this.lastHeard = performance.now();
      const r = e.data;
      // A run owes answers until it ends; everything else is answered by its frame or error.
      if (r.type === 'frame' && !r.live) this.owed = false;
      if (r.type === 'error' || r.type === 'settings-error' || r.type === 'exported') this.owed = false;
      if (r.type === 'explore-done') this.owed = false;
      this.onMessage(r);
    };
    w.onerror = (e) => {
      e.preventDefault();
      this.fail('crash', e.message || 'the worker failed');
    };
    w.onmessageerror = () => this.fail('crash', 'a message could not be read');
    return w;
  }

  private fail(kind: 'crash' | 'hang', detail: string): void {
    this.owed = false;
    this.worker.terminate();
    this.worker = this.spawn();
    this.onFailure(kind, detail);
  }

  send(body: RequestBody | TestHookBody): number {
    const id = this.nextId++;
    if (body.type !== 'stop' && body.type !== 'explore-stop') {
      this.owed = true;
      this.lastHeard = performance.now();
    }
    this.worker.postMessage({ ...body, id });
    return id;
  }

  dispose(): void {
    clearInterval(this.watchdog);
    this.worker.terminate();
  }
}
