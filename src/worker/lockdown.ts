/**
 * What the emulator worker removes from its own scope before it reads a message (issue 14.12):
 * it computes from the scenario text it is sent and needs no network, no script loading and no
 * code from strings. A meta CSP does not reach a worker, so where the host sends no policy of
 * its own (docs/hosting.md) this is what keeps an injected string from running or phoning home.
 */
export const DROPPED_GLOBALS = [
  'fetch',
  'XMLHttpRequest',
  'importScripts',
  'WebSocket',
  'WebTransport',
  'EventSource',
  'eval',
] as const;

/** Deletes (or, when not configurable, overwrites) each of DROPPED_GLOBALS on `scope`; returns those still there. */
export function lockDown(scope: object): string[] {
  const left: string[] = [];
  for (const name of DROPPED_GLOBALS) {
    if (!(name in scope)) continue;
    if (!Reflect.deleteProperty(scope, name) || name in scope) {
      // On the prototype chain (WorkerGlobalScope.prototype) or not configurable: shadow it.
      try {
        Object.defineProperty(scope, name, { value: undefined, writable: false, configurable: false });
      } catch {
        left.push(name);
      }
    }
    if (typeof (scope as Record<string, unknown>)[name] === 'function') left.push(name);
  }
  return left;
}
