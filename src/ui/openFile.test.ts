/** Files as the app reads them (FileMenu.tsx openFile): decoded as the command line decodes them. */
import { describe, expect, it } from 'vitest';
import type { VizStore } from '../store/viz.ts';
import { openFile } from './FileMenu.tsx';

function fakeStore() {
  const calls: { notice?: string; load?: [string, number | undefined, boolean, string]; trace?: string } = {};
  const store = {
    setState: (s: { notice: { text: string } }) => {
      calls.notice = s.notice.text;
    },
    getState: () => ({
      load: (text: string, step: number | undefined, fromEditor: boolean, source: string) => {
        calls.load = [text, step, fromEditor, source];
      },
      importTrace: (text: string) => {
        calls.trace = text;
      },
    }),
  } as unknown as VizStore;
  return { store, calls };
}

function file(name: string, bytes: Uint8Array | (() => Promise<ArrayBuffer>)): File {
  return {
    name,
    size: typeof bytes === 'function' ? 10 : bytes.length,
    arrayBuffer: typeof bytes === 'function' ? bytes : async () => bytes.slice().buffer,
  } as unknown as File;
}

describe('openFile', () => {
  it('opens UTF-16 with its byte-order mark, and a downloaded file at its step', async () => {
    const { store, calls } = fakeStore();
    const body = '# apicscope: step 2\nvcpus 1\nmsi dest=0 vector=0x31\nmsi dest=0 vector=0x32\n';
    const le = new Uint8Array([0xff, 0xfe, ...new Uint8Array(Buffer.from(body, 'utf16le'))]);
    await openFile(store, file('w.apic', le));
    expect(calls.notice).toBeUndefined();
    expect(calls.load).toEqual([body.slice('# apicscope: step 2\n'.length), 2, false, 'file']);
  });

  it('refuses binary data, an unreadable file and an oversized one, saying why, and loads nothing', async () => {
    for (const [f, message] of [
      [
        file('b.bin', new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 0xff])),
        '"b.bin" cannot be read: it is not UTF-8 text',
      ],
      [
        file('gone.apic', () =>
          Promise.reject(new Error('A requested file or directory could not be found')),
        ),
        '"gone.apic" cannot be read: A requested file or directory could not be found',
      ],
      [
        { name: 'big.apic', size: 4_000_001 } as unknown as File,
        '"big.apic" is 4000001 bytes; a scenario file is at most 4000000',
      ],
    ] as const) {
      const { store, calls } = fakeStore();
      await openFile(store, f);
      expect(calls.load).toBeUndefined();
      expect(calls.notice).toContain(message);
      expect(calls.notice).toMatch(/^The file was not opened: .*\. The session was kept\.$/);
    }
  });
});
