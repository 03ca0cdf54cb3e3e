/**
 * The command line's reading of files and links (issue 14, items 4 and 11): bounded reads,
 * the app's decoding (BOM, UTF-16), binary refused, `decode --file F` and `decode -`.
 * Exit 2 for anything that cannot be read (contract §8).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUTATING } from '../replay/testing.ts';
import { encodeFragment, MAX_FRAGMENT_CHARS } from '../share/url.ts';
import { cli, scratch } from './testing.ts';

const { file, dir } = scratch('apicscope-input-');

const TEXT = 'title "µ"\nvcpus 1\nmsi dest=0 vector=0x31\nexpect cpu 0 isr = {0x31}\n';
function utf16(s: string, le: boolean): Uint8Array {
  const out = new Uint8Array(2 + s.length * 2);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 0xfeff, le);
  for (let i = 0; i < s.length; i++) dv.setUint16(2 + 2 * i, s.charCodeAt(i), le);
  return out;
}

describe('run reads files as the app does', () => {
  it.each([
    ['utf-8', new TextEncoder().encode(TEXT)],
    ['utf-8 with BOM', new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(TEXT)])],
    ['utf-16le', utf16(TEXT, true)],
    ['utf-16be', utf16(TEXT, false)],
  ])('runs a %s file (once refused unless UTF-8 without BOM)', (name, bytes) => {
    const f = file(`${name.replaceAll(' ', '-')}.apic`, bytes);
    expect(cli('run', f)).toEqual({ status: 0, out: ['apicscope: 1 file(s), 1 passed, 0 failed'], err: [] });
  });

  it('/dev/zero ends at once with a message and exit 2 (once it never ended)', () => {
    const t0 = performance.now();
    const r = cli('run', '/dev/zero');
    expect(r.status).toBe(2);
    expect(r.err).toEqual([
      '/dev/zero: cannot read: it is larger than 4000000 bytes (at most 4000000 are accepted)',
    ]);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('refuses binary, invalid UTF-8 and oversized files with exit 2, and runs the others', () => {
    const bin = file('bin.apic', new Uint8Array([0x76, 0x63, 0, 0xff, 0x10]));
    const latin1 = file('latin1.apic', new Uint8Array([...new TextEncoder().encode('title "'), 0xe9, 0x22]));
    const big = file('big.apic', '#'.repeat(4_000_001));
    const good = file('good.apic', TEXT);
    const r = cli('run', bin, latin1, big, good);
    expect(r.status).toBe(2);
    expect(r.err).toEqual([
      `${bin}: cannot read: it is not UTF-8 text (binary data, or another encoding): save it as UTF-8`,
      `${latin1}: cannot read: it is not UTF-8 text (binary data, or another encoding): save it as UTF-8`,
      `${big}: cannot read: it is larger than 4000000 bytes (at most 4000000 are accepted)`,
    ]);
    expect(r.out).toEqual(['apicscope: 4 file(s), 1 passed, 0 failed']);
    const nul = file('nul.apic', 'vcpus 1\n\0\n');
    expect(cli('run', nul).err).toEqual([
      `${nul}: cannot read: it contains a NUL character (line 2, column 1): it is binary data, not a scenario`,
    ]);
  });

  it('a directory or a missing file is still `cannot read: CODE`', () => {
    expect(cli('run', dir).err).toEqual([`${dir}: cannot read: EISDIR`]);
    expect(cli('trace', join(dir, 'nope.apic')).err).toEqual([
      `${join(dir, 'nope.apic')}: cannot read: ENOENT`,
    ]);
    expect(cli('url', '/dev/zero').status).toBe(2);
  });

  it('url reads a UTF-16 file the same as its UTF-8 twin', () => {
    const a = cli('url', file('u8.apic', TEXT));
    const b = cli('url', file('u16.apic', utf16(TEXT, true)));
    expect(a.status).toBe(0);
    expect(b.out).toEqual(a.out);
  });
});

describe('decode takes the link from an argument, a file or standard input (item 11)', () => {
  // A real session's link of ~150 KiB: more than one command-line argument may hold.
  // Notes of pseudo-random letters do not compress, so the link is about as long as the text.
  const lines = ['vcpus 4'];
  let x = 1;
  const letter = () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return 'abcdefghijklmnopqrstuvwxyz012345'[x >>> 27];
  };
  for (let i = 0; i < 2500; i++) {
    lines.push(`note "${Array.from({ length: 60 }, letter).join('')}"`);
    lines.push(`msi dest=${i % 4} vector=0x31`);
  }
  const longText = `${lines.join('\n')}\n`;
  const longLink = `#${encodeFragment({ text: longText, step: 5 })}`;

  it('the long link is over 128 KiB and within the decoder limit', () => {
    expect(longLink.length).toBeGreaterThan(128 * 1024);
    expect(longLink.length).toBeLessThanOrEqual(MAX_FRAGMENT_CHARS);
  });

  it('decode --file F, with the link wrapped over lines as mail does', () => {
    const f = file('link.txt', `https://example.org/apicscope/${longLink.replace(/(.{76})/g, '$1\n')}\n`);
    const r = cli('decode', '--file', f);
    expect(r.status).toBe(0);
    expect(`${r.out.join('\n')}\n`).toBe(longText);
    expect(r.err).toEqual(['(step 5 of 2500)']);
  });

  // Inside a mutation run the subprocess carries no active mutant (docs/mutation.md).
  it.skipIf(MUTATING)('decode - reads standard input', () => {
    const out = execFileSync('npx', ['tsx', join(import.meta.dirname, 'main.ts'), 'decode', '-'], {
      input: `${longLink}\n`,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(`${out}`).toBe(longText);
  });

  it('refuses a link file that is too large, binary, or missing, with exit 2', () => {
    const big = file('big-link.txt', `#v=1&s=t${'A'.repeat(MAX_FRAGMENT_CHARS + 70 * 1024)}`);
    const r = cli('decode', '--file', big);
    expect(r.status).toBe(2);
    expect(r.err[0]).toMatch(/^.*big-link\.txt: cannot read: it is larger than \d+ bytes/);
    expect(cli('decode', '--file', file('bin.txt', new Uint8Array([0, 1, 2]))).status).toBe(2);
    expect(cli('decode', '--file', join(dir, 'none.txt')).err[0]).toMatch(/cannot read: ENOENT/);
    expect(cli('decode', '--file', file('bad.txt', '#v=1&k=0&s=zAAAA')).err[0]).toMatch(
      /^apicscope: the link is damaged/,
    );
  });

  it('usage errors: --file without a name, or two links', () => {
    expect(cli('decode', '--file').status).toBe(2);
    expect(cli('decode', '--file', 'a', '#v=1').err[0]).toMatch(/decode takes one link/);
    expect(cli('run', '--file', 'x').err[0]).toMatch(/unknown option '--file'/);
  });

  it.skipIf(MUTATING)('decode - with nothing on standard input says so', () => {
    const r = spawnSync('npx', ['tsx', join(import.meta.dirname, 'main.ts'), 'decode', '-'], {
      input: '',
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not an apicscope link/);
  });
});
