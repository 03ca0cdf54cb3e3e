/// <reference lib="webworker" />
/** The Web Worker that hosts the emulator (handler.ts); the UI thread never runs it. */
import { createWorkerHandler } from './handler.ts';
import { lockDown } from './lockdown.ts';
import { responseProblem } from './protocol.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
lockDown(scope);
const handle = createWorkerHandler((r) => {
  // Outgoing messages are checked too: a malformed answer is a bug, reported as a crash.
  const problem = responseProblem(r);
  if (problem !== null) throw new Error(`the worker produced a message outside its protocol (${problem})`);
  scope.postMessage(r);
});
scope.onmessage = (e: MessageEvent<unknown>) => handle(e.data);
