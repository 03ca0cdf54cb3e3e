/**
 * Output lines for the command line. A reader that stops early (`apicscope trace F | head`)
 * closes the pipe: the rest of the output is dropped quietly and the exit status stays the
 * command's own, instead of an EPIPE stack trace.
 */
import type { Writable } from 'node:stream';

export function lineWriter(stream: Writable): (line: string) => void {
  let closed = false;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    closed = true;
  });
  return (line) => {
    if (!closed) stream.write(`${line}\n`);
  };
}
