/**
 * Trace import (issue 10 §3): the record splitter on both tools' prefixes and mail artefacts,
 * the tracepoint formats old and new, the scenario written from a trace, and the replay check.
 * The round trip is the strong test: the model's own `apicscope trace` of every preset and
 * example, imported, replays to the same tracepoint events.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../core/events.ts';
import { Machine } from '../core/machine.ts';
import { formatTraceLine } from '../core/trace-format.ts';
import { PRESETS } from '../presets/index.ts';
import { mustParse } from '../replay/testing.ts';
import { scenarioText } from '../scenario/arbitrary.ts';
import type { Scenario } from '../scenario/ast.ts';
import { parseScenario } from '../scenario/parse.ts';
import { printAction } from '../scenario/print.ts';
import { checkTrace, importTrace } from './index.ts';
import { parseRecordLine, secondsToNs, splitTrace } from './records.ts';
import { modelKey } from './synth.ts';
import { eventKey, parseFields } from './tracepoints.ts';

const samples = join(import.meta.dirname, 'samples');
const sample = (f: string) => readFileSync(join(samples, f), 'utf8');
const examplesDir = join(import.meta.dirname, '../scenario/examples');
const EXAMPLES = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.apic'))
  .map((f) => ({ id: f.replace(/\.apic$/, ''), text: readFileSync(join(examplesDir, f), 'utf8') }));

/** What `apicscope trace FILE` prints, and the model's events step by step. */
function ownTrace(s: Scenario): { text: string; events: TraceEvent[] } {
  const m = Machine.boot(s.config, true);
  const events: TraceEvent[] = [];
  for (const st of s.steps) events.push(...m.apply(st.action).events);
  return { text: events.map(formatTraceLine).join('\n'), events };
}

function ok(r: ReturnType<typeof importTrace>) {
  if (!r.ok) throw new Error(r.error);
  return r;
}

const actions = (r: ReturnType<typeof importTrace>) => ok(r).scenario.steps.map((s) => printAction(s.action));

