/// <reference lib="webworker" />
/** The Web Worker that hosts the emulator (handler.ts); the UI thread never runs it. */
import { createWorkerHandler } from './handler.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const handle = createWorkerHandler((r) => scope.postMessage(r));
scope.onmessage = (e: MessageEvent<Parameters<typeof handle>[0]>) => handle(e.data);
