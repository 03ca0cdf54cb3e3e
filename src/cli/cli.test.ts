/** The command line (contract §8): output formats and exit statuses. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './main.ts';

const dir = mkdtempSync(join(tmpdir(), 'apicscope-cli-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const status = main(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { status, out, err };
}

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
  it('runs from the repository root as the README says', () => {
    const out = execFileSync('npm', ['run', '--silent', 'apicscope', '--', 'run', good], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('apicscope: 1 file(s), 1 passed, 0 failed');
  });
});
