/**
 * The UI side of the worker: sends requests, hands answers on, and notices when the worker
 * crashes or hangs, so that the store can restart it from the scenario text.
 */
import type { RequestBody, Response, TestHookBody } from './protocol.ts';
import { responseProblem } from './protocol.ts';

export type WorkerFactory = () => Worker;

const defaultFactory: WorkerFactory = () =>
  new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });

/** No answer for this long while one is owed means the worker hangs. */
export const HANG_MS = 6000;

/** Responses that leave their request owed: more of its answers follow (a run's, an exploration's). */
const STILL_OWED: ReadonlySet<Response['type']> = new Set([
  'loaded',
  'progress',
  'run-checkpoint',
  'run-ended',
  'explore-progress',
]);

export class WorkerHost {
  private worker: Worker;
  private nextId = 1;
  /** Requests not answered yet (a run's until its last frame). */
  private readonly owed = new Set<number>();
  private lastHeard = 0;
  private watchdog: ReturnType<typeof setInterval>;

  constructor(
    private readonly onMessage: (r: Response) => void,
    private readonly onFailure: (kind: 'crash' | 'hang', detail: string) => void,
    private readonly factory: WorkerFactory = defaultFactory,
  ) {
    this.worker = this.spawn();
    this.watchdog = setInterval(() => {
      if (this.owed.size > 0 && performance.now() - this.lastHeard > HANG_MS)
        this.fail('hang', `no answer for ${HANG_MS / 1000} s`);
    }, 1000);
  }

  private spawn(): Worker {
    const w = this.factory();
    w.onmessage = (e: MessageEvent<unknown>) => {
      if (w !== this.worker) return;
      // Only the protocol's messages are handed on: anything else means the worker is not ours any more.
      const problem = responseProblem(e.data);
      if (problem !== null) return this.fail('crash', `a message outside the protocol: ${problem}`);
      this.lastHeard = performance.now();
      const r = e.data as Response;
      // A run owes answers until its last frame; everything else is answered by its frame, error
      // or result.
      // An exploration owes its report: its progress messages are heard (above), they answer nothing.
      if (r.type === 'frame' ? !r.live : !STILL_OWED.has(r.type)) this.owed.delete(r.id);
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
    this.owed.clear();
    this.worker.terminate();
    this.worker = this.spawn();
    this.onFailure(kind, detail);
  }

  /** Ends the worker's current work at once (a cancelled load): a fresh worker, nothing owed. */
  restart(): void {
    this.owed.clear();
    this.worker.terminate();
    this.worker = this.spawn();
  }

  send(body: RequestBody | TestHookBody): number {
    const id = this.nextId++;
    // Stops are answered by the request they stop (its last frame, its report).
    if (body.type !== 'stop' && body.type !== 'explore-stop' && body.type !== 'test-crash') {
      if (this.owed.size === 0) this.lastHeard = performance.now();
      this.owed.add(id);
    }
    this.worker.postMessage({ ...body, id });
    return id;
  }

  dispose(): void {
    clearInterval(this.watchdog);
    this.worker.terminate();
  }
}
