/**
 * Corner cases of src/core that mutation testing found untested (docs/mutation.md, "Remaining
 * survivors", the gaps): APICv inhibits on xAPIC map-register writes (R4.8, R11.1), the in-kernel
 * IOAPIC's save and restore (R5.8: `irr & ~irr_delivered`, the RTC EOI tracking rebuilt), the
 * IOAPIC EOI register at its vector boundary (R6), the storm limit's deferred service exactly at
 * its deadline (R5.6 d, R6), the windows profile's deferred IOAPIC EOIs (§5, R8.5), the PV EOI
 * byte on re-enable (R9.1, R9.5) and TPR-threshold edge cases (R11.1).
 *
 * Each test was checked against at least one hand-made mutant of the function it targets (a
 * flipped condition, `>=` → `>`, a dropped statement): the mutant makes the test fail.
 */
import { describe, expect, it } from 'vitest';
import { failures, mustParse } from '../replay/testing.ts';
import type { TraceEvent } from './events.ts';
import { Machine } from './machine.ts';

const holds = (text: string) => expect(failures(text)).toEqual([]);

/** A traced machine after the scenario's actions, and the events of its last step. */
function traced(text: string): { m: Machine; last: readonly TraceEvent[] } {
  const s = mustParse(text);
  const m = Machine.boot(s.config, true);
  let last: readonly TraceEvent[] = [];
  for (const st of s.steps) last = m.apply(st.action).events;
  return { m, last };
}

describe('R4.8 / R11.1 xAPIC ID, LDR and DFR writes (apicWriteMapRegister)', () => {
  it('APIC_ID_MODIFIED stays while any xAPIC ID is modified; an ID written to its own value inhibits nothing but still rescans', () => {
    holds(`vcpus 3
apic xapic
apicv on
cpu 0 apic-id 0               # its own ID: the map is rebuilt all the same (R7.8)
expect kvm apicv = active
expect count scans = 3
cpu 1 apic-id 0x05000000
expect kvm apicv = inhibited
cpu 2 apic-id 0x06000000      # already inhibited: stays inhibited
expect kvm apicv = inhibited
cpu 1 apic-id 0x01000000      # vCPU 2 is still modified
expect kvm apicv = inhibited
msi dest=5 vector=0x41        # nobody has ID 5 any more
expect count injections = 0
cpu 2 apic-id 0x02abcdef      # bits 23:0 are not part of the ID: back to its own
expect kvm apicv = active
msi dest=2 vector=0x42
expect cpu 2 isr = {0x42}`);
  });

  it('LDR and DFR writes leave the xAPIC ID alone; the DFR write selects the cluster model for the LDR', () => {
    holds(`vcpus 2
apic xapic
apicv on
cpu 1 ldr 0x12000000          # flat: logical ID 0x12; cluster: cluster 1, member bit 1
expect kvm apicv = active     # the ID is not modified by an LDR write
cpu 1 dfr 0                   # DFR = 0x0fffffff (bits 27:0 read as 1): the cluster model
expect kvm apicv = active
msi dest=0x12 destmode=logical vector=0x43
expect cpu 1 isr = {0x43}
msi dest=1 vector=0x44        # physical ID 1 is still vCPU 1
expect cpu 1 irr = {0x44}`);
  });

  it('the highest-ISR cache is reset when APICv is re-activated: PV EOI does not arm afterwards (kvm_apic_update_apicv)', () => {
    // Inhibited, the vCPU takes 0x41 with PV EOI armed (cache = 0x41). The inhibit lifted,
    // 0x41 is EOI'd by the CPU (virtualized, no exit). An EOI-induced exit (the empty ISR: SVI 0,
    // which vCPU 0 handles for GSI 8, R5.7, R11.1) then raises KVM_REQ_EVENT: with a stale cache
    // PV EOI would arm for 0x41 and elide the next EOI.
    holds(`vcpus 2
apic xapic
irqchip kernel
apicv on
cpu 0 pv-eoi on
cpu 1 apic-id 0x05000000
expect kvm apicv = inhibited
msi dest=0 vector=0x41
expect cpu 0 isr = {0x41}
expect cpu 0 pv-eoi-pending = 1
cpu 1 apic-id 0x01000000
expect kvm apicv = active
expect cpu 0 pv-eoi-pending = 0   # the kick's exit synced it: the guest had not EOI'd
cpu 0 eoi
expect cpu 0 isr = {}
expect count eoi-exits = 0
cpu 0 eoi
expect count eoi-exits = 1
expect cpu 0 pv-eoi-pending = 0
cpu 0 eoi
expect count pv-eoi-elided = 0
expect count eoi-exits = 2`);
  });
});

