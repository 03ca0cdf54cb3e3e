/**
 * fflate as the built command line sees it (build.mjs resolves `fflate` to this file): loading
 * fflate fills its Huffman tables, a 32768-entry loop and more, about 5 ms of every start, and
 * only `url` and `decode` compress. esbuild bundles a require() as a module initialised at its
 * first call, so the tables are made when a link is first encoded or decoded. Same code as the
 * app's: fflate's browser entry (its Node entry adds worker_threads for the async API).
 */
import type * as Fflate from 'fflate';

let fflate: typeof Fflate | undefined;
const load = (): typeof Fflate => (fflate ??= require('fflate/browser'));

export const deflateSync: typeof Fflate.deflateSync = (data, opts) => load().deflateSync(data, opts);

export class Inflate {
  constructor(...args: ConstructorParameters<typeof Fflate.Inflate>) {
    // biome-ignore lint/correctness/noConstructorReturn: stands in for fflate's class
    return new (load().Inflate)(...args);
  }
}
