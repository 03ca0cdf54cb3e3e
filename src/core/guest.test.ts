/** Guest profiles (contract §5) and the execution model's time and `run` rules (contract §4). */
import { describe, expect, it } from 'vitest';
import { failures, mustParse, run } from '../replay/testing.ts';
import { Machine } from './machine.ts';

const holds = (text: string) => expect(failures(text)).toEqual([]);

/** The #GP exceptions (kvm_inj_exception) of each step's events, by their why. */
function gps(text: string): string[] {
  const s = mustParse(text);
  const m = Machine.boot(s.config, true);
  return s.steps.flatMap((st) =>
    m
      .apply(st.action)
      .events.filter((e) => e.type === 'kvm_inj_exception')
      .map((e) => `${st.line}: ${e.rule} ${e.why}`),
  );
}

describe('guest profiles', () => {
  it('linux enables PV EOI at boot only when KVM offers it and the VM has no Secure AVIC (R9.1, R10.1)', () => {
    const boot = (config: string) => `vcpus 1\n${config}guest 0 profile=linux\nrun\n`;
    holds(`${boot('')}expect count exits = 1`);
    holds(`${boot('kvm pv-eoi=off\n')}expect count exits = 0`);
    holds(`${boot('irqchip kernel\nsecure-avic on\n')}expect count exits = 0`);
    expect(gps(boot('kvm pv-eoi=off\n'))).toEqual([]);
  });

  it('a guest write the APIC refuses is a #GP, with its reason', () => {
    expect(gps('vcpus 1\nkvm pv-eoi=off\ncpu 0 pv-eoi on\n')).toEqual([
      '3: R9 R9: KVM does not offer PV EOI (kvm pv-eoi=off): #GP',
    ]);
    expect(gps('vcpus 1\napic x2apic\ncpu 0 ldr 0x5\n')).toEqual([
      '3: R2.1 R2.1: in x2APIC mode this register is read-only: #GP',
    ]);
    expect(gps('vcpus 1\napic x2apic\nmsi dest=0 vector=0x31\ncpu 0 rdmsr eoi\n')).toEqual([
      '4: R2.1 R2.1: the EOI register is write-only: #GP',
    ]);
    holds(
      'vcpus 1\napic x2apic\ncpu 0 cli\nmsi dest=0 vector=0x31\ncpu 0 sti\ncpu 0 rdmsr eoi\nexpect cpu 0 isr = {0x31}',
    );
  });

  it('linux: services the pins of the vector whose line is high, EOIs, irets (R5.6: no re-injection)', () => {
    holds(`vcpus 2
irqchip kernel
guest all profile=linux
run
route 10 vector=0x62 trigger=level dest=1 mask=0
assert 10
run
expect count injections = 1
expect ioapic 10 line = 0
expect ioapic 10 remote-irr = 0
expect count eoi-broadcasts = 1
expect cpu 1 isr = {}
expect cpu 1 if = 1`);
  });

  it('linux: a level vector is in handled, so PV EOI is not armed and the EOI is written (R9.3)', () => {
    holds(`vcpus 1
guest 0 profile=linux
run
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
run
expect count pv-eoi-elided = 0
expect count ioapic-eoi-exits = 1
msi dest=0 vector=0x31
run
expect count pv-eoi-elided = 1`);
  });

  it('windows + SEOIB enabled (R8.5): LAPIC EOI, then the deferred task services and EOIs the IOAPIC', () => {
    holds(`vcpus 1
kvm seoib=auto
guest 0 profile=windows
run
expect cpu 0 spiv = 0x11ff
route 5 vector=0xa2 trigger=level dest=0 mask=0
assert 5
run
expect count injections = 1
expect count ioapic-eoi-exits = 0
expect count directed-eois vector=0xa2 = 1
expect ioapic 5 remote-irr = 0
expect ioapic 5 line = 0`);
  });

  it('S6 / R8.5: windows + quirked split: the LAPIC EOI is broadcast while the line is high: a storm', () => {
    holds(`vcpus 1
kvm storm-limit=50
guest 0 profile=windows
run
route 5 vector=0xa2 trigger=level dest=0 mask=0
assert 5
run 1000
expect count storms pin=5 = 1
expect count reinjections pin=5 = 49
expect count injections = 50
expect ioapic 5 line = 0          # the deferred task finally ran during the 10 ms pause
expect count directed-eois = 1`);
  });

  it('windows + SEOIB enabled + IOAPIC 0x11: the directed EOI is ignored and the pin stays blocked', () => {
    holds(`vcpus 1
ioapic version=0x11
kvm seoib=enabled
guest 0 profile=windows
run
route 5 vector=0xa2 trigger=level dest=0 mask=0
assert 5
run
expect ioapic 5 remote-irr = 1
assert 5
run
expect count injections = 1`);
  });

  it('windows + SEOIB disabled: LVR[24] is clear, so it never sets SPIV[12] and EOIs like linux', () => {
    holds(`vcpus 1
kvm seoib=disabled
guest 0 profile=windows
run
expect cpu 0 spiv = 0x1ff
expect count exits = 0
route 5 vector=0xa2 trigger=level dest=0 mask=0
assert 5
run
expect ioapic 5 remote-irr = 0
expect count ioapic-eoi-exits = 1`);
  });

  it('manual guests never act by themselves', () => {
    holds('vcpus 1\nmsi dest=0 vector=0x31\nrun\nexpect cpu 0 isr = {0x31}');
  });
});

