/** `apicscope explore` (issue 10): exit statuses, the printed counterexample, --json, Ctrl-C. */
import { describe, expect, it } from 'vitest';
import { seed001 } from '../explore/testing.ts';
import { decodeFragment } from '../share/url.ts';
import { exploreCommandAsync } from './explore.ts';
import { cli, scratch } from './testing.ts';

const { file } = scratch('apicscope-explore-');

const seed = seed001;
const unpatched = file('unpatched.apic', seed('off'));
const patched = file('patched.apic', seed('on'));

describe('apicscope explore', () => {
  it('exits 0 when nothing is violated within the bound', () => {
    const r = cli('explore', patched, '--depth', '6');
    expect(r.status).toBe(0);
    expect(r.out).toEqual([
      expect.stringMatching(/patched\.apic: no violation of 1 property within depth 6 \(\d+ distinct states/),
    ]);
    expect(r.err.at(-1)).toMatch(
      /^explore: \d+ states, \d+ distinct, depth 6, \d+ states\/s, cut by the depth bound$/,
    );
  });

  it('exits 1 with the shortest counterexample as a runnable scenario whose last expect fails, and its link', () => {
    const r = cli('explore', unpatched);
    expect(r.status).toBe(1);
    expect(r.out[0]).toMatch(
      /unpatched\.apic: violation: needless-eoi-exit at step 8 \(3 after the file's last\): R7\.3: /,
    );
    expect(r.out[1]).toMatch(/^link: #v=1&/);
    const text = `${r.out.slice(3, r.out.indexOf('---', 3)).join('\n')}\n`;
    expect(text).toMatch(
      /cpu 0 iret\nmsi dest=0 vector=0x62\nnote "R7\.3: [^\n]*"\ncpu 0 eoi\nexpect count needless-eoi-exits cpu=0 vector=0x62 <= 0\n$/,
    );
    const link = decodeFragment(r.out[1].slice('link: '.length));
    expect(link.ok && link.state).toEqual({ text, step: 8 });
    // The counterexample is a scenario that `apicscope run` fails on, at its last line.
    const ce = file('counterexample.apic', text);
    const run = cli('run', ce);
    expect(run.status).toBe(1);
    expect(run.out[0]).toBe(
      `${ce}:${text.split('\n').length - 1}: expected count needless-eoi-exits cpu=0 vector=0x62 <= 0, got 1`,
    );
  });

  it('--json prints one object: the violations and the statistics', () => {
    const r = cli('explore', unpatched, '--json', '--max-states', '40');
    expect(r.status).toBe(1);
    expect(r.out).toHaveLength(1);
    const o = JSON.parse(r.out[0]);
    expect(Object.keys(o)).toEqual(['violations', 'stats']);
    expect(Object.keys(o.violations[0])).toEqual(['property', 'step', 'why', 'scenario', 'link']);
    expect(o.violations[0]).toMatchObject({ property: 'needless-eoi-exit', step: 8 });
    expect(Object.keys(o.stats)).toEqual(['states', 'distinct', 'depth', 'statesPerSecond', 'cut']);
    expect(o.stats).toMatchObject({ distinct: 40, cut: 'max-states' });
    // Deterministic: the same object but for the rate.
    const again = JSON.parse(cli('explore', unpatched, '--json', '--max-states', '40').out[0]);
    expect({ ...again, stats: { ...again.stats, statesPerSecond: 0 } }).toEqual({
      ...o,
      stats: { ...o.stats, statesPerSecond: 0 },
    });
  });

  it('reports an invariant by its line text', () => {
    const f = file(
      'inv.apic',
      'vcpus 1\nroute 3 vector=0x33 trigger=level dest=0 mask=0\ninvariant cpu 0 isr lacks 0x33\nexplore lints none\n',
    );
    const o = JSON.parse(cli('explore', f, '--json').out[0]);
    expect(o.violations.map((v: { property: string; step: number }) => [v.property, v.step])).toEqual([
      ['invariant cpu 0 isr lacks 0x33', 2],
    ]);
  });

  it('exits 2 for a file that does not parse, as run does, and for bad flags', () => {
    const broken = file('broken.apic', 'vcpus 1\nexplore depth=0\n');
    const r = cli('explore', broken);
    expect(r.status).toBe(2);
    expect(r.err).toEqual([`${broken}:2:9: explore depth 0 is out of range 1–1000`]);
    for (const args of [
      ['--depth'],
      ['--depth', '0'],
      ['--max-states', 'many'],
      ['--why'],
      ['--set', 'vcpus=2'],
      ['--bogus'],
    ]) {
      const bad = cli('explore', patched, ...args);
      expect(bad.status, args.join(' ')).toBe(2);
      expect(bad.err[0], args.join(' ')).toMatch(/^apicscope: /);
    }
    expect(cli('explore').status).toBe(2);
    expect(cli('run', patched, '--depth', '3').status).toBe(2);
  });

  it('exits 2 at the line of an `explore action savevm` (a snapshot the explorer cannot take); run still takes the file', () => {
    const text =
      'vcpus 1\nroute 1 vector=0x40 trigger=level dest=0 mask=0\nexplore action savevm s1\nexplore action assert 1\n';
    const f = file('savevm.apic', text);
    const r = cli('explore', f);
    expect(r.status).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([
      `${f}:3: explore action savevm s1: the explorer cannot take a snapshot (every explored state keeps the scenario's); take it in a step above instead`,
    ]);
    // The same snapshot taken in a step, restored by the alphabet: explored.
    const above = file(
      'above.apic',
      'vcpus 1\nroute 1 vector=0x40 trigger=level dest=0 mask=0\nsavevm s1\nexplore depth=2\nexplore actions none\nexplore action loadvm s1\n',
    );
    expect(cli('explore', above).status).toBe(0);
    expect(cli('run', f).status).toBe(0);
  });

  it('stops on request (Ctrl-C) and prints what it found so far', async () => {
    const big = file(
      'big.apic',
      'vcpus 2\nroute 3 vector=0x33 trigger=level dest=0 mask=0\nroute 4 vector=0x44 trigger=level dest=1 mask=0\n',
    );
    const out: string[] = [];
    const err: string[] = [];
    const stop = { stopped: false };
    setImmediate(() => {
      stop.stopped = true;
    });
    const status = await exploreCommandAsync(
      big,
      { depth: 12, maxStates: null, json: true },
      (s) => out.push(s),
      (s) => err.push(s),
      stop,
    );
    const o = JSON.parse(out[0]);
    expect(o.stats.cut).toBe('stopped');
    expect(o.stats.depth).toBeLessThan(12);
    expect(status).toBe(o.violations.length ? 1 : 0);
  });
});
