/** Exports: QEMU monitor formats, traces for trace-cmd readers and Perfetto, the SVG figure. */
import { describe, expect, it } from 'vitest';
import { stepText } from '../worker/protocol.ts';
import { Session } from '../worker/session.ts';
import { figureSvg } from './figure.ts';
import { infoLapic, infoPic } from './qemu-monitor.ts';
import { chromeTrace, traceText } from './trace-export.ts';

const s = new Session();
s.load(`title "t <b>&amp;"
vcpus 2
apic xapic
irqchip kernel
cpu 1 dfr 0x0fffffff
cpu 1 ldr 0x12000000
route 10 vector=0x62 trigger=level dest=0 mask=0
route 4 vector=0x44 trigger=edge dest=0x13 destmode=logical
assert 10
cpu 0 sti
msi dest=0 vector=0x31
msi dest=0 vector=0x31
`);
const f = s.frame(s.length);

describe('QEMU monitor formats', () => {
  it('info lapic prints the registers as x86_cpu_dump_local_apic_state does', () => {
    expect(infoLapic(f.view.cpus[0])).toBe(`dumping local APIC state for CPU 0 

LVT0\t 0x00010700 active-hi edge  masked                      ExtINT (vec 0)
LVT1\t 0x00010000 active-hi edge  masked                      Fixed  (vec 0)
LVTPC\t 0x00010000 active-hi edge  masked                      Fixed  (vec 0)
LVTERR\t 0x00010000 active-hi edge  masked                      Fixed  (vec 0)
LVTTHMR\t 0x00010000 active-hi edge  masked                      Fixed  (vec 0)
LVTT\t 0x00010000 active-hi edge  masked         one-shot     Fixed  (vec 0)
Timer\t DCR=0x0 (divide by 2) initial_count = 0 current_count = 0
SPIV\t 0x000001ff APIC enabled, focus=off, spurious vec 255
ICR\t 0x00000000 physical edge de-assert no-shorthand
ICR2\t 0x00000000 cpu 0 (APIC ID)
ESR\t 0x00000000
ISR\t 98(level) 
IRR\t 49 

APR 0x00 TPR 0x00 DFR 0x0f LDR 0x00 PPR 0x60
`);
    expect(infoLapic(f.view.cpus[1])).toMatch(
      /\nAPR 0x00 TPR 0x00 DFR 0x00 LDR 0x12\(cluster 1: id 2\) PPR 0x00\n$/,
    );
  });

  it('info pic prints the IOAPIC as ioapic_print_redtbl does (physical dest shows 4 bits)', () => {
    const out = infoPic(f.view.ioapic, f.view.ioapicVersion);
    const lines = out.split('\n');
    expect(lines[0]).toBe('ioapic0: ver=0x11 id=0x00 sel=0x00');
    expect(lines[5]).toBe(
      '  pin 4  0x1300000000010844 dest=13 vec=68  active-hi edge  masked fixed  logical',
    );
    expect(lines[5]).toMatch(/dest=13/);
    expect(lines[11]).toBe(
      '  pin 10 0x000000000000c062 dest=0 vec=98  active-hi level        fixed  physical',
    );
    expect(lines.at(-3)).toBe('  IRR      10 ');
    expect(lines.at(-2)).toBe('  Remote IRR 10 ');
  });
});

