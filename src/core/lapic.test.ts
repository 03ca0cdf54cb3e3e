/** LAPIC rules R2 and R3, each case written as a scenario whose expectations must hold. */
import { describe, expect, it } from 'vitest';
import { failures, mustParse } from '../replay/testing.ts';

const holds = (text: string) => expect(failures(text)).toEqual([]);

describe('R2 LAPIC registers', () => {
  it('R2.4: LVR is 0x50014, with bit 24 only when SEOIB is advertised (R8.2)', () => {
    holds('vcpus 1\nexpect cpu 0 lvr = 0x1050014'); // x2apic + split + quirked: advertised
    holds('vcpus 1\nirqchip kernel\nexpect cpu 0 lvr = 0x50014');
    holds('vcpus 1\nkvm seoib=disabled\nexpect cpu 0 lvr = 0x50014');
    holds('vcpus 1\napic xapic\nkvm seoib=enabled\nexpect cpu 0 lvr = 0x50014');
    holds(
      'vcpus 1\nioapic version=0x11\nkvm seoib=auto\nexpect cpu 0 lvr = 0x50014\nexpect kvm seoib = disabled',
    );
    holds('vcpus 1\nkvm seoib=auto\nexpect cpu 0 lvr = 0x1050014\nexpect kvm seoib = enabled');
  });

  it('R2.3: SPIV keeps bit 12 only when LVR[24] is set', () => {
    holds('vcpus 1\ncpu 0 spiv 0x11ff\nexpect cpu 0 spiv = 0x11ff');
    holds('vcpus 1\ncpu 0 spiv 0x3ff\nexpect cpu 0 spiv = 0x3ff'); // bit 9 (focus) is stored
    holds('vcpus 1\ncpu 0 spiv 0xfffff5ff\nexpect cpu 0 spiv = 0x11ff'); // reserved bits are not
    holds('vcpus 1\nirqchip kernel\ncpu 0 spiv 0x11ff\nexpect cpu 0 spiv = 0x1ff');
    holds('vcpus 1\nkvm seoib=disabled\ncpu 0 seoib on\nexpect cpu 0 spiv = 0x1ff');
    holds('vcpus 1\ncpu 0 seoib on\ncpu 0 seoib off\nexpect cpu 0 spiv = 0x1ff\nexpect count exits = 2');
  });

  it('R2.3 / R7.8: toggling SPIV bit 8 recalculates the APIC map: every vCPU scans', () => {
    holds(
      'vcpus 3\ncpu 1 spiv 0xff\nexpect count scans = 3\ncpu 1 spiv 0xff\nexpect count scans = 3\ncpu 1 spiv 0x1ff\nexpect count scans = 6',
    );
  });

  it('R2.1: x2APIC ID, LDR and DFR are read-only: a #GP exit and nothing else', () => {
    holds('vcpus 2\ncpu 0 apic-id 0x5000000\nexpect count exits = 1\nexpect count scans = 0');
  });

  it('R7.8: xAPIC ID, LDR, DFR writes make every vCPU scan, even with the same value', () => {
    holds(
      'vcpus 2\napic xapic\ncpu 0 ldr 0\nexpect count scans = 2\ncpu 1 dfr 0xffffffff\nexpect count scans = 4',
    );
  });
});

