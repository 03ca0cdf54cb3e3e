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

const refuse = () => {
  throw new EvalError('code from strings is refused in the emulator worker');
};

/**
 * Makes the Function constructors (plain, async, generator, async generator) refuse: reached
 * through `Function` or any function's `constructor`, each throws an EvalError. `Function`
 * stays a proxy of itself, so `instanceof Function` keeps working.
 */
function refuseFunctionConstructors(scope: Record<string, unknown>): void {
  const kinds = [() => {}, async () => {}, function* () {}, async function* () {}];
  for (const f of kinds) {
    const proto = Object.getPrototypeOf(f) as object;
    const ctor = Reflect.get(proto, 'constructor') as object;
    const guarded = new Proxy(ctor, { apply: refuse, construct: refuse });
    Object.defineProperty(proto, 'constructor', { value: guarded, writable: false, configurable: false });
  }
  if (typeof scope.Function === 'function')
    scope.Function = new Proxy(scope.Function as object, { apply: refuse, construct: refuse });
}

/**
 * Deletes (or, when not configurable, overwrites) each of DROPPED_GLOBALS on `scope`, and makes
 * the Function constructors refuse (`functions`, off only where the scope is not a real one);
 * returns the names still there.
 */
export function lockDown(scope: object, functions = true): string[] {
  if (functions) refuseFunctionConstructors(scope as Record<string, unknown>);
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
