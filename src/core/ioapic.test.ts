/** The in-kernel IOAPIC (R5) and QEMU's userspace IOAPIC (R6). */
import { describe, expect, it } from 'vitest';
import { failures } from '../replay/testing.ts';

const holds = (text: string) => expect(failures(text)).toEqual([]);

describe('R5 in-kernel IOAPIC', () => {
  it.each(['kernel', 'split'])(
    'R5.6 d / R6 (%s): a second storm while one is deferred keeps the earlier deadline; the service then takes both pins',
    (irqchip) => {
      holds(`vcpus 2
irqchip ${irqchip}
kvm storm-limit=1
route 5 vector=0x62 trigger=level dest=0 mask=0
route 6 vector=0x63 trigger=level dest=1 mask=0
assert 5
assert 6
cpu 0 eoi
expect ioapic 5 remote-irr = 0
expect count storms = 1
wait 5ms
cpu 1 eoi
expect ioapic 6 remote-irr = 0
expect count storms = 2
wait 6ms
expect ioapic 5 remote-irr = 1
expect ioapic 6 remote-irr = 1`);
    },
  );

  it('R3.8: an EOI with nothing in service is traced and counted under no vector', () => {
    holds(`vcpus 1
irqchip kernel
cpu 0 eoi
expect count empty-eois = 1
expect count eoi-exits = 1
expect count eoi-exits vector=0x1 = 0`);
  });

  it('S1 / R5.3–R5.6: a level IRQ end to end, handler deasserts before the EOI', () => {
    holds(`vcpus 2
irqchip kernel
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
expect ioapic 10 irr = 1
expect ioapic 10 remote-irr = 1
expect cpu 0 isr = {0x62}
expect cpu 0 tmr = {0x62}
expect cpu 0 handled = {0x0, 0x62}   # GSI 8 (vector 0, dest 0) is always scanned (R5.7)
cpu 0 service 10
expect ioapic 10 irr = 0
expect ioapic 10 remote-irr = 1
cpu 0 eoi
expect ioapic 10 remote-irr = 0
expect count eoi-broadcasts = 1
expect count reinjections = 0
expect count injections = 1`);
  });

  it('R5.3 step 4: an edge pin already high is coalesced (no edge detector trips twice)', () => {
    holds(`vcpus 1
irqchip kernel
route 4 vector=0x44 trigger=edge dest=0 mask=0
assert 4
cpu 0 eoi
cpu 0 iret
assert 4
expect count injections = 1
deassert 4
assert 4
expect count injections = 2`);
  });

  it('R5.4: a masked pin keeps irr set and delivers nothing; unmask of a level pin injects (R5.5 step 5)', () => {
    holds(`vcpus 1
irqchip kernel
route 10 vector=0x62 trigger=level dest=0
assert 10
expect ioapic 10 irr = 1
expect count injections = 0
unmask 10
expect count injections = 1
expect ioapic 10 remote-irr = 1`);
  });

  it('S15 b / R5.5: an edge that arrived while masked is not delivered on unmask', () => {
    holds(`vcpus 1
irqchip kernel
route 4 vector=0x44 trigger=edge dest=0
assert 4
unmask 4
expect count injections = 0
expect ioapic 4 irr = 1`);
  });

  it('R5.6: EOI with the line still high re-injects at once; the storm limit defers by 10 ms', () => {
    holds(`vcpus 1
irqchip kernel
kvm storm-limit=3
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
cpu 0 eoi
cpu 0 iret
cpu 0 eoi
cpu 0 iret
expect count reinjections pin=10 = 2
expect count injections = 3
cpu 0 eoi
cpu 0 iret
expect count storms pin=10 = 1
expect ioapic 10 remote-irr = 0
expect ioapic 10 irr = 1
expect count injections = 3
wait 9ms
expect count injections = 3
wait 1ms
expect count injections = 4`);
  });

  it('R5.6: an edge EOI (TMR clear) of a shared vector leaves remote IRR stuck', () => {
    holds(`vcpus 1
irqchip kernel
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
cpu 0 service 10
cpu 0 sti
msi dest=0 vector=0x62          # same vector, edge: TMR[0x62] := 0 while the level one is in service
cpu 0 eoi
expect ioapic 10 remote-irr = 1
expect count eoi-broadcasts = 1`);
  });

  it('S13 / R5.5 step 3: rewriting the RTE as edge clears a stuck remote IRR', () => {
    holds(`vcpus 1
irqchip kernel
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
expect ioapic 10 remote-irr = 1
route 10 mask=1
route 10 trigger=edge
expect ioapic 10 remote-irr = 0
route 10 trigger=level
cpu 0 eoi
cpu 0 iret
unmask 10                        # the line is still high: KVM injects at once
expect count injections = 2
expect ioapic 10 remote-irr = 1`);
  });

  it('R5.5 step 6: a Fixed RTE write asks the old and new destination vCPUs to scan', () => {
    holds(`vcpus 4
irqchip kernel
route 10 vector=0x62 trigger=level dest=1 mask=0
expect count scans cpu=1 = 1
expect count scans cpu=0 = 1      # old dest 0 (the reset RTE)
expect count scans cpu=2 = 0
route 10 dest=2
expect count scans cpu=1 = 2
expect count scans cpu=2 = 1
expect count scans cpu=3 = 0
route 10 delivery=lowest
expect count scans cpu=3 = 1      # not Fixed: every vCPU`);
  });

  it('R5.7: masked level RTEs are still scanned in-kernel', () => {
    holds(
      'vcpus 2\nirqchip kernel\nroute 10 vector=0x62 trigger=level dest=1\nexpect cpu 1 handled = {0x62}',
    );
  });

  it('R11.4 / R5.3 step 3: RTC (pin 8) interrupts coalesce until every target EOIs', () => {
    holds(`vcpus 1
irqchip kernel
route 8 vector=0x38 trigger=edge dest=0 mask=0
pulse 8
expect cpu 0 handled = {0x38}
pulse 8
expect count injections = 1
cpu 0 eoi
cpu 0 iret
pulse 8
expect count injections = 2`);
  });

  it('R5.8 / §4: restore re-injects the saved irr in-kernel and rebuilds scans', () => {
    holds(`vcpus 1
irqchip kernel
route 10 vector=0x62 trigger=level dest=0
assert 10
snapshot s
deassert 10
unmask 10
expect count injections = 0
restore s
expect ioapic 10 line = 1
expect ioapic 10 irr = 1
expect ioapic 10 mask = 1
unmask 10
expect count injections = 1`);
  });

  it('R5.2: the in-kernel IOAPIC reads version 0x11 and ignores writes at 0x40', () => {
    holds(`vcpus 1
irqchip kernel
expect ioapic version = 0x170011
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
cpu 0 ioapic-eoi 0x62
expect ioapic 10 remote-irr = 1
expect count directed-eois = 0
expect count exits = 3            # the route's scan kick, the delivery's kick, the MMIO write`);
  });
});

