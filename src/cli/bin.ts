/**
 * Entry point of the built command line, dist/cli/apicscope.mjs (src/cli/build.mjs bundles it):
 * the arguments after the script's path, output lines to stdout and stderr, the exit status.
 */
import { mainAsync } from './main.ts';
import { lineWriter } from './output.ts';

process.exitCode = await mainAsync(
  process.argv.slice(2),
  lineWriter(process.stdout),
  lineWriter(process.stderr),
);