describe('trace exports', () => {
  const steps = [1, 2, 3].map((k) => ({
    step: k,
    action: stepText(s.info().steps, k - 1),
    events: s.frame(k).events,
    dropped: 0,
  }));

  it('text: trace-cmd report lines under a comment per step, whys on request', () => {
    const text = traceText(steps, true);
    expect(text.split('\n')[0]).toBe('# step 1: cpu 1 dfr 0xfffffff');
    expect(text).toContain('kvm_exit: vcpu 1 reason APIC_ACCESS');
    expect(text).toContain('    # R4.8 / R7.8');
    expect(traceText(steps, false)).not.toContain('    #');
  });

  it('Chrome trace JSON: named tracks per vCPU, IOAPIC and KVM; slices, flows and counters Perfetto can load', () => {
    const all = Array.from({ length: s.length }, (_, i) => ({
      step: i + 1,
      action: '',
      events: s.frame(i + 1).events,
      dropped: 0,
    }));
    const t = chromeTrace(all, 2, 't');
    const names = t.traceEvents.filter((e) => e.name === 'thread_name').map((e) => e.args?.name);
    expect(names).toEqual([
      'Devices / IOAPIC',
      'KVM / userspace (QEMU)',
      'vCPU 0',
      'vCPU 0 in service (ISR)',
      'vCPU 0 VM exits',
      'vCPU 1',
      'vCPU 1 in service (ISR)',
      'vCPU 1 VM exits',
    ]);
    const accept = t.traceEvents.find((e) => e.name === 'kvm_apic_accept_irq')!;
    expect(accept).toMatchObject({ ph: 'X', cat: 'kvm', pid: 1, tid: 10 });
    // Every event is a slice at increasing time; the documented phases only.
    const slices = t.traceEvents.filter((e) => e.ph === 'X');
    for (const e of t.traceEvents) expect(['M', 'X', 's', 'f', 'C']).toContain(e.ph);
    for (const e of slices) expect(e.dur).toBeGreaterThan(0);
    // A vector in service from its injection to its EOI: 0x62 is injected and never EOI'd here.
    expect(slices.some((e) => e.name === 'ISR 0x62 (in service)' && e.tid === 11)).toBe(true);
    // VM exits as durations on their own track, from kvm_exit to kvm_entry.
    const exits = slices.filter((e) => e.tid === 12 && e.name.startsWith('exit '));
    expect(exits.length).toBe(t.traceEvents.filter((e) => e.name === 'kvm_exit' && e.tid === 10).length);
    // A flow for every cause link, start and finish paired by id.
    const starts = t.traceEvents.filter((e) => e.ph === 's');
    const finishes = t.traceEvents.filter((e) => e.ph === 'f');
    const linked = all.reduce((n, st) => n + st.events.filter((e) => e.cause !== null).length, 0);
    expect(starts.length).toBe(linked);
    expect(finishes.map((e) => e.id).sort()).toEqual(starts.map((e) => e.id).sort());
    for (const e of finishes) expect(e.bp).toBe('e');
    // Counter tracks: injections climb, pin 10's remote IRR goes to 1.
    const inj = t.traceEvents
      .filter((e) => e.ph === 'C' && e.name === 'injections')
      .map((e) => e.args?.value);
    expect(inj).toEqual([1]);
    const rirr = t.traceEvents
      .filter((e) => e.ph === 'C' && e.name === 'remote IRR pin 10')
      .map((e) => e.args?.value);
    expect(rirr.at(-1)).toBe(1);
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
  });

  it('Chrome trace JSON: a handler is a slice from its injection to its iret', () => {
    const h = new Session();
    h.load(`vcpus 1
msi dest=0 vector=0x31
cpu 0 eoi
cpu 0 iret
`);
    const all = [1, 2, 3].map((k) => ({ step: k, action: '', events: h.frame(k).events, dropped: 0 }));
    const t = chromeTrace(all, 1, 'h');
    const handler = t.traceEvents.find((e) => e.name === 'handler 0x31')!;
    const inj = t.traceEvents.find((e) => e.name === 'kvm_inj_virq')!;
    const iret = t.traceEvents.find((e) => e.name === 'guest_iret')!;
    expect(handler.ts).toBe(inj.ts);
    expect(handler.ts! + handler.dur!).toBeGreaterThan(iret.ts!);
    const isr = t.traceEvents.find((e) => e.name === 'ISR 0x31')!;
    const eoi = t.traceEvents.find((e) => e.name === 'kvm_eoi')!;
    expect(isr.ts! + isr.dur!).toBeCloseTo(eoi.ts!, 6);
  });
});

describe('SVG figure', () => {
  it('draws the grids and escapes untrusted text', () => {
    const svg = figureSvg({
      title: s.info().title!,
      step: f.step,
      action: 'msi',
      cpus: [f.view.cpus[0]],
      ioapic: f.view.ioapic,
      pins: [4, 10],
      dark: false,
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('t &lt;b&gt;&amp;amp;');
    expect(svg).not.toContain('<b>');
    expect((svg.match(/<rect /g) ?? []).length).toBe(1 + 4 * 256);
    expect(svg).toContain('ISR 0x62');
    expect(svg).toContain('IRR 0x31');
  });
});