describe('R6 QEMU userspace IOAPIC (split)', () => {
  it('R6 / R8.1: the EOI register takes vectors up to 0xff; a larger value is counted and matches no pin', () => {
    holds(`vcpus 1
ioapic version=0x20
kvm seoib=enabled
route 5 vector=0xff trigger=level dest=0 mask=0
cpu 0 seoib on
assert 5
cpu 0 service 5
cpu 0 eoi
expect ioapic 5 remote-irr = 1      # SPIV[12]: the LAPIC EOI was not broadcast
cpu 0 ioapic-eoi 0x1ff
expect ioapic 5 remote-irr = 1
expect count directed-eois = 1
expect count directed-eois vector=0xff = 0
cpu 0 ioapic-eoi 0xff
expect ioapic 5 remote-irr = 0
expect count directed-eois vector=0xff = 1`);
  });

  it('R6: version 0x20 by default, 0x11 when configured', () => {
    holds('vcpus 1\nexpect ioapic version = 0x170020');
    holds('vcpus 1\nioapic version=0x11\nexpect ioapic version = 0x170011');
  });

  it('R6: every level-1 input on an unmasked edge pin fires (no edge detector)', () => {
    holds(
      'vcpus 1\nroute 4 vector=0x44 trigger=edge dest=0 mask=0\nassert 4\ncpu 0 eoi\ncpu 0 iret\nassert 4\nexpect count injections = 2\nexpect ioapic 4 irr = 0',
    );
  });

  it('S15 c / R6: an edge on a masked pin is discarded outright', () => {
    holds(
      'vcpus 1\nroute 4 vector=0x44 trigger=edge dest=0\nassert 4\nexpect ioapic 4 irr = 0\nunmask 4\nexpect count injections = 0',
    );
  });

  it('R6: remote IRR is set before delivery, even when no vCPU matches', () => {
    holds(
      'vcpus 2\nroute 10 vector=0x62 trigger=level dest=5 mask=0\nassert 10\nexpect ioapic 10 remote-irr = 1\nexpect count injections = 0',
    );
  });

  it('R6 / R7.4: a level EOI becomes KVM_EXIT_IOAPIC_EOI; QEMU clears remote IRR and re-injects while the line is high', () => {
    holds(`vcpus 1
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
cpu 0 eoi
expect count ioapic-eoi-exits vector=0x62 = 1
expect count reinjections pin=10 = 1
expect ioapic 10 remote-irr = 1
cpu 0 iret
cpu 0 service 10
cpu 0 eoi
expect ioapic 10 remote-irr = 0
expect count ioapic-eoi-exits = 2`);
  });

  it('R6: an RTE write resets the storm counter and services pending pins', () => {
    holds(`vcpus 1
kvm storm-limit=2
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
cpu 0 eoi
cpu 0 iret
route 10 dest=0
cpu 0 eoi
cpu 0 iret
expect count storms = 0
expect count reinjections = 2
cpu 0 eoi
expect count storms = 1`);
  });

  it('R6 / R8.1: the EOI register at 0x40 clears remote IRR of matching level pins (version 0x20 only)', () => {
    holds(`vcpus 1
kvm seoib=enabled
cpu 0 seoib on
route 5 vector=0xa2 trigger=level dest=0 mask=0
assert 5
cpu 0 eoi
expect ioapic 5 remote-irr = 1
cpu 0 service 5
cpu 0 ioapic-eoi 0xa2
expect ioapic 5 remote-irr = 0
expect count directed-eois vector=0xa2 = 1`);
    holds(`vcpus 1
ioapic version=0x11
route 5 vector=0xa2 trigger=level dest=0 mask=0
assert 5
cpu 0 service 5
cpu 0 ioapic-eoi 0xa2
expect ioapic 5 remote-irr = 1
expect count directed-eois = 0`);
  });
});

