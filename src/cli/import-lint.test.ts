import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { cli, scratch } from './testing.ts';

const { file, dir } = scratch('apicscope-import-');
const sample = join(import.meta.dirname, '../import/samples/split-trace-cmd.txt');

// A level RTE aimed at a vCPU that does not exist: QEMU sets remote IRR anyway (R6) and nobody EOIs it.
const stuck = file(
  'stuck.apic',
  'vcpus 1\nroute 10 vector=0x62 trigger=level dest=3 mask=0\nassert 10\nexpect ioapic 10 remote-irr = 1\n',
);
const clean = file('clean.apic', 'vcpus 1\nmsi dest=0 vector=0x31\nexpect cpu 0 isr = {0x31}\n');

describe('run: lint warnings', () => {
  it("prints FILE:LINE: warning: NAME: why on stderr (stdout stays the contract's), and does not fail the run", () => {
    const r = cli('run', stuck);
    expect(r.status).toBe(0);
    expect(r.err[0]).toMatch(
      new RegExp(
        `^${stuck.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: warning: stuck-remote-irr: R5\\.6 c: pin 10 `,
      ),
    );
    expect(r.out).toEqual(['apicscope: 1 file(s), 1 passed, 0 failed']);
    expect(r.err.at(-1)).toBe('apicscope: 1 warning(s)');
  });

  it('--strict makes a warning fail the run (exit 1); a clean file still passes', () => {
    expect(cli('run', stuck, '--strict').status).toBe(1);
    const c = cli('run', clean, '--strict');
    expect(c.status).toBe(0);
    expect(c.out).toEqual(['apicscope: 1 file(s), 1 passed, 0 failed']);
    expect(cli('trace', clean, '--strict').status).toBe(2); // --strict goes with run
  });

  it('run --json gains a warnings array and keeps its other keys', () => {
    const o = JSON.parse(cli('run', stuck, '--json').out[0]);
    expect(Object.keys(o)).toEqual(['file', 'steps', 'expects', 'counters', 'final', 'warnings']);
    expect(o.warnings).toEqual([
      expect.objectContaining({
        line: 3,
        step: 2,
        lint: 'stuck-remote-irr',
        rule: 'R5.6 c',
        pin: 10,
        vector: 0x62,
      }),
    ]);
    expect(JSON.parse(cli('run', clean, '--json').out[0]).warnings).toEqual([]);
  });
});

describe('import', () => {
  it('prints a scenario that runs (exit 0)', () => {
    const r = cli('import', sample);
    expect(r.status).toBe(0);
    const text = `${r.out.join('\n')}\n`;
    expect(text).toMatch(/^# imported by apicscope from /);
    const parsed = parseScenario(text);
    expect(parsed.ok).toBe(true);
    const f = file('imported.apic', text);
    expect(cli('run', f).status).toBe(0);
  });

  it('--json: lines, used, skipped (and why), the steps with their trace lines, the scenario', () => {
    const o = JSON.parse(cli('import', sample, '--json').out[0]);
    expect(o).toMatchObject({ lines: 38, used: 33, skipped: 5 });
    expect(o.steps[1]).toMatchObject({ step: 2, traceLine: 3, action: 'assert 10' });
    expect(typeof o.scenario).toBe('string');
  });

  it('--check: line by line, a summary, exit 0 when every compared line agrees', () => {
    const r = cli('import', sample, '--check');
    expect(r.status).toBe(0);
    expect(r.out).toContain(`${sample}:5: agree: kvm_apic_accept_irq: apicid 0 vec 98 (Fixed|level)`);
    expect(
      r.out.some((l) =>
        l.startsWith(`${sample}:3: input: kvm_set_irq: gsi 10 level 1 source 0 -> step 1: route 10`),
      ),
    ).toBe(true);
    expect(r.out.at(-1)).toMatch(
      /^apicscope import: 38 lines, 33 used, 5 skipped \(.*\), 10 agreements, 0 disagreements$/,
    );
  });

  it('--check exits 1 on a disagreement, with {line, trace, model, why} in --json', () => {
    // The trace says KVM injected 0x62 twice with no EOI between (and the trace has EOIs: one of
    // 0x31): the replayed model holds the second in IRR, 0x62 being in service.
    const t = file(
      'twice.txt',
      [
        'qemu-9 [000] 0.500001: kvm_msi_set_irq: dst 0 vec 49 (Fixed|physical|edge)',
        'CPU 0/KVM-10 [000] 0.500002: kvm_apic_accept_irq: apicid 0 vec 49 (Fixed|edge)',
        'CPU 0/KVM-10 [000] 0.500003: kvm_inj_virq: IRQ 0x31',
        'CPU 0/KVM-10 [000] 0.500004: kvm_eoi: apicid 0 vector 49',
        'qemu-9 [000] 1.000001: kvm_msi_set_irq: dst 0 vec 98 (Fixed|physical|edge)',
        'CPU 0/KVM-10 [000] 1.000002: kvm_apic_accept_irq: apicid 0 vec 98 (Fixed|edge)',
        'CPU 0/KVM-10 [000] 1.000003: kvm_inj_virq: IRQ 0x62',
        'qemu-9 [000] 1.000004: kvm_msi_set_irq: dst 0 vec 98 (Fixed|physical|edge)',
        'CPU 0/KVM-10 [000] 1.000005: kvm_apic_accept_irq: apicid 0 vec 98 (Fixed|edge)',
        'CPU 0/KVM-10 [000] 1.000006: kvm_inj_virq: IRQ 0x62',
      ].join('\n'),
    );
    const r = cli('import', t, '--check');
    expect(r.status).toBe(1);
    expect(r.out).toContain(
      `${t}:10: disagree: the trace has kvm_inj_virq: IRQ 0x62 here, the model does not (in the model, vCPU 0 has IRR {0x62}, ISR {0x62}, IF 0)`,
    );
    const o = JSON.parse(cli('import', t, '--check', '--json').out[0]);
    expect(Object.keys(o)).toEqual(
      expect.arrayContaining(['lines', 'used', 'skipped', 'agreements', 'disagreements', 'scenario']),
    );
    expect(o.disagreements).toEqual([
      expect.objectContaining({ line: 10, trace: 'kvm_inj_virq: IRQ 0x62', model: '' }),
    ]);
  });

  it('exits 2 for a trace with nothing usable, one it cannot read, and bad arguments', () => {
    const none = file('none.txt', 'just some words\nand more\n');
    const r = cli('import', none);
    expect(r.status).toBe(2);
    expect(r.err[0]).toMatch(/nothing usable/);
    expect(cli('import', none, '--check').status).toBe(2);
    expect(cli('import', join(dir, 'missing.txt')).err[0]).toMatch(/cannot read: ENOENT/);
    expect(cli('import').status).toBe(2);
    expect(cli('import', sample, '--why').status).toBe(2);
    expect(cli('run', clean, '--check').status).toBe(2);
  });
});