describe('records: both prefixes, QEMU lines, mail artefacts', () => {
  it('reads a trace-cmd report line, with or without the flags column, comm with dashes', () => {
    const a = parseRecordLine(
      ' qemu-system-x86-2210  [001]  5012.100001: kvm_msi_set_irq:      dst 0 vec 98 (Fixed|physical|level)',
    )!;
    expect(a).toMatchObject({
      comm: 'qemu-system-x86',
      pid: 2210,
      hostCpu: 1,
      name: 'kvm_msi_set_irq',
      tool: 'trace-cmd',
    });
    expect(a.body).toBe('dst 0 vec 98 (Fixed|physical|level)');
    expect(a.ts).toBe(5012_100_001_000);
    const b = parseRecordLine('      CPU 0/KVM-4001  [000] d..1.    12.345678: kvm_eoi: apicid 0 vector 98')!;
    expect(b).toMatchObject({ comm: 'CPU 0/KVM', pid: 4001, name: 'kvm_eoi', body: 'apicid 0 vector 98' });
  });

  it("reads trace-cmd's latency format (report -l) and an HTML-escaped paste", () => {
    expect(
      parseRecordLine('  CPU 0/KVM-4001    2d..1  12.345678: kvm_eoi: apicid 0 vector 98'),
    ).toMatchObject({
      comm: 'CPU 0/KVM',
      pid: 4001,
      hostCpu: 2,
      name: 'kvm_eoi',
    });
    const t = splitTrace(
      '&gt; CPU 1/KVM-7 [001] 3.000001: kvm_apic_ipi: dst 0 vec 253 (Fixed|physical|assert|edge|dst)\n',
    );
    expect(t.records[0]).toMatchObject({ comm: 'CPU 1/KVM', name: 'kvm_apic_ipi' });
  });

  it("reads perf script's prefix (COMM PID[/TID] [CPU] TS: sys:name:)", () => {
    const a = parseRecordLine('CPU 0/KVM  699876 [020] 18136.763622: kvm:kvm_eoi: apicid 0 vector 98')!;
    expect(a).toMatchObject({ comm: 'CPU 0/KVM', pid: 699876, hostCpu: 20, name: 'kvm_eoi', tool: 'perf' });
    expect(a.ts).toBe(secondsToNs('18136.763622'));
    const b = parseRecordLine('qemu-kvm 1234/1240 [003] 77.000001:          1 kvm:kvm_inj_virq: IRQ 0x31')!;
    expect(b).toMatchObject({ comm: 'qemu-kvm', pid: 1240, name: 'kvm_inj_virq', body: 'IRQ 0x31' });
  });

  it("reads QEMU's log backend and its ftrace backend (trace_marker)", () => {
    expect(parseRecordLine('2210@1700000000.000123:ioapic_set_irq vector: 10 level: 1')).toMatchObject({
      name: 'ioapic_set_irq',
      body: 'vector: 10 level: 1',
      pid: 2210,
      tool: 'qemu-log',
    });
    expect(parseRecordLine('ioapic_eoi_broadcast EOI broadcast for vector 98')).toMatchObject({
      name: 'ioapic_eoi_broadcast',
    });
    expect(
      parseRecordLine(
        ' qemu-system-x86-2210 [001] 5.000001: print: tracing_mark_write: ioapic_set_irq vector: 3 level: 1',
      ),
    ).toMatchObject({ name: 'ioapic_set_irq', body: 'vector: 3 level: 1', tool: 'ftrace-marker' });
    expect(parseRecordLine('vector: 10 level: 1')).toBeNull();
  });

  it('undoes mail: quote markers, CRLF, tabs and NBSP, wrapped bodies, a wrapped prefix', () => {
    const text = [
      '> CPU 0/KVM  699876 [020] 18136.763602: kvm:kvm_ioapic_set_irq: pin 11 dst 0',
      '> vec=177 (Fixed|physical|level)',
      '>  CPU 1/KVM-4002\t[001]',
      '>  12.000001: kvm_eoi:\u00a0apicid 1 vector 49',
      '',
      'Thanks,',
    ].join('\r\n');
    const t = splitTrace(text);
    expect(t.records.map((r) => [r.line, r.lines, r.name, r.body])).toEqual([
      [1, [1, 2], 'kvm_ioapic_set_irq', 'pin 11 dst 0 vec=177 (Fixed|physical|level)'],
      [3, [3, 4], 'kvm_eoi', 'apicid 1 vector 49'],
    ]);
    expect(t.lineKinds).toEqual(['record', 'record', 'record', 'record', 'blank', 'garbled']);
  });

  it('joins quoted-printable soft breaks and decodes =3D', () => {
    const t = splitTrace(
      'CPU 0/KVM-1 [000] 1.000001: kvm_ioapic_set_irq: pin 3 dst 0 vec=3D4=\n9 (Fixed|physical|edge)\n',
    );
    expect(t.records[0].body).toBe('pin 3 dst 0 vec=49 (Fixed|physical|edge)');
    expect(t.records[0].lines).toEqual([1, 2]);
  });

  it("classifies trace-cmd's header lines, lost-event notes and prose", () => {
    const t = splitTrace(
      'version = 6\ncpus=4\nCPU 2 is empty\nCPU:1 [LOST 25 EVENTS]\n# tracer: nop\nhello world\n',
    );
    expect(t.records).toEqual([]);
    expect(t.lineKinds).toEqual(['header', 'header', 'header', 'header', 'header', 'garbled']);
  });
});

