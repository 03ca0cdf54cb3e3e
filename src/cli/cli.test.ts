/** The command line (contract §8): output formats and exit statuses. */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MUTATING } from '../replay/testing.ts';
import { cli, scratch } from './testing.ts';

const { file, dir } = scratch('apicscope-cli-');

const good = file('good.apic', 'vcpus 1\nmsi dest=0 vector=0x31\nexpect cpu 0 isr = {0x31}\n');
const bad = file(
  'bad.apic',
  'vcpus 1\nmsi dest=0 vector=0x31\nexpect cpu 0 isr = {0x41}   # wrong\nexpect count injections = 1\n',
);
const broken = file('broken.apic', 'vcpus 1\nroute 30 vector=0x31\n');

describe('apicscope run', () => {
  it('exits 0 when every expectation holds', () => {
    const r = cli('run', good);
    expect(r.status).toBe(0);
    expect(r.out).toEqual(['apicscope: 1 file(s), 1 passed, 0 failed']);
  });

  it('exits 1 and prints FILE:LINE: expected …, got … for a failed expectation', () => {
    const r = cli('run', good, bad);
    expect(r.status).toBe(1);
    expect(r.out[0]).toBe(`${bad}:3: expected cpu 0 isr = {0x41}, got {0x31}`);
    expect(r.out.at(-1)).toBe('apicscope: 2 file(s), 2 passed, 1 failed');
  });

  it('exits 2 with FILE:LINE:COL for a file that does not parse, and runs the others', () => {
    const r = cli('run', broken, bad);
    expect(r.status).toBe(2);
    expect(r.err).toEqual([`${broken}:2:7: pin 30 is out of range 0–23`]);
    expect(r.out[0]).toMatch(/bad\.apic:3: expected/);
  });

  it('exits 2 for a file that cannot be read', () => {
    const r = cli('run', join(dir, 'missing.apic'));
    expect(r.status).toBe(2);
    expect(r.err[0]).toMatch(/missing\.apic: cannot read: ENOENT/);
  });

  it('exits 2 with usage for bad arguments', () => {
    expect(cli('frobnicate').status).toBe(2);
    expect(cli('run').err[0]).toMatch(/no scenario file/);
    expect(cli('run', good, '--bogus').status).toBe(2);
  });

  it('--json prints one object per file, byte-identical on every run', () => {
    const a = cli('run', good, bad, '--json');
    const b = cli('run', good, bad, '--json');
    expect(a.out).toEqual(b.out);
    expect(a.out).toHaveLength(2);
    const o = JSON.parse(a.out[1]);
    expect(o.file).toBe(bad);
    expect(o.steps).toBe(1);
    expect(o.expects).toEqual([
      { line: 3, ok: false, expected: 'cpu 0 isr = {0x41}', actual: '{0x31}' },
      { line: 4, ok: true, expected: 'count injections = 1', actual: '1' },
    ]);
    expect(o.counters.injections).toBe(1);
    expect(o.final.cpus[0].isr).toEqual([0x31]);
    expect(Object.keys(o.final)).toEqual(['cpus', 'ioapic', 'kvm']);
  });

  it('--set overrides configuration and checks ranges again', () => {
    const f = file('two.apic', 'vcpus 2\nmsi dest=1 vector=0x31\ncpu 1 eoi\nexpect count eoi-exits = 1\n');
    expect(cli('run', f, '--set', 'apicv=on').out[0]).toBe(`${f}:4: expected count eoi-exits = 1, got 0`);
    const shrunk = cli('run', f, '--set', 'vcpus=1');
    expect(shrunk.status).toBe(2);
    expect(shrunk.err[0]).toBe(`${f}:3:5: vCPU 1 does not exist: vcpus is 1 (0–0) (after --set)`);
    expect(cli('run', f, '--set', 'kvm.storm-limit=0').err[0]).toMatch(
      /--set kvm.storm-limit=0: storm-limit 0 is out of range/,
    );
    expect(cli('run', f, '--set', 'bogus=1').status).toBe(2);
    expect(cli('run', f, '--set', 'irqchip=kernel', '--set', 'kvm.seoib=enabled').status).toBe(2);
  });
});

