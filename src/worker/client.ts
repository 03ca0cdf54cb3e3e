/** The UI side of the worker protocol: one request at a time per kind, answers by id. */
import type { Request, Response } from './protocol.ts';

type Listener = (r: Response) => void;

export class EmulatorClient {
  private worker: Worker;
  private nextId = 1;
  private listeners = new Set<Listener>();

  constructor() {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<Response>) => {
      for (const l of this.listeners) l(e.data);
    };
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  send(req: DistributiveOmit<Request, 'id'>): number {
    const id = this.nextId++;
    this.worker.postMessage({ ...req, id } as Request);
    return id;
  }

  terminate(): void {
    this.worker.terminate();
  }
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