describe('R5.8 save and restore of the in-kernel IOAPIC', () => {
  // RTE 8 (the RTC) logical to vCPUs 0 and 1 (x2APIC LDRs 0x1 and 0x2); vCPU 2 is no target.
  const RTC = `vcpus 3
irqchip kernel
route 8 vector=0x38 trigger=edge destmode=logical dest=0x3 mask=0
`;

  it('restore rebuilds pending_eoi from the targets that still have the RTC vector in ISR/IRR, and only from them', () => {
    holds(`${RTC}pulse 8
expect cpu 0 isr = {0x38}
expect cpu 1 isr = {0x38}
cpu 1 eoi                     # vCPU 1 settles its RTC EOI; vCPU 0 still owes one
cpu 1 iret
msi dest=2 vector=0x38        # 0x38 in service on vCPU 2, which the RTE does not target
expect cpu 2 isr = {0x38}
snapshot s
cpu 0 eoi
cpu 0 iret
cpu 2 eoi
cpu 2 iret
restore s                     # owed again by vCPU 0 only: pending_eoi = 1 (not 0, 2 or 3)
pulse 8
expect cpu 0 irr = {}         # coalesced (R11.4)
expect cpu 1 isr = {}
expect count injections vector=0x38 = 3
cpu 0 eoi                     # the one EOI owed (the dest map was rebuilt with vCPU 0)
cpu 0 iret
pulse 8                       # vCPU 2 still has 0x38 in service, but owes the RTC nothing
expect cpu 0 isr = {0x38}
expect cpu 1 isr = {0x38}
expect count injections vector=0x38 = 5`);
  });

  it('restore with no RTC interrupt owed: the next edge is delivered at once', () => {
    holds(`${RTC}pulse 8
cpu 0 eoi
cpu 0 iret
cpu 1 eoi
cpu 1 iret
snapshot s
pulse 8
restore s                     # ISRs empty again: nobody owes the EOI
pulse 8
expect cpu 0 isr = {0x38}
expect count injections vector=0x38 = 6   # counters are not rewound`);
  });

  it('KVM_GET_IRQCHIP saves irr & ~irr_delivered: a delivered edge is not raised again by the restore', () => {
    holds(`vcpus 1
irqchip kernel
route 3 vector=0x33 trigger=edge dest=0 mask=0
assert 3                      # delivered: irr_delivered[3] = 1, the line stays high
cpu 0 eoi
cpu 0 iret
snapshot s
restore s
expect count injections = 1
expect cpu 0 irr = {}
expect cpu 0 isr = {}
expect ioapic 3 irr = 0       # KVM_SET_IRQCHIP zeroed it and re-raised nothing
expect ioapic 3 line = 1`);
  });

  it.each(['kernel', 'split'])(
    '%s: restore re-indexes the RTE vectors: an EOI of the restored vector clears remote IRR',
    (irqchip) => {
      holds(`vcpus 1
irqchip ${irqchip}
route 10 vector=0x62 trigger=level dest=0 mask=0
snapshot s
route 10 vector=0x72 mask=1
restore s
assert 10
expect cpu 0 isr = {0x62}
cpu 0 service 10
cpu 0 eoi
expect ioapic 10 remote-irr = 0`);
    },
  );

  it('restore recalculates the APIC map from the restored xAPIC IDs and lifts APIC_ID_MODIFIED', () => {
    holds(`vcpus 2
apic xapic
irqchip kernel
apicv on
snapshot s
cpu 1 apic-id 0x07000000
expect kvm apicv = inhibited
restore s
expect kvm apicv = active
msi dest=7 vector=0x41
expect count injections = 0
msi dest=1 vector=0x42
expect cpu 1 isr = {0x42}`);
  });
});