describe('R3 priority, acceptance, injection, EOI', () => {
  it('S3 / R3.2–R3.4 / R3.8: nested delivery, TPR and the highest-ISR EOI', () => {
    holds(`vcpus 1
msi dest=0 vector=0x41
expect cpu 0 isr = {0x41}
expect cpu 0 ppr = 0x40
cpu 0 sti
msi dest=0 vector=0x45
expect cpu 0 irr = {0x45}        # class 4 is not above PPR class 4 (R3.3)
cpu 0 sti
msi dest=0 vector=0x61
expect cpu 0 isr = {0x41, 0x61}  # class 6 > 4: nested (R3.4)
expect cpu 0 ppr = 0x60
cpu 0 tpr 0x70
expect cpu 0 ppr = 0x70
cpu 0 sti
msi dest=0 vector=0x65
expect cpu 0 irr = {0x45, 0x65}
cpu 0 eoi                        # clears 0x61, the highest ISR bit (R3.8)
expect cpu 0 isr = {0x41}
expect cpu 0 ppr = 0x70          # TPR dominates
cpu 0 tpr 0
expect cpu 0 isr = {0x41, 0x65}
expect cpu 0 ppr = 0x60
cpu 0 eoi
expect cpu 0 ppr = 0x40
expect cpu 0 irr = {0x45}
cpu 0 sti
cpu 0 eoi                        # PPR 0x00: 0x45 finally delivered
expect cpu 0 isr = {0x45}
expect count injections = 4`);
  });

  it('R3.5: with IF = 0 the interrupt waits in IRR; STI opens an interrupt window (an exit) and it is injected', () => {
    holds(`vcpus 1
cpu 0 cli
msi dest=0 vector=0x31
expect cpu 0 irr = {0x31}
expect count exits = 1          # the delivery kicked the vCPU; IF = 0, so nothing injected
cpu 0 sti
expect cpu 0 isr = {0x31}
expect count exits = 2          # interrupt-window exit
expect cpu 0 if = 0             # the handler runs with IF = 0`);
  });

  it('R3.5: iret that restores IF = 1 opens the window for a pending interrupt', () => {
    holds(`vcpus 1
msi dest=0 vector=0x31
msi dest=0 vector=0x32          # class 3 = class 3: blocked by PPR
cpu 0 eoi
expect cpu 0 irr = {0x32}       # deliverable now, but IF = 0 inside the handler
cpu 0 iret
expect cpu 0 isr = {0x32}
expect cpu 0 if = 0`);
  });

  it('R3.2: a TPR write that makes an interrupt deliverable is a TPR-threshold exit, whatever IF is', () => {
    holds(`vcpus 1
cpu 0 tpr 0x50
cpu 0 cli
msi dest=0 vector=0x41
expect count exits = 1
cpu 0 tpr 0x30
expect count exits = 2
expect cpu 0 irr = {0x41}       # IF = 0: not injected
cpu 0 tpr 0x20
expect count exits = 2          # already deliverable: no new exit`);
  });

  it('R3.6: injection moves IRR to ISR and raises PPR to the vector class', () => {
    holds(
      'vcpus 1\nmsi dest=0 vector=0x62\nexpect cpu 0 irr = {}\nexpect cpu 0 isr = {0x62}\nexpect cpu 0 ppr = 0x60\nexpect count injections vector=0x62 = 1',
    );
  });

  it('R3.7: a software-disabled APIC drops the message', () => {
    holds(
      'vcpus 1\ncpu 0 spiv 0xff\nmsi dest=0 vector=0x31\nexpect cpu 0 irr = {}\nexpect count injections = 0',
    );
  });

  it('R3.7: TMR follows the trigger mode at accept time; a repeat while pending merges', () => {
    holds(`vcpus 1
cpu 0 cli
msi dest=0 vector=0x31 trigger=level
expect cpu 0 tmr = {0x31}
msi dest=0 vector=0x31
expect cpu 0 tmr = {}
expect cpu 0 irr = {0x31}
cpu 0 sti
expect count injections = 1`);
  });

  it('R3.8: an EOI with an empty ISR changes nothing and carries no vector', () => {
    holds(
      'vcpus 1\ncpu 0 eoi\nexpect count eoi-writes = 1\nexpect count eoi-exits = 1\nexpect count eoi-exits vector=0 = 0',
    );
  });

  it('R3.9 / R7.2: with APICv an EOI exits only for EOI-exit-bitmap vectors', () => {
    holds(`vcpus 1
irqchip kernel
apicv on
route 10 vector=0x62 trigger=level dest=0 mask=0
msi dest=0 vector=0x31
cpu 0 eoi
cpu 0 iret
expect count eoi-exits = 0
expect count eoi-writes = 1
expect count exits = 1            # only the scan request of the route (R5.5 step 6)
assert 10
expect cpu 0 isr = {0x62}
cpu 0 eoi
expect count eoi-exits vector=0x62 = 1
expect ioapic 10 remote-irr = 1   # line still high: re-injected
expect count reinjections = 1`);
  });

  it('R3.11 / R3.3: vectors 0–15 are accepted into IRR, but class 0 never beats PPR', () => {
    holds('vcpus 1\nmsi dest=0 vector=5\nexpect cpu 0 irr = {0x5}\nexpect cpu 0 isr = {}');
  });
});