describe('R5.5 step 6: who rescans after an RTE write', () => {
  it('a new Fixed destination: the old one rescans too and drops the vector from its handled vectors', () => {
    // ioapic_write_indirect(): kvm_bitmap_or_dest_vcpus() for the new entry, and for the old
    // dest id (with the new dest mode, as KVM does) when the destination changed.
    holds(`vcpus 3
irqchip kernel
route 5 vector=0x62 trigger=level dest=1 mask=0
expect cpu 1 handled = {0x62}
route 5 vector=0x62 trigger=level dest=2 mask=0
expect cpu 1 handled = {}
expect cpu 2 handled = {0x62}`);
  });
});

describe('R5.5 / R6 the guest rewrites an RTE itself (IOREGSEL/IOWIN, two halves)', () => {
  it('R5.5 / R6: the low word carries the delivery mode: a lowest-priority entry written by the guest hashes to one vCPU', () => {
    for (const irqchip of ['kernel', 'split'])
      holds(`vcpus 2
irqchip ${irqchip}
cpu 0 ioapic-rte 5 vector=0x63 trigger=edge dest=0x3 destmode=logical delivery=lowest mask=0
pulse 5
expect count injections = 1
expect cpu 1 isr = {0x63}          # 0x63 mod 2 = 1: bit 1, vCPU 1`);
  });

  it('R5.5 / R6: pin 0 is IOREGSEL 0x10 and 0x11, the first RTE registers (not the ID, version or arbitration ones)', () => {
    for (const irqchip of ['split', 'kernel'])
      holds(`vcpus 1
irqchip ${irqchip}
cpu 0 ioapic-rte 0 vector=0x45 trigger=level dest=0 mask=0
assert 0
expect cpu 0 isr = {0x45}
expect ioapic 0 remote-irr = 1`);
  });

  const retarget = (irqchip: string) => `vcpus 2
irqchip ${irqchip}
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
cpu 0 service 10
cpu 0 ioapic-rte 10 dest=1
`;

  it('R5.5 / R6: four MMIO writes, four exits on the writer (IOREGSEL and IOWIN for each half)', () => {
    for (const irqchip of ['split', 'kernel'])
      holds(`${retarget(irqchip)}
expect count exits cpu=0 = 6     # the route's scan kick, the delivery kick, then 4 MMIO writes
expect ioapic 10 dest = 1
expect ioapic 10 remote-irr = 1  # read-only for the guest`);
  });

  it('R5.5 step 6: in kernel the high half scans the old and the new destination, the low half only the new one', () => {
    holds(`${retarget('kernel')}
expect cpu 0 stale = 0x62        # vCPU 0 rescanned after the high half: 0x62 in service, no longer routed here
expect count scans cpu=0 = 2     # the route, then the high half only
expect count scans cpu=1 = 2     # the high half and the low half (the route asked only vCPU 0)`);
  });

  it('R6: in split QEMU refreshes the routes and services after each half: every vCPU scans twice', () => {
    holds(`${retarget('split')}
expect cpu 0 stale = 0x62
expect count scans cpu=0 = 3
expect count scans cpu=1 = 3`);
  });

  it('R5.5: the high half goes first (Linux ioapic_write_entry()): an unmasking write delivers to the new destination', () => {
    holds(`vcpus 2
irqchip kernel
route 10 vector=0x62 trigger=level dest=0 mask=1
assert 10
cpu 1 ioapic-rte 10 dest=1 mask=0
expect cpu 1 isr = {0x62}
expect cpu 0 isr = {}
expect count injections = 1`);
  });

  it('R5.5 step 3: rewriting level→edge→level while masked clears a stuck remote IRR (the Linux trick, S13)', () => {
    holds(`vcpus 1
irqchip kernel
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
cpu 0 service 10
expect ioapic 10 remote-irr = 1
cpu 0 ioapic-rte 10 mask=1
cpu 0 ioapic-rte 10 trigger=edge
expect ioapic 10 remote-irr = 0
cpu 0 ioapic-rte 10 trigger=level mask=0
expect ioapic 10 remote-irr = 0`);
  });

  it('R9.4: each MMIO exit syncs PV EOI: a pending PV EOI is applied at the first one', () => {
    holds(`vcpus 1
cpu 0 pv-eoi on
msi dest=0 vector=0x31
cpu 0 eoi                        # elided: the byte was armed
expect cpu 0 isr = {0x31}
cpu 0 ioapic-rte 3 mask=1
expect count pv-eoi-applied = 1
expect cpu 0 isr = {}`);
  });

  it('the interrupts-off section: IF is restored, and a pending interrupt then opens a window', () => {
    holds(`vcpus 1
irqchip kernel
route 10 vector=0x62 trigger=level dest=0 mask=1
assert 10
cpu 0 ioapic-rte 10 mask=0       # unmasked in the low half, with IF = 0: taken after the writes
expect cpu 0 isr = {0x62}
expect cpu 0 if = 0              # inside the handler
expect count injections = 1`);
  });
});