describe('R6 the IOAPIC EOI register (ioapicDirectedEoi)', () => {
  it('0xff is a vector: it clears the remote IRR of a level pin with RTE vector 0xff', () => {
    holds(`vcpus 1
irqchip split
ioapic version=0x20
route 5 vector=0xff trigger=level dest=0 mask=0
assert 5
expect cpu 0 isr = {0xff}
cpu 0 service 5
cpu 0 ioapic-eoi 0xff
expect ioapic 5 remote-irr = 0
expect count directed-eois = 1
expect count directed-eois cpu=0 vector=0xff = 1`);
  });

  it('0x100 and above match no RTE (the value is not masked to 8 bits) and count under no vector', () => {
    const { m } = traced(`vcpus 2
irqchip split
route 5 vector=0x00 trigger=level dest=0 mask=0
route 6 vector=0x62 trigger=level dest=0 mask=0
assert 5
assert 6
cpu 0 service 5
cpu 0 service 6
cpu 0 ioapic-eoi 0x100
cpu 0 ioapic-eoi 0x162
`);
    expect(m.state.ioapic.rte[5].remoteIrr).toBe(1);
    expect(m.state.ioapic.rte[6].remoteIrr).toBe(1);
    holds(`vcpus 2
irqchip split
cpu 0 ioapic-eoi 0x100
expect count directed-eois = 1
expect count directed-eois cpu=0 = 1
expect count directed-eois cpu=1 = 0
expect count directed-eois vector=0x0 = 0`);
  });

  it('version 0x11 and the in-kernel IOAPIC have no EOI register', () => {
    for (const config of ['irqchip split\nioapic version=0x11', 'irqchip kernel'])
      holds(`vcpus 1
${config}
route 5 vector=0x62 trigger=level dest=0 mask=0
assert 5
cpu 0 service 5
cpu 0 ioapic-eoi 0x62
expect ioapic 5 remote-irr = 1
expect count directed-eois = 0`);
  });
});

describe("R5.6 d / R6 the storm limit's deferred service, exactly at its deadline", () => {
  it.each(['split', 'kernel'])(
    '%s: due at 10 ms after the EOI, inclusive; a later storm gets a new deadline',
    (irqchip) => {
      // Every action advances time by 1 µs before it runs (§4): the EOI at T defers to T + 10 ms.
      holds(`vcpus 1
irqchip ${irqchip}
kvm storm-limit=1
route 5 vector=0x62 trigger=level dest=0 mask=0
assert 5
cpu 0 eoi                     # the line is still high: the first successive EOI is the limit
expect ioapic 5 remote-irr = 0
expect count storms = 1
expect count reinjections = 0
wait 9998us                   # T + 9999 µs: not yet
expect ioapic 5 remote-irr = 0
expect cpu 0 irr = {}
cpu 0 cli                     # T + 10 ms exactly: due
expect ioapic 5 remote-irr = 1
expect cpu 0 irr = {0x62}     # IF is 0 inside the handler: pending
cpu 0 iret
expect cpu 0 isr = {0x62}
cpu 0 eoi                     # a second storm: deferred again by 10 ms from now
expect ioapic 5 remote-irr = 0
expect count storms = 2
wait 5ms
expect ioapic 5 remote-irr = 0
wait 4998us
expect ioapic 5 remote-irr = 1`);
    },
  );

  it("split: the deferred service is QEMU's: remote IRR is set before delivery, even when nobody accepts", () => {
    // The RTE targets APIC ID 7, which does not exist; the directed EOI starts the storm.
    holds(`vcpus 1
irqchip split
kvm storm-limit=1
route 5 vector=0x62 trigger=level dest=7 mask=0
assert 5
expect ioapic 5 remote-irr = 1
cpu 0 ioapic-eoi 0x62
expect ioapic 5 remote-irr = 0
expect count storms = 1
wait 10ms
expect ioapic 5 remote-irr = 1
expect count injections = 0`);
  });
});