describe('R3.2 / R4.7 priorities and arbitration', () => {
  it('R3.2: PPR is TPR (all of it) when its class is not below the in-service class', () => {
    holds(`vcpus 1
msi dest=0 vector=0x41
cpu 0 tpr 0x45
expect cpu 0 ppr = 0x45
cpu 0 tpr 0x35
expect cpu 0 ppr = 0x40`);
  });

  it('R4.7: only lowest-priority deliveries raise apic_arb_prio (vector hashing off)', () => {
    holds(`vcpus 2
kvm vector-hashing=off
msi dest=0 vector=0x31
cpu 0 eoi
cpu 0 iret
msi dest=0x3 vector=0x61 delivery=lowest destmode=logical
expect count injections cpu=0 vector=0x61 = 1   # a fixed delivery left vCPU 0's arb_prio at 0
msi dest=0x3 vector=0x62 delivery=lowest destmode=logical
expect count injections cpu=1 vector=0x62 = 1   # now vCPU 0's is 1: vCPU 1 wins`);
  });
});

describe('R11.1 APICv inhibit', () => {
  it('R4.8 / R11.1: a changed xAPIC ID inhibits APICv (EOIs exit); writing it back lifts the inhibit', () => {
    holds(`vcpus 2
apic xapic
apicv on
msi dest=0 vector=0x31
cpu 0 eoi
expect count eoi-exits = 0
cpu 1 apic-id 0x5000000
expect kvm apicv = inhibited
cpu 0 iret
msi dest=0 vector=0x31
cpu 0 eoi
expect count eoi-exits = 1
cpu 1 apic-id 0x1000000          # back to its own ID: APIC_ID_MODIFIED cleared
expect kvm apicv = active
cpu 0 iret
msi dest=0 vector=0x31
cpu 0 eoi
expect count eoi-exits = 1       # virtualized again`);
  });
});

describe('R11.1 APICv EOI virtualization by SVI', () => {
  it('R11.1: after a virtualized EOI the CPU evaluates pending virtual interrupts: a lower vector is taken at once, no exit', () => {
    holds(`vcpus 1
apicv on
cpu 0 cli
msi dest=0 vector=0x31
msi dest=0 vector=0x41
cpu 0 sti
expect cpu 0 isr = {0x41}
cpu 0 sti                         # nested: interrupts on inside the handler
cpu 0 eoi
expect cpu 0 isr = {0x31}
expect count exits = 0`);
  });

  it('R11.1: the EOI vector is SVI, the highest ISR vector; it exits iff that vector is in the EOI-exit bitmap', () => {
    holds(`vcpus 1
irqchip kernel
apicv on
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
cpu 0 sti
msi dest=0 vector=0x71
expect cpu 0 isr = {0x62, 0x71}
cpu 0 eoi                        # SVI 0x71: not in the bitmap
expect count eoi-exits = 0
expect cpu 0 isr = {0x62}
cpu 0 service 10
cpu 0 eoi                        # SVI 0x62: in the bitmap
expect count eoi-exits vector=0x62 = 1
expect ioapic 10 remote-irr = 0`);
  });

  it('R11.1: in kernel vCPU 0 handles 0x00 from boot (RTE 8 at reset): an empty-ISR EOI exits with vector 0 and is forwarded', () => {
    holds(`vcpus 2
irqchip kernel
apicv on
expect cpu 0 handled = {0x00}
cpu 0 eoi
expect count eoi-exits cpu=0 vector=0 = 1
expect count eoi-broadcasts cpu=0 vector=0 = 1
cpu 1 eoi                        # vCPU 1 does not handle 0x00: virtualized, no exit
expect count eoi-exits cpu=1 = 0
expect count eoi-writes = 2`);
  });

  it('R11.1: in split, or once RTE 8 is routed elsewhere, the empty-ISR EOI stays in the guest', () => {
    holds('vcpus 1\napicv on\ncpu 0 eoi\nexpect count eoi-exits = 0\nexpect count exits = 0');
    holds(`vcpus 2
irqchip kernel
apicv on
route 8 vector=0x38 dest=1
expect cpu 0 handled = {}
cpu 0 eoi
expect count eoi-exits = 0`);
  });

  it('R3.8: without APICv an empty-ISR EOI exits but carries no vector', () => {
    holds(
      'vcpus 1\nirqchip kernel\ncpu 0 eoi\nexpect count eoi-exits = 1\nexpect count eoi-exits vector=0 = 0\nexpect count eoi-broadcasts = 0',
    );
  });
});