describe('tracepoint formats (include/trace/events/kvm.h, arch/x86/kvm/trace.h, QEMU hw/intc/trace-events)', () => {
  it('kvm_inj_virq: the new format (IRQ 0x%x, Soft/INTn, [reinjected]) and the old one (irq %u)', () => {
    expect(parseFields('kvm_inj_virq', 'IRQ 0x62')).toEqual({
      t: 'inj',
      vector: 0x62,
      soft: false,
      reinjected: false,
    });
    expect(parseFields('kvm_inj_virq', 'Soft/INTn 0x80 [reinjected]')).toEqual({
      t: 'inj',
      vector: 0x80,
      soft: true,
      reinjected: true,
    });
    expect(parseFields('kvm_inj_virq', 'irq 98')).toEqual({
      t: 'inj',
      vector: 98,
      soft: false,
      reinjected: false,
    });
  });

  it('kvm_ioapic_set_irq: old `vec=%u` and new `vec %u`, masked and coalesced', () => {
    const old = parseFields(
      'kvm_ioapic_set_irq',
      'pin 11 dst 1 vec=177 (LowPrio|logical|level|masked) (coalesced)',
    );
    expect(old).toEqual({
      t: 'ioapic_set_irq',
      pin: 11,
      dest: 1,
      vector: 177,
      dm: 1,
      destMode: 1,
      trigger: 1,
      masked: true,
      coalesced: true,
    });
    const cur = parseFields('kvm_ioapic_set_irq', 'pin 10 dst ff vec 98 (Fixed|physical|edge)');
    expect(cur).toMatchObject({ dest: 0xff, vector: 98, trigger: 0, masked: false, coalesced: false });
  });

  it('kvm_msi_set_irq: new `dst %llx vec %u`, old `dst %u vec %x`, |rh, and the reading it leaves open', () => {
    expect(parseFields('kvm_msi_set_irq', 'dst 1a vec 98 (Fixed|physical|level)')).toMatchObject({
      dest: 0x1a,
      vector: 98,
      alt: null,
    });
    expect(parseFields('kvm_msi_set_irq', 'dst 3 vec 6b (LowPrio|logical|edge|rh)')).toMatchObject({
      dest: 3,
      vector: 0x6b,
      dm: 1,
      destMode: 1,
      rh: true,
    });
    const both = parseFields('kvm_msi_set_irq', 'dst 0 vec 62 (Fixed|physical|edge)');
    expect(both).toMatchObject({ dest: 0, vector: 62, alt: { dest: 0, vector: 0x62 } });
    expect(parseFields('kvm_msi_set_irq', 'dst 0 vec 62 (Fixed|physical|edge)', 'old')).toMatchObject({
      vector: 0x62,
    });
  });

  it('kvm_exit in its three generations, kvm_entry, kvm_userspace_exit with and without the reason name', () => {
    expect(
      parseFields(
        'kvm_exit',
        'vcpu 3 reason EOI_INDUCED rip 0xffffffff81078c04 info1 0x0000000000000062 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000',
      ),
    ).toEqual({ t: 'exit', vcpu: 3, reason: 'EOI_INDUCED' });
    expect(parseFields('kvm_exit', 'reason PENDING_INTERRUPT rip 0xffffffff8103c5b0 info 0 0')).toEqual({
      t: 'exit',
      vcpu: null,
      reason: 'PENDING_INTERRUPT',
    });
    expect(
      parseFields('kvm_exit', 'vcpu 0 reason vintr rip 0x0 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0'),
    ).toMatchObject({
      reason: 'vintr',
    });
    expect(parseFields('kvm_entry', 'vcpu 1, rip 0xffffffff81078c06')).toEqual({ t: 'entry', vcpu: 1 });
    expect(parseFields('kvm_userspace_exit', 'reason KVM_EXIT_IOAPIC_EOI (26)')).toMatchObject({
      reason: 26,
    });
    expect(parseFields('kvm_userspace_exit', 'reason 0x1a (26)')).toMatchObject({ reason: 26 });
    expect(parseFields('kvm_userspace_exit', 'reason restart (4)')).toMatchObject({ reason: -1 });
  });

  it('kvm_set_irq, kvm_apic_accept_irq, kvm_apic_ipi, kvm_eoi, kvm_pv_eoi, kvm_apic, kvm_ioapic_delayed_eoi_inj', () => {
    expect(parseFields('kvm_set_irq', 'gsi 10 level 1 source 0')).toEqual({
      t: 'set_irq',
      gsi: 10,
      level: 1,
      source: 0,
    });
    expect(parseFields('kvm_apic_accept_irq', 'apicid 1f vec 253 (Fixed|edge)')).toEqual({
      t: 'accept',
      apicid: 0x1f,
      vector: 253,
      dm: 0,
      trigger: 0,
    });
    expect(
      parseFields('kvm_apic_ipi', 'dst ffffffff vec 251 (Fixed|physical|assert|edge|all-but-self)'),
    ).toMatchObject({
      dest: 0xffffffff,
      vector: 251,
      shorthand: 3,
    });
    expect(parseFields('kvm_eoi', 'apicid 2 vector 98')).toEqual({ t: 'eoi', apicid: 2, vector: 98 });
    expect(parseFields('kvm_pv_eoi', 'apicid 0 vector 49')).toEqual({ t: 'pv_eoi', apicid: 0, vector: 49 });
    expect(parseFields('kvm_apic', 'apic_write APIC_SPIV = 0x11ff')).toEqual({
      t: 'apic',
      write: true,
      reg: 'APIC_SPIV',
      value: 0x11ff,
    });
    expect(parseFields('kvm_apic', 'apic_read APIC_TASKPRI = 0x0')).toMatchObject({ write: false });
    expect(parseFields('kvm_ioapic_delayed_eoi_inj', 'dst 0 vec 98 (Fixed|physical|level)')).toMatchObject({
      t: 'delayed',
      vector: 98,
    });
  });

  it("QEMU's ioapic_* events, kvm_mmio, kvm_msr; garbled fields give null", () => {
    expect(parseFields('ioapic_set_irq', 'vector: 10 level: 0')).toEqual({
      t: 'q_set_irq',
      pin: 10,
      level: 0,
    });
    expect(parseFields('ioapic_clear_remote_irr', 'clear remote irr for pin 5 vector 162')).toMatchObject({
      pin: 5,
    });
    expect(parseFields('ioapic_eoi_broadcast', 'EOI broadcast for vector 162')).toMatchObject({
      vector: 162,
    });
    expect(
      parseFields('ioapic_eoi_delayed_reassert', 'delayed reassert on EOI broadcast for vector 5'),
    ).toMatchObject({
      pin: 5,
    });
    expect(
      parseFields('ioapic_mem_write', 'ioapic mem write addr 0x10 regsel: 0x25 size 0x4 val 0x1000000'),
    ).toMatchObject({ addr: 0x10, regsel: 0x25, value: 0x1000000 });
    expect(parseFields('kvm_mmio', 'mmio write len 4 gpa 0xfec00040 val 0x62')).toMatchObject({
      write: true,
      gpa: 0xfec00040,
      value: 0x62,
    });
    expect(parseFields('kvm_msr', 'msr_write 4b564d04 = 0x12345001')).toMatchObject({
      msr: 0x4b564d04,
      value: 0x12345001,
    });
    expect(parseFields('kvm_eoi', 'apicid zz vector')).toBeNull();
    expect(parseFields('kvm_ioapic_set_irq', 'pin 3 dst 0 vec 9 (Bogus|physical|edge)')).toBeNull();
  });

  it('compares in one normal form: the kernel text and the model text of the same event have one key', () => {
    const trace = parseFields(
      'kvm_ioapic_set_irq',
      'pin 10 dst 0 vec=98 (Fixed|physical|level) (coalesced)',
    )!;
    const model = parseFields('kvm_ioapic_set_irq', 'pin 10 dst 0 vec 98 (Fixed|physical|level)')!;
    expect(eventKey(trace, null)).toBe(eventKey(model, null));
    // Lines the model does not produce are not compared.
    expect(eventKey(parseFields('kvm_exit', 'vcpu 0 reason HLT')!, 0)).toBeNull();
    expect(eventKey(parseFields('kvm_inj_virq', 'Soft/INTn 0x80')!, 0)).toBeNull();
    expect(eventKey(parseFields('kvm_userspace_exit', 'reason KVM_EXIT_MMIO (6)')!, 0)).toBeNull();
  });
});