describe('apicscope trace', () => {
  it('prints trace-cmd report lines with KVM TP_printk formats, and the why on request', () => {
    const r = cli('trace', good, '--why');
    expect(r.status).toBe(0);
    expect(r.out).toContain(
      '      CPU 0/KVM-4001 [000]     0.000001: kvm_apic_accept_irq: apicid 0 vec 49 (Fixed|edge)',
    );
    expect(r.out).toContain('      CPU 0/KVM-4001 [000]     0.000001: kvm_inj_virq: IRQ 0x31');
    const i = r.out.findIndex((l) => l.includes('kvm_inj_virq'));
    expect(r.out[i + 1]).toMatch(/^ {4}# R3\.3/);
    expect(cli('trace', good).out.some((l) => l.startsWith('    #'))).toBe(false);
  });
});

describe('apicscope url and decode', () => {
  it('prints a fragment that decodes to the same scenario and step', () => {
    const u = cli('url', bad, '--step', '1');
    expect(u.status).toBe(0);
    expect(u.out[0]).toMatch(/^#v=1&k=1&s=[tz][A-Za-z0-9_-]+&h=[0-9a-f]{8}$/);
    const d = cli('decode', `https://example.org/apicscope/${u.out[0]}`);
    expect(d.status).toBe(0);
    expect(d.err).toEqual(['(step 1 of 1)']);
    expect(`${d.out.join('\n')}\n`).toBe(readFileSync(bad, 'utf8'));
  });

  it('refuses a step beyond the scenario, a broken file and a damaged link (exit 2)', () => {
    expect(cli('url', good, '--step', '9').err[0]).toMatch(/--step 9 is beyond its 1 steps/);
    expect(cli('url', broken).status).toBe(2);
    const d = cli('decode', '#v=1&k=0&s=zAAAAAAAA');
    expect(d.status).toBe(2);
    expect(d.err[0]).toMatch(/^apicscope: the link is damaged/);
  });
});

describe('npm run apicscope', () => {
  it.skipIf(MUTATING)('runs from the repository root as the README says', () => {
    const out = execFileSync('npm', ['run', '--silent', 'apicscope', '--', 'run', good], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('apicscope: 1 file(s), 1 passed, 0 failed');
  });
});

const levelIrq = readFileSync(join(import.meta.dirname, '../presets/level-irq.apic'), 'utf8');
const level = file('level.apic', levelIrq);

describe('apicscope trace --json', () => {
  it('prints one JSON object per event: step, index, type, cause, why, rule, and cpu/pin/vector where they apply', () => {
    const r = cli('trace', level, '--json');
    expect(r.status).toBe(0);
    const rows = r.out.map((l) => JSON.parse(l));
    expect(rows.length).toBeGreaterThan(20);
    for (const e of rows) {
      expect(Object.keys(e)).toEqual(
        expect.arrayContaining(['step', 'index', 'type', 'cause', 'why', 'rule']),
      );
      if (e.index === 0) expect(e.cause).toBeNull();
      else expect(e.cause).toBeLessThan(e.index);
      if (e.rule) expect(e.why.startsWith(e.rule)).toBe(true);
    }
    const accept = rows.find((e) => e.type === 'kvm_apic_accept_irq');
    expect(accept).toMatchObject({ step: 2, cpu: 0, vector: 0x62, rule: 'R3.7' });
    const set = rows.find((e) => e.type === 'kvm_ioapic_set_irq');
    expect(set).toMatchObject({ step: 2, pin: 10 });
    expect(set.cpu).toBeUndefined();
    // Steps are numbered 1.., indices restart at 0 in every step.
    const step2 = rows.filter((e) => e.step === 2).map((e) => e.index);
    expect(step2).toEqual(step2.map((_: number, i: number) => i));
  });

  it('takes one of --why, --json, --perfetto', () => {
    expect(cli('trace', level, '--json', '--why').status).toBe(2);
    expect(cli('run', level, '--perfetto').status).toBe(2);
  });
});

describe('apicscope state', () => {
  it('prints the state after step K in the shape of run --json final', () => {
    const r = cli('state', level, '--step', '2');
    expect(r.status).toBe(0);
    const s = JSON.parse(r.out[0]);
    expect(Object.keys(s)).toEqual(['cpus', 'ioapic', 'kvm']);
    expect(s.cpus[0].isr).toEqual([0x62]);
    const final = JSON.parse(cli('run', level, '--json').out[0]).final;
    expect(JSON.parse(cli('state', level, '--step', '6').out[0])).toEqual(final);
  });

  it('--event J: the state right after that event of the step (a sub-step)', () => {
    const events = cli('trace', level, '--json')
      .out.map((l) => JSON.parse(l))
      .filter((e) => e.step === 2);
    const accept = events.find((e) => e.type === 'kvm_apic_accept_irq').index;
    const inj = events.find((e) => e.type === 'kvm_inj_virq').index;
    const a = JSON.parse(cli('state', level, '--step', '2', '--event', String(accept)).out[0]);
    expect([a.cpus[0].irr, a.cpus[0].isr]).toEqual([[0x62], []]);
    const b = JSON.parse(cli('state', level, '--step', '2', '--event', String(inj)).out[0]);
    expect([b.cpus[0].irr, b.cpus[0].isr]).toEqual([[], [0x62]]);
    // Event 0 is the action: the state is still the one after step 1.
    expect(cli('state', level, '--step', '2', '--event', '0').out).toEqual(
      cli('state', level, '--step', '1').out,
    );
  });

  it('refuses a step or event that does not exist, and a missing --step (exit 2)', () => {
    expect(cli('state', level, '--step', '99').status).toBe(2);
    const r = cli('state', level, '--step', '2', '--event', '999');
    expect(r.status).toBe(2);
    expect(r.err[0]).toMatch(/no event 999/);
    expect(cli('state', level).status).toBe(2);
    expect(cli('state', level, '--step', '0', '--event', '0').status).toBe(2);
  });
});

describe('apicscope trace --perfetto', () => {
  it('prints Chrome trace-event JSON with tracks, slices, flows and counters', () => {
    const r = cli('trace', level, '--perfetto');
    expect(r.status).toBe(0);
    const t = JSON.parse(r.out.join('\n'));
    expect(t.displayTimeUnit).toBe('ns');
    const phases = new Set(t.traceEvents.map((e: { ph: string }) => e.ph));
    expect([...phases].sort()).toEqual(['C', 'M', 'X', 'f', 's']);
    expect(t.traceEvents.some((e: { name: string }) => e.name === 'ISR 0x62')).toBe(true);
  });
});

// Inside a mutation run: subprocesses run the built file, which carries no mutant (docs/mutation.md).
describe.skipIf(MUTATING)('the built command line, dist/cli/apicscope.mjs (the package bin)', () => {
  const root = join(import.meta.dirname, '..', '..');
  const binPath = join(root, 'dist', 'cli', 'apicscope.mjs');
  // Built here from the sources under test, so a build that breaks fails these tests.
  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'src', 'cli', 'build.mjs')], { stdio: 'pipe' });
  }, 60_000);

  function bin(...argv: string[]) {
    const r = spawnSync(process.execPath, [binPath, ...argv], { encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }
  /** What the process should print: main()'s lines, each ended by a newline, on the same stream. */
  function asProcess(r: { status: number; out: string[]; err: string[] }) {
    const text = (lines: string[]) => lines.map((l) => `${l}\n`).join('');
    return { status: r.status, stdout: text(r.out), stderr: text(r.err) };
  }

  it('stops quietly when its reader stops early (`| head`), keeping its own exit status', async () => {
    // About 12 000 events: far more output than a pipe buffers.
    const file = scratch('apicscope-pipe-').file(
      'big.apic',
      'vcpus 4096\nroute 10 vector=0x62 trigger=level dest=0 mask=0\n',
    );
    const child = spawn(process.execPath, [binPath, 'trace', file, '--json']);
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const first = await new Promise<string>((resolve) =>
      child.stdout.once('data', (d) => resolve(String(d))),
    );
    child.stdout.destroy();
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(first).toMatch(/^\{"step":1,"index":0,"type":"action"/);
    expect(stderr).toBe('');
    // `trace` of a file that parses exits 0; before, the broken pipe was an uncaught EPIPE (1).
    expect(status).toBe(0);
  });

  it('is a Node script that can be run by itself (shebang, executable)', () => {
    expect(readFileSync(binPath, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(statSync(binPath).mode & 0o111).not.toBe(0);
  });

  it('prints what main() prints, on the same streams, with the same exit status (0, 1, 2)', () => {
    const link = cli('url', bad).out[0];
    const cases = [
      ['run', good],
      ['run', good, bad],
      ['run', broken, bad],
      ['run', join(dir, 'missing.apic')],
      ['run', good, '--set', 'vcpus=0'],
      ['frobnicate'],
      ['trace', bad, '--why'],
      ['url', bad, '--step', '1'],
      ['decode', link],
      ['decode', '#v=1&k=0&s=zAAAAAAAA'],
    ];
    const statuses = new Set<number>();
    for (const argv of cases) {
      const want = asProcess(cli(...argv));
      statuses.add(want.status);
      expect({ argv, ...bin(...argv) }).toEqual({ argv, ...want });
    }
    expect([...statuses].sort()).toEqual([0, 1, 2]);
  });

  it('prints byte-identical run --json for every preset and example', () => {
    const files = ['presets', 'scenario/examples'].flatMap((d) =>
      readdirSync(join(root, 'src', d))
        .filter((f) => f.endsWith('.apic'))
        .map((f) => join(root, 'src', d, f)),
    );
    expect(files.length).toBeGreaterThan(30);
    const want = asProcess(cli('run', ...files, '--json'));
    expect(want.stdout.split('\n')).toHaveLength(files.length + 1);
    expect(bin('run', ...files, '--json')).toEqual(want);
  });

  it('is rebuilt by npm run apicscope when it is older than a source or missing', () => {
    const launch = () =>
      spawnSync(process.execPath, [join(root, 'src', 'cli', 'launch.mjs'), 'run', good], {
        encoding: 'utf8',
      });
    utimesSync(binPath, 0, 0); // older than every source
    const stale = launch();
    expect(stale.stdout).toBe('apicscope: 1 file(s), 1 passed, 0 failed\n');
    expect(stale.stderr).toBe('');
    expect(statSync(binPath).mtimeMs).toBeGreaterThan(Date.now() - 600_000);
    rmSync(binPath);
    const missing = launch();
    expect(missing.status).toBe(0);
    expect(missing.stdout).toBe('apicscope: 1 file(s), 1 passed, 0 failed\n');
    expect(existsSync(binPath)).toBe(true);
    // Fresh, it is run as it is: its modification time stays.
    const built = statSync(binPath).mtimeMs;
    expect(launch().status).toBe(0);
    expect(statSync(binPath).mtimeMs).toBe(built);
  });
});