describe('R7.4 / R9.3 / R11.1 entries (vcpuEnterGuest)', () => {
  // Not tested: R7.4's dropped KVM_EXIT_IOAPIC_EOI (pending vector no longer handled at the entry).
  // Only the vCPU's own entry scans, and it checks KVM_REQ_IOAPIC_EOI_EXIT before
  // KVM_REQ_SCAN_IOAPIC; kvm_ioapic_send_eoi() tested the vector just before raising it, so the
  // vector is always still handled there (ioapicEoiExit's test forced true survives everything).
  it('an entry that processes KVM_REQ_EVENT on a software-disabled APIC injects, but neither re-arms the TPR threshold nor PV EOI (kvm_lapic_enabled)', () => {
    holds(`vcpus 1
cpu 0 pv-eoi on
cpu 0 tpr 0x50
msi dest=0 vector=0x41        # blocked by TPR: threshold armed at class 4
expect cpu 0 irr = {0x41}
cpu 0 spiv 0xff               # software-disabled: the pending vector stays in IRR
expect count exits = 3
cpu 0 tpr 0x30                # below the threshold: an exit, KVM_REQ_EVENT, 0x41 injected from IRR
expect count exits = 4
expect cpu 0 isr = {0x41}
expect cpu 0 pv-eoi-pending = 0
cpu 0 tpr 0x20                # the threshold is still class 4: another exit
expect count exits = 5`);
  });
});

describe('§5 / R8.5 the windows profile defers the IOAPIC EOI (handlerScript)', () => {
  const WINDOWS = `vcpus 1
kvm seoib=enabled
guest 0 profile=windows
route 5 vector=0xa2 trigger=level dest=0 mask=0
route 6 vector=0xa2 trigger=level dest=0 mask=0
run                           # boot: SPIV[12]
`;

  it('a second interrupt of the vector while its task is queued and not started queues no second task', () => {
    holds(`${WINDOWS}assert 5
assert 6                      # 0xa2 again: pending in IRR behind the one in service
expect cpu 0 irr = {0xa2}
run                           # eoi, iret; eoi, iret; then one task: service 5, service 6, ioapic-eoi 0xa2
expect ioapic 5 remote-irr = 0
expect ioapic 6 remote-irr = 0
expect count injections = 2
expect count directed-eois = 1
expect count ioapic-eoi-exits = 0`);
  });

  it('an interrupt of the vector taken once its task has started gets a task of its own', () => {
    holds(`${WINDOWS}assert 5
run 3                         # eoi, iret, and the task's first step: service 5 (its script is now fixed)
expect ioapic 5 line = 0
expect count directed-eois = 0
assert 6                      # taken at once
deassert 6                    # the device drops the line by itself: no task will service it
expect cpu 0 isr = {0xa2}
run                           # eoi, iret, the first task's ioapic-eoi, then the second task's
expect ioapic 5 remote-irr = 0
expect ioapic 6 remote-irr = 0
expect count directed-eois = 2`);
  });

  it('edge interrupts and linux guests are not deferred', () => {
    holds(`${WINDOWS}msi dest=0 vector=0xa2
run
expect count directed-eois = 0
expect count eoi-writes = 1`);
    holds(`vcpus 1
kvm seoib=enabled
guest 0 profile=linux
route 5 vector=0xa2 trigger=level dest=0 mask=0
run
assert 5
run
expect ioapic 5 remote-irr = 0
expect count directed-eois = 0
expect count ioapic-eoi-exits = 1`);
  });
});