describe('import: sample traces written for these tests', () => {
  it('a split-irqchip trace-cmd report: configuration, inputs, and a replay that agrees', () => {
    const r = ok(importTrace(sample('split-trace-cmd.txt'), 'split.txt'));
    expect(r.scenario.config).toMatchObject({ vcpus: 2, irqchip: 'split', apic: 'x2apic', apicv: false });
    expect(actions(r)).toEqual([
      'route 10 vector=0x62 trigger=level dest=0 destmode=physical delivery=fixed mask=0',
      'assert 10',
      'deassert 10', // no re-injection after the EOI: the handler quieted the device (R6)
      'cpu 0 eoi',
      'msi dest=1 vector=0x31',
      'cpu 1 eoi',
      'cpu 1 iret', // the IPI is taken at once: the guest had left its handler
      'ipi from=0 vector=0xfd dest=1',
    ]);
    // Each action names its trace line.
    expect(r.text).toMatch(/^assert 10 {3}# L3 \(inferred: .*\): kvm_set_irq: gsi 10 level 1 source 0$/m);
    expect(r.text).toMatch(/^cpu 0 eoi {3}# L14: kvm_apic: apic_write APIC_EOI = 0x0$/m);
    const { check } = checkTrace(sample('split-trace-cmd.txt'));
    expect(check!.disagreements).toEqual([]);
    expect(check!.agreements).toBe(10);
  });

  it('accounts for every line: used + skipped + blank = lines, with the reasons', () => {
    const text = sample('split-trace-cmd.txt');
    const r = ok(importTrace(text));
    const blank = text.split('\n').filter((l) => l.trim() === '').length - 1; // the final newline
    expect(r.summary.used + r.summary.skipped + blank).toBe(r.summary.lines);
    expect(r.summary.lines).toBe(38);
    expect(r.summary.skippedWhy).toMatchObject({ 'header or comment': 2, 'unknown tracepoint': 1 });
  });

  it('a perf script trace quoted in a mail (kernel irqchip, xAPIC, old formats, wrapped lines)', () => {
    const text = sample('kernel-perf-mail.txt');
    const r = ok(importTrace(text));
    expect(r.scenario.config).toMatchObject({ vcpus: 1, irqchip: 'kernel', apic: 'xapic' });
    expect(actions(r)).toEqual([
      'route 11 vector=0xb1 trigger=level dest=0 destmode=physical delivery=fixed mask=0',
      'assert 11',
      'deassert 11',
      'cpu 0 eoi',
      'cpu 0 iret',
      'assert 11',
      'cpu 0 eoi', // the line is still high: KVM re-injects at the EOI (R5.6 d)
      'cpu 0 iret', // at the interrupt-window exit
    ]);
    expect(r.summary.skippedWhy).toMatchObject({ 'not a trace line': 3, 'unknown tracepoint': 1 });
    const { check } = checkTrace(text);
    expect(check!.disagreements).toEqual([]);
    expect(check!.agreements).toBe(11);
  });

  it('is deterministic: the same trace gives the same scenario and the same verdicts', () => {
    const text = sample('kernel-perf-mail.txt');
    expect(importTrace(text).ok && ok(importTrace(text)).text).toBe(ok(importTrace(text)).text);
    expect(checkTrace(text).check).toEqual(checkTrace(text).check);
  });

  it('a trace with nothing usable is refused with a clear message', () => {
    const r = importTrace(
      'hello\nworld\n  <idle>-0 [000] 1.000000: sched_switch: prev_comm=swapper\n',
      'x.txt',
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(
        /^x\.txt: nothing usable: none of its 3 lines is a kvm or QEMU ioapic tracepoint/,
      );
      expect(r.error).toMatch(/sched_switch/);
    }
    expect(importTrace('').ok).toBe(false);
  });

  it('skips a garbled known tracepoint and an unmodelled variant with their reasons, never failing', () => {
    const r = ok(
      importTrace(
        [
          'CPU 0/KVM-1 [000] 1.000001: kvm_eoi: apicid what',
          'CPU 0/KVM-1 [000] 1.000002: kvm_apic_ipi: dst 1 vec 0 (INIT|physical|assert|level|dst)',
          'CPU 0/KVM-1 [000] 1.000003: kvm_inj_virq: Soft/INTn 0x80',
          'qemu-system-x86-9 [001] 1.000004: kvm_msi_set_irq: dst 0 vec 49 (Fixed|physical|edge)',
        ].join('\n'),
      ),
    );
    expect(r.summary.skippedWhy).toEqual({
      'garbled kvm_eoi fields': 1,
      'IPI delivery mode INIT is not modelled': 1,
      'a software interrupt (INTn) is not modelled': 1,
    });
    expect(actions(r)).toEqual(['msi dest=0 vector=0x31']);
  });
});

describe('import: inference', () => {
  it('kvm_ioapic_set_irq without its kvm_set_irq (a filtered trace): the level is the reading that replays', () => {
    const own = ownTrace(mustParse(PRESETS.find((p) => p.id === 'level-irq')!.text)).text;
    const filtered = own
      .split('\n')
      .filter((l) => !/kvm_set_irq:/.test(l))
      .join('\n');
    const r = ok(importTrace(filtered));
    expect(actions(r).filter((a) => /assert/.test(a))).toEqual(['assert 10', 'assert 10', 'deassert 10']);
    expect(checkTrace(filtered).check!.disagreements).toEqual([]);
  });

  it('the old kvm_msi_set_irq format, told apart by the acceptance that follows', () => {
    const text = [
      'qemu-9 [000] 1.000001: kvm_msi_set_irq: dst 1 vec 62 (Fixed|physical|edge)',
      'qemu-9 [000] 1.000002: kvm_apic_accept_irq: apicid 1 vec 98 (Fixed|edge)',
      'CPU 1/KVM-11 [001] 1.000003: kvm_inj_virq: irq 98',
    ].join('\n');
    const r = ok(importTrace(text));
    expect(r.imported.msiFormat).toBe('old');
    expect(actions(r)).toEqual(['msi dest=1 vector=0x62']);
    expect(checkTrace(text).check!.agreements).toBe(2);
  });

  it('the storm limit from the EOIs before the first deferral, and the wait that lets it fall due (R5.6 d)', () => {
    const r = ok(importTrace(ownTrace(mustParse(PRESETS.find((p) => p.id === 'storm-limit')!.text)).text));
    expect(r.scenario.config.kvm.stormLimit).toBe(3);
    expect(actions(r)).toContain('wait 9999us');
  });

  it('APICv from an EOI_INDUCED exit, SEOIB enabled and IOAPIC 0x11 from what the EOIs do', () => {
    const imp = (id: string) =>
      ok(importTrace(ownTrace(mustParse(PRESETS.find((p) => p.id === id)!.text)).text)).scenario.config;
    expect(imp('stale-eoi-kernel-apicv-patched')).toMatchObject({ apicv: true, irqchip: 'kernel' });
    expect(imp('seoib-enabled-windows').kvm.seoib).toBe('enabled');
    expect(imp('seoib-enabled-ioapic-0x11')).toMatchObject({ ioapicVersion: 0x11 });
    expect(imp('seoib-quirked-windows').kvm.seoib).toBe('quirked');
    // The rescan patch shows only where the retarget is in the trace (the guest's own RTE writes).
    expect(imp('handler-retarget-split-unpatched').kvm.staleEoiRescan).toBe(false);
    expect(imp('handler-retarget-split-patched').kvm.staleEoiRescan).toBe(true);
  });
});

/** Scenarios whose traces do not show everything they do; each disagreement the replay reports is the gap. */
const NOT_IN_THE_TRACE: Record<string, string> = {
  'nested-tpr':
    'a TPR write that raises TPR does not exit: the later TPR-threshold exit cannot be reproduced',
  'apicv-inhibit-apic-id': 'a virtualized EOI leaves no trace line',
  'stale-eoi-split-patched': 'a `route` retarget in split is a KVM_SET_GSI_ROUTING, which has no tracepoint',
  'snapshot-what-is-restored': 'savevm and loadvm have no tracepoint',
};

describe('import: the round trip through the model’s own traces', () => {
  for (const p of [...PRESETS, ...EXAMPLES]) {
    const s = mustParse(p.text);
    const own = ownTrace(s);
    if (!own.events.some((e) => modelKey(e))) continue;
    it(`${p.id}: importing its trace gives a scenario that replays to the same events`, () => {
      const { result, check } = checkTrace(own.text, p.id);
      const r = ok(result);
      if (NOT_IN_THE_TRACE[p.id]) {
        expect(check!.disagreements.length, NOT_IN_THE_TRACE[p.id]).toBeGreaterThan(0);
        return;
      }
      expect(check!.disagreements).toEqual([]);
      // The same tracepoint events, as a multiset (the order within a step may differ), of the
      // kinds the trace has (those it lacks cannot be compared: with APICv, no kvm_inj_virq).
      const present = new Set(own.events.map((e) => e.type));
      const keys = (ev: TraceEvent[]) =>
        ev
          .filter((e) => present.has(e.type))
          .map(modelKey)
          .filter((k): k is string => k !== null)
          .sort();
      const replay = ownTrace(r.scenario).events;
      expect(keys(replay)).toEqual(keys(own.events));
    });
  }

  it("reports the issue's example: the model forwards this EOI to userspace but the trace has none", () => {
    const own = ownTrace(mustParse(PRESETS.find((p) => p.id === 'stale-eoi-split-patched')!.text));
    const d = checkTrace(own.text).check!.disagreements;
    expect(d[0].why).toMatch(
      /^the model forwards this EOI to userspace \(KVM_EXIT_IOAPIC_EOI\) but the trace has no KVM_EXIT_IOAPIC_EOI here/,
    );
    expect(d[0]).toMatchObject({ trace: '', model: 'kvm_userspace_exit: reason KVM_EXIT_IOAPIC_EOI (26)' });
  });

  it('never throws, and always writes a scenario that parses, for random scenarios and broken text', () => {
    fc.assert(
      fc.property(scenarioText(25), fc.integer({ min: 0, max: 200 }), (text, cut) => {
        const own = ownTrace(mustParse(text)).text;
        for (const t of [own, own.slice(cut), own.replace(/ vec /g, ' vec  x')]) {
          const r = importTrace(t);
          if (r.ok) expect(parseScenario(r.text).ok).toBe(true);
          checkTrace(t);
        }
      }),
      { numRuns: 40 },
    );
  });
});