describe('R11.4 RTC (GSI 8) coalescing', () => {
  it('in kernel, a second RTC edge while a vCPU owes the EOI is coalesced, and delivered after it', () => {
    holds(`vcpus 2
irqchip kernel
route 8 vector=0x28 trigger=edge dest=0 mask=0
pulse 8
pulse 8
expect count injections vector=0x28 = 1
expect cpu 0 irr = {}
cpu 0 eoi
cpu 0 iret
pulse 8
expect count injections vector=0x28 = 2`);
  });

  it('only an EOI by a vCPU that owes the RTC vector settles it (rtc_irq_eoi checks the dest map)', () => {
    // vCPU 1 EOIs 0x28 for pin 9; the IOAPIC sees that EOI, but vCPU 0 still owes the RTC one.
    holds(`vcpus 2
irqchip kernel
route 8 vector=0x28 trigger=edge dest=0 mask=0
route 9 vector=0x28 trigger=level dest=1 mask=0
pulse 8
assert 9
expect cpu 1 isr = {0x28}
cpu 1 service 9
cpu 1 eoi
expect ioapic 9 remote-irr = 0
pulse 8
expect cpu 0 irr = {}
expect count injections vector=0x28 = 2`);
  });

  it('R5.8: a restore in kernel raises the saved IRR again (kvm_set_ioapic: irr cleared, then every saved pin injected)', () => {
    holds(`vcpus 1
irqchip kernel
route 5 vector=0x55 trigger=level dest=0 mask=1
assert 5
snapshot a
deassert 5
restore a
expect ioapic 5 irr = 1
route 5 vector=0x55 trigger=level dest=0 mask=0
expect cpu 0 isr = {0x55}`);
  });

  it('R5.8: a restore rebuilds who owes the RTC EOI from the restored APICs (kvm_rtc_eoi_tracking_restore_all)', () => {
    const rtc = 'vcpus 2\nirqchip kernel\nroute 8 vector=0x28 trigger=edge dest=0 mask=0\n';
    // Restored with 0x28 in service: owed again, so the next edge is coalesced until the EOI.
    holds(`${rtc}pulse 8
snapshot owed
cpu 0 eoi
cpu 0 iret
restore owed
expect cpu 0 isr = {0x28}
pulse 8
expect cpu 0 irr = {}
cpu 0 eoi
cpu 0 iret
pulse 8
expect cpu 0 isr = {0x28}`);
    // Restored from before the first edge: nothing owed, the next edge is delivered.
    holds(`${rtc}snapshot clean\npulse 8\nrestore clean\npulse 8\nexpect cpu 0 isr = {0x28}`);
  });

  it('applies to GSI 8 only, in kernel only, and not under Secure AVIC (R10.4 c)', () => {
    holds(`vcpus 1
irqchip kernel
route 7 vector=0x27 trigger=edge dest=0 mask=0
pulse 7
pulse 7
expect cpu 0 irr = {0x27}`);
    holds(`vcpus 1
irqchip split
route 8 vector=0x28 trigger=edge dest=0 mask=0
pulse 8
pulse 8
expect cpu 0 irr = {0x28}`);
    holds(`vcpus 1
irqchip kernel
secure-avic on
route 8 vector=0x28 trigger=edge dest=0 mask=0
pulse 8
pulse 8
expect cpu 0 irr = {0x28}`);
  });

  it('R5.7: a vCPU that owes the RTC EOI keeps the RTC vector in its handled vectors after a retarget', () => {
    holds(`vcpus 2
irqchip kernel
route 8 vector=0x28 trigger=edge dest=0 mask=0
pulse 8
expect cpu 0 handled has 0x28
route 8 vector=0x29 dest=1
expect cpu 0 handled has 0x28
expect cpu 1 handled has 0x29`);
  });
});