describe('R9.1 / R9.5 the PV EOI MSR (kvmLapicSetPvEoi)', () => {
  it('re-enabling starts with the guest byte at 0; disabling leaves it as it is', () => {
    // host-pv-eoi clears the enable bit with PV EOI armed; the fix drops the pending one at the
    // next exit and leaves the guest byte at 1 (R9.5).
    const armedThenDropped = `vcpus 1
cpu 0 pv-eoi on
msi dest=0 vector=0x31
expect cpu 0 pv-eoi-pending = 1
host-pv-eoi 0 off
cpu 0 exit
expect cpu 0 pv-eoi-pending = 0
expect cpu 0 isr = {0x31}
`;
    holds(`${armedThenDropped}cpu 0 pv-eoi on
cpu 0 eoi                     # the byte is 0: a real EOI write
expect count pv-eoi-elided = 0
expect count eoi-writes = 1
expect cpu 0 isr = {}`);
    holds(`${armedThenDropped}cpu 0 pv-eoi off
cpu 0 eoi                     # the guest's byte still says "no EOI needed"
expect count pv-eoi-elided = 1
expect count eoi-writes = 0`);
  });
});

describe('R2.3 SPIV writes (apicSetSpiv)', () => {
  it('only a toggle of bit 8 recalculates the map; bit 12 is dropped while LVR[24] is clear', () => {
    holds(`vcpus 2
irqchip kernel
cpu 0 spiv 0x1ff              # unchanged
cpu 0 spiv 0x3ff              # the focus bit only
expect count scans = 0
expect cpu 0 spiv = 0x3ff
cpu 0 spiv 0x11ff             # SEOIB not advertised in kernel (quirked): bit 12 dropped
expect cpu 0 spiv = 0x1ff
expect count scans = 0
cpu 0 spiv 0xff               # software-disabled: the map is recalculated, every vCPU rescans
expect count scans = 2
cpu 0 spiv 0x1ff
expect count scans = 4`);
  });

  it('the kvm_apic event says when bit 12 was dropped', () => {
    const spivEvent = (config: string, value: string) => {
      const { last } = traced(`vcpus 1\n${config}\ncpu 0 spiv ${value}\n`);
      return last.find((e) => e.type === 'kvm_apic')?.fields;
    };
    expect(spivEvent('irqchip kernel', '0x11ff')).toMatchObject({
      value: 0x1ff,
      requested: 0x11ff,
      dropped: true,
    });
    expect(spivEvent('irqchip kernel', '0x1ff')).toMatchObject({ dropped: false });
    expect(spivEvent('kvm seoib=enabled', '0x11ff')).toMatchObject({ value: 0x11ff, dropped: false });
  });
});

describe('R3.2 / R11.1 TPR writes (apicSetTpr and the TPR threshold)', () => {
  it('the threshold is armed when TPR is in the IRR class; a write into that class does not exit, one below it does', () => {
    holds(`vcpus 1
cpu 0 tpr 0x40
msi dest=0 vector=0x41        # class 4 is not above TPR class 4: pending; threshold = 4
expect cpu 0 irr = {0x41}
expect count exits = 1        # the MSI's kick
cpu 0 tpr 0x4f                # still class 4: not below the threshold, no exit
expect count exits = 1
expect cpu 0 irr = {0x41}
expect cpu 0 ppr = 0x4f
cpu 0 tpr 0x3f                # class 3: TPR_BELOW_THRESHOLD, then the injection
expect count exits = 2
expect cpu 0 isr = {0x41}
expect cpu 0 ppr = 0x40`);
  });

  it('TPR keeps the low 8 bits of the written value', () => {
    holds(`vcpus 1
cpu 0 tpr 0x150
expect cpu 0 tpr = 0x50
msi dest=0 vector=0x51
expect cpu 0 irr = {0x51}`);
  });
});

describe('R5.8 / R10.4 c restore under Secure AVIC', () => {
  it('rebuilds no RTC tracking: after a retarget the old vCPU does not keep the old RTC vector handled', () => {
    holds(`vcpus 2
irqchip kernel
secure-avic on
route 8 vector=0x38 trigger=level dest=0 mask=0
assert 8
expect cpu 0 shadow-isr = {0x38}   # a level vector: KVM's shadow ISR has it (R10.2)
snapshot s
restore s
route 8 vector=0x39 dest=1
expect cpu 0 handled lacks 0x38
expect cpu 1 handled has 0x39`);
  });
});