describe('R11.1 VMX TPR threshold', () => {
  it('R11.1: the threshold is the highest IRR class when TPR holds it back; the ISR is not consulted', () => {
    holds(`vcpus 1
msi dest=0 vector=0x61
cpu 0 sti
cpu 0 tpr 0x50
msi dest=0 vector=0x45           # blocked by TPR 0x50 and by the 0x61 in service
expect count exits = 2           # two kicks
cpu 0 tpr 0x30                   # class 3 < threshold 4: an exit, though PPR (0x60) still blocks 0x45
expect count exits = 3
expect cpu 0 irr = {0x45}`);
  });

  it('R11.1: no threshold when TPR is already below the IRR class (or IRR is empty): TPR writes do not exit', () => {
    holds(`vcpus 1
msi dest=0 vector=0x61
cpu 0 sti
msi dest=0 vector=0x45           # held back by the ISR only: TPR class 0 < 4, threshold 0
cpu 0 tpr 0x70
cpu 0 tpr 0
expect count exits = 2
expect cpu 0 irr = {0x45}`);
  });

  it('R11.1: armed only at entries that process KVM_REQ_EVENT; a TPR-below-threshold exit raises it', () => {
    holds(`vcpus 1
cpu 0 tpr 0x50
cpu 0 cli
msi dest=0 vector=0x41           # kick: KVM_REQ_EVENT, IF = 0, threshold 4
cpu 0 exit                       # an exit with no KVM_REQ_EVENT: the threshold stays 4
cpu 0 tpr 0x60                   # raising: no exit
cpu 0 tpr 0x40                   # class 4 is not below 4: no exit
expect count exits = 2
cpu 0 tpr 0x30                   # below: exit, KVM_REQ_EVENT, re-armed to 0 (TPR class 3 < 4)
expect count exits = 3
cpu 0 tpr 0x50
cpu 0 tpr 0x20
expect count exits = 3
expect cpu 0 irr = {0x41}        # IF = 0 all along`);
  });

  it('R11.1: with APICv, TPR is virtualized: no TPR-threshold exits', () => {
    holds(
      'vcpus 1\napicv on\ncpu 0 tpr 0x50\ncpu 0 cli\nmsi dest=0 vector=0x41\ncpu 0 tpr 0\nexpect count exits = 0',
    );
  });
});

describe('R2.4 / R8 x2APIC in CPUID, apart from the APIC mode', () => {
  it('R2.4: apic xapic cpuid=x2apic (QEMU default CPU, guest in xAPIC mode): LVR[24] set in split quirked', () => {
    holds('vcpus 1\napic xapic cpuid=x2apic\nexpect cpu 0 lvr = 0x1050014');
    holds('vcpus 1\napic xapic\nexpect cpu 0 lvr = 0x50014');
    holds('vcpus 1\napic xapic cpuid=x2apic\nirqchip kernel\nexpect cpu 0 lvr = 0x50014'); // R8.2
    holds('vcpus 1\napic xapic cpuid=x2apic\nkvm seoib=disabled\nexpect cpu 0 lvr = 0x50014');
  });

  it('R2.3 / R8.5: with LVR[24] an xAPIC-mode guest may set SPIV[12]; the windows profile does', () => {
    holds('vcpus 1\napic xapic cpuid=x2apic\ncpu 0 spiv 0x11ff\nexpect cpu 0 spiv = 0x11ff');
    holds('vcpus 1\napic xapic cpuid=x2apic\nguest 0 profile=windows\nrun\nexpect cpu 0 spiv = 0x11ff');
  });

  it('contract §2: x2APIC mode needs x2APIC in CPUID', () => {
    expect(() => mustParse('apic x2apic cpuid=xapic')).toThrow(/needs x2APIC in CPUID/);
  });
});
