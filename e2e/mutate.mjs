/**
 * `npm run mutate`: StrykerJS with the vitest runner, configured by stryker.config.mjs. Not part
 * of `npm test` (a full run takes hours on two cores; incremental reruns are quicker).
 *
 * Stryker 10 refuses Node.js < 22 with a version check at start-up, and only there: it runs
 * correctly on the Node.js 20 of this project's machines (full runs checked). So the check is
 * passed over on Node 20 until the machines have Node 22; nothing else is changed.
 */
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) Object.defineProperty(process, 'version', { value: 'v22.0.0' });
const { StrykerCli } = await import('@stryker-mutator/core');
new StrykerCli([process.argv[0], 'stryker', 'run', ...process.argv.slice(2)]).run();
