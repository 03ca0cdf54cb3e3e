/** The process bench/isolated.ts starts: calls one bench function and prints its result as JSON. */
const [module, name, args] = process.argv.slice(2);
const mod = (await import(new URL(module, import.meta.url).href)) as Record<
  string,
  (...a: unknown[]) => unknown
>;
const out = await mod[name](...(JSON.parse(args) as unknown[]));
process.stdout.write(JSON.stringify(out));
process.exit(0);
