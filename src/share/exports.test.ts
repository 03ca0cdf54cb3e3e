/** Exports: QEMU monitor formats, traces for trace-cmd readers and Perfetto, the SVG figure. */
import { describe, expect, it } from 'vitest';
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
    action: s.info().steps[k - 1].text,
    events: s.frame(k).events,
    dropped: 0,
  }));

  it('text: trace-cmd report lines under a comment per step, whys on request', () => {
    const text = traceText(steps, true);
    expect(text.split('\n')[0]).toBe('# step 1: cpu 1 dfr 0xfffffff');
    expect(text).toContain('kvm_exit: vcpu 1 reason APIC_ACCESS');
    expect(text).toContain('    # R7.8');
    expect(traceText(steps, false)).not.toContain('    #');
  });

  it('Chrome trace JSON: one track per vCPU and one for the IOAPIC, instants at virtual time', () => {
    const all = Array.from({ length: s.length }, (_, i) => ({
      step: i + 1,
      action: '',
      events: s.frame(i + 1).events,
      dropped: 0,
    }));
    const t = chromeTrace(all, 2, 't');
    const names = t.traceEvents.filter((e) => e.name === 'thread_name').map((e) => e.args?.name);
    expect(names).toEqual(['IOAPIC / VMM', 'vCPU 0', 'vCPU 1']);
    const accept = t.traceEvents.find((e) => e.name === 'kvm_apic_accept_irq')!;
    expect(accept).toMatchObject({ ph: 'i', cat: 'kvm', pid: 1, tid: 1 });
    expect(typeof accept.ts).toBe('number');
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
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