describe('execution model', () => {
  it('§4 Time: each action advances 1 µs, wait adds its duration', () => {
    expect(run('vcpus 1\ncpu 0 cli\ncpu 0 sti\nwait 10ms').final.time).toBe(3000 + 10_000_000);
  });

  it('§4 Time: each guest step of run advances 1 µs', () => {
    const r = run('vcpus 2\nguest all profile=linux\nrun');
    expect(r.final.time).toBe(1000 + 2 * 1000);
  });

  it('§5: run stops after N steps', () => {
    const r = run(`vcpus 1
guest 0 profile=linux
run
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
run 2`);
    // service, eoi done; iret not yet
    expect(r.final.cpus[0].frames.length).toBe(1);
    expect(r.final.ioapic.line).toBe(0);
  });

  it('§4 Snapshots: restore brings back LAPIC and IOAPIC state but not counters or time', () => {
    const r = run(`vcpus 1
route 10 vector=0x62 trigger=level dest=0 mask=0
snapshot a
assert 10
expect cpu 0 isr = {0x62}
restore a
expect cpu 0 isr = {}
expect ioapic 10 remote-irr = 0
expect count injections = 1
expect count exits >= 2`);
    expect(r.expects.every((e) => e.ok)).toBe(true);
    expect(r.final.time).toBe(4000);
  });

  it('§4 Snapshots: the sticky SEOIB mode is not rewound; the guest SPIV is', () => {
    holds(
      'vcpus 1\nsnapshot a\ncpu 0 seoib on\nexpect cpu 0 spiv = 0x11ff\nrestore a\nexpect cpu 0 spiv = 0x1ff\nexpect kvm seoib = quirked',
    );
  });

  it('§5: a run steps every vCPU with work, also one that only a restore gave a handler again', () => {
    // A run skips the vCPUs with nothing to do; restoring a handler frame must put vCPU 5 back.
    holds(`vcpus 8
kvm seoib=disabled
guest all profile=windows
run
expect count exits = 0
route 3 vector=0x40 trigger=edge dest=5 mask=0
pulse 3
snapshot a
run
expect cpu 5 isr = {}
expect count eoi-writes cpu=5 = 1
restore a
expect cpu 5 isr = {0x40}
run
expect cpu 5 isr = {}
expect count eoi-writes cpu=5 = 2
expect count injections = 1`);
  });
});

describe("a guest's own RTE write (R5.2)", () => {
  it.each(['split', 'kernel'])(
    '%s: its four MMIO exits and what follows descend from the write',
    (irqchip) => {
      const s = mustParse(`vcpus 2
irqchip ${irqchip}
route 10 vector=0x62 trigger=level dest=0 mask=0
cpu 0 ioapic-rte 10 dest=1 mask=0
`);
      const m = Machine.boot(s.config, true);
      let events: { type: string; cause: number | null; text: string }[] = [];
      for (const st of s.steps) events = m.apply(st.action).events;
      const at = events.findIndex((e) => e.type === 'guest_ioapic_write_entry');
      expect(at).toBeGreaterThan(0);
      const exits = events.filter(
        (e, i) => i > at && e.type === 'kvm_exit' && e.text.includes('EPT_MISCONFIG'),
      );
      expect(exits.length).toBe(4);
      for (const [i, e] of events.entries()) {
        if (i <= at) continue;
        let c = e.cause;
        while (c !== null && c > at) c = events[c].cause;
        expect(c, `${i} ${e.type} ${e.text}`).toBe(at);
      }
    },
  );
});
