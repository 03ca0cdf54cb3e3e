/** KVM's optimized APIC map and its two delivery paths (R4.8), and the x2APIC API flags (R4.1, R4.9). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { failures, mustParse } from '../replay/testing.ts';
import { apicMapSummary } from './apicmap.ts';
import { bitmapTest } from './bitmap.ts';
import { kvmApicMatchDest } from './delivery.ts';
import { kvmRecalculateApicMap } from './lapic.ts';
import { Machine } from './machine.ts';

const holds = (text: string) => expect(failures(text)).toEqual([]);

function machineAfter(text: string): Machine {
  const s = mustParse(text);
  const m = Machine.boot(s.config, true);
  for (const st of s.steps) m.apply(st.action);
  return m;
}

describe('R4.8 the optimized map', () => {
  it('R4.8: at boot the map is valid; x2APIC logical mode, or sw-disabled in xAPIC (LDR 0)', () => {
    expect(machineAfter('vcpus 3').state.vm.apicMap).toMatchObject({ valid: true, logicalMode: 'x2apic' });
    expect(machineAfter('vcpus 3\napic xapic').state.vm.apicMap).toMatchObject({
      valid: true,
      logicalMode: 'sw-disabled',
    });
  });

  it('R4.8: the map is rebuilt at every write that can change it (ID, LDR, DFR, SPIV bit 8)', () => {
    const m = machineAfter('vcpus 2\napic xapic\ncpu 0 ldr 0x1000000\ncpu 1 ldr 0x2000000');
    expect(m.state.vm.apicMap.logicalMode).toBe('xapic-flat');
    expect(Array.from(m.state.vm.apicMap.flat.slice(0, 2))).toEqual([0, 1]);
    m.apply({ kind: 'cpu', cpu: 1, op: { op: 'dfr', value: 0x0fffffff } });
    expect(m.state.vm.apicMap.logicalMode).toBe('disabled');
    expect(m.state.vm.apicMap.logicalDisabledWhy).toMatch(/vCPU 1 is in xapic-cluster mode/);
    m.apply({ kind: 'cpu', cpu: 1, op: { op: 'spiv', value: 0xff } });
    expect(m.state.vm.apicMap.logicalMode).toBe('xapic-flat'); // a sw-disabled APIC brings no mode
    m.apply({ kind: 'cpu', cpu: 0, op: { op: 'apic-id', value: 0x1000000 } });
    expect(m.state.vm.apicMap.valid).toBe(false);
    expect(m.state.vm.apicMap.invalidWhy).toMatch(/physical ID 0x1 is held by vCPUs 0 and 1/);
  });

  it('R4.8: lowest priority hashes over the mask bits in bit order, not over the matching vCPUs', () => {
    // LDR bits in reverse vCPU order: bit 1 is vCPU 2. 0x51 mod 4 = 1.
    holds(`vcpus 4
apic xapic
cpu 0 ldr 0x8000000
cpu 1 ldr 0x4000000
cpu 2 ldr 0x2000000
cpu 3 ldr 0x1000000
cpu 0 cli
cpu 1 cli
cpu 2 cli
cpu 3 cli
msi dest=0xf vector=0x51 destmode=logical delivery=lowest
expect cpu 2 irr = {0x51}
expect cpu 1 irr = {}            # the slow path's candidate list would have picked vCPU 1`);
  });

  it('R4.8: an empty chosen slot drops a lowest-priority message (fast path), the slow path would not', () => {
    // x2APIC cluster 0, mask 0b101: bit 2 (vCPU 2) does not exist. 0x31 mod 2 = 1 → bit 2.
    holds(`vcpus 2
msi dest=0x5 vector=0x31 destmode=logical delivery=lowest
expect count injections = 0
expect cpu 0 irr = {}
msi dest=0x5 vector=0x32 destmode=logical delivery=lowest   # 0x32 mod 2 = 0 → bit 0, vCPU 0
expect count injections cpu=0 vector=0x32 = 1`);
  });

  it('R4.8: building the logical map: an empty cluster mask takes no slot, a logical ID held twice disables the map', () => {
    holds(`vcpus 2
apic xapic
cpu 0 dfr 0x0fffffff
cpu 1 dfr 0x0fffffff
cpu 0 ldr 0x01000000
cpu 1 ldr 0x10000000
msi dest=0x08 destmode=logical vector=0x31
expect count injections = 0`);
    // kvm_recalculate_logical_map(): the second holder of logical ID 1 disables it; the slow path finds both.
    holds(`vcpus 2
apic xapic
cpu 0 ldr 0x01000000
cpu 1 ldr 0x01000000
msi dest=0x01 destmode=logical vector=0x31
expect count injections = 2`);
  });

  it('R4.8: the map as the inspector and --json show it (apicMapSummary)', () => {
    const summary = (text: string) => apicMapSummary(machineAfter(text).state.vm.apicMap);
    expect(
      summary('vcpus 3\napic xapic\ncpu 0 ldr 0x1000000\ncpu 1 ldr 0x4000000\ncpu 2 apic-id 0x7000000'),
    ).toEqual({
      state: 'valid',
      invalidWhy: null,
      maxApicId: 255,
      logicalMode: 'xapic-flat',
      logicalDisabledWhy: null,
      apicIdModified: 'vCPU 2 has xAPIC ID 0x7, not its vCPU index',
      physicalSlots: 3,
      physicalNotIdentity: [{ id: 7, cpu: 2 }],
      xapicFlat: [
        { bit: 0, cpu: 0 },
        { bit: 2, cpu: 1 },
      ],
      xapicCluster: [],
    });
    expect(
      summary(
        'vcpus 2\napic xapic\ncpu 0 dfr 0x0fffffff\ncpu 1 dfr 0x0fffffff\ncpu 0 ldr 0x12000000\ncpu 1 ldr 0x01000000',
      ),
    ).toMatchObject({
      logicalMode: 'xapic-cluster',
      xapicFlat: [],
      xapicCluster: [
        { cluster: 0, bit: 0, cpu: 1 },
        { cluster: 1, bit: 1, cpu: 0 },
      ],
    });
    expect(summary('vcpus 2\napic xapic\ncpu 1 apic-id 0')).toEqual({
      state: 'invalid',
      invalidWhy:
        'physical ID 0x0 is held by vCPUs 0 and 1 (without 32-bit IDs an aliased ID leaves KVM no map)',
      maxApicId: 255,
      logicalMode: 'disabled',
      logicalDisabledWhy: null,
      apicIdModified: 'vCPU 1 has xAPIC ID 0x0, not its vCPU index',
      physicalSlots: 0,
      physicalNotIdentity: [],
      xapicFlat: [],
      xapicCluster: [],
    });
  });

  it('R4.8: the logical lookup, case by case (kvm_apic_map_get_logical_dest and the slot choice)', () => {
    // xAPIC with every LDR 0: the logical map is "software-disabled" and serves nobody.
    holds('vcpus 2\napic xapic\nmsi dest=1 destmode=logical vector=0x31\nexpect count injections = 0');
    // x2APIC cluster 15, bit 15: APIC ID 255, the last slot below max_apic_id's end.
    holds(
      'vcpus 256\nmsi dest=0xf8000 destmode=logical vector=0x31\nexpect cpu 255 isr = {0x31}\nexpect count injections = 1',
    );
    // Without vector hashing: the smallest apic_arb_prio, the first slot in bit order on ties.
    holds(`vcpus 2
kvm vector-hashing=off
msi dest=0x3 destmode=logical delivery=lowest vector=0x31
expect cpu 0 isr = {0x31}
expect cpu 1 isr = {}`);
    // With hashing, an empty mask chooses nobody (in flat xAPIC and in an x2APIC cluster).
    holds('vcpus 2\nmsi dest=0x0 destmode=logical delivery=lowest vector=0x31\nexpect count injections = 0');
    holds(
      'vcpus 2\nmsi dest=0x10000 destmode=logical delivery=lowest vector=0x31\nexpect count injections = 0',
    );
  });

  it('R4.8: in x2APIC mode a software-disabled APIC is still a slot: a lowest-priority message hashed to it is lost', () => {
    holds(`vcpus 2
cpu 1 spiv 0xff
msi dest=0x3 vector=0x31 destmode=logical delivery=lowest   # 0x31 mod 2 = 1 → bit 1, vCPU 1
expect count injections = 0
expect cpu 0 irr = {}
expect cpu 1 irr = {}`);
    // In xAPIC mode the logical map holds software-enabled APICs only: vCPU 1's slot is empty, so
    // the same hash drops the message too; a mask without bit 1 finds vCPU 0.
    holds(`vcpus 2
apic xapic
cpu 0 ldr 0x1000000
cpu 1 ldr 0x2000000
cpu 1 spiv 0xff
msi dest=0x3 vector=0x31 destmode=logical delivery=lowest
expect count injections = 0
msi dest=0x1 vector=0x32 destmode=logical delivery=lowest
expect count injections cpu=0 = 1`);
  });

  it('R4.8: a reserved DFR model counts as cluster for the map', () => {
    // LDR 0x12 read as cluster 1, member bit 1: dest 0x12 reaches it, the flat reading 0x02 does not.
    holds(`vcpus 1
apic xapic
cpu 0 dfr 0x7fffffff
cpu 0 ldr 0x12000000
msi dest=0x2 vector=0x31 destmode=logical
expect count injections = 0
msi dest=0x12 vector=0x32 destmode=logical
expect count injections vector=0x32 = 1`);
    expect(
      machineAfter('vcpus 1\napic xapic\ncpu 0 dfr 0x7fffffff\ncpu 0 ldr 0x12000000').state.vm.apicMap,
    ).toMatchObject({ logicalMode: 'xapic-cluster' });
  });

  it('R4.8 / R5.4: an aliased physical ID sends delivery to the slow path: -1 for nobody, remote IRR sticks', () => {
    holds(`vcpus 2
irqchip kernel
apic xapic
cpu 1 apic-id 0                  # vCPU 1 takes vCPU 0's ID: no map (-EINVAL)
route 10 vector=0x62 trigger=level dest=5 mask=0
assert 10
expect ioapic 10 remote-irr = 1  # -1 is not 0: set, and nobody will EOI it
expect count injections = 0
cpu 1 apic-id 0x1000000          # the map is back: the same RTE now gets 0
route 11 vector=0x63 trigger=level dest=5 mask=0
assert 11
expect ioapic 11 remote-irr = 0`);
  });

  it('R4.8 / R5.5 step 6: with an aliased ID the vCPUs an RTE write asks to rescan are found by matching every vCPU', () => {
    // kvm_bitmap_or_dest_vcpus(): the invalid map cannot serve dest 0, so both holders of ID 0 rescan.
    holds(`vcpus 3
apic xapic
irqchip kernel
cpu 1 apic-id 0
route 5 vector=0x62 trigger=level dest=0 mask=0
expect cpu 0 handled = {0x00, 0x62}
expect cpu 1 handled = {0x00, 0x62}
expect cpu 2 handled = {}`);
  });

  it('R4.8 / R5.4: a two-bit LDR disables the logical map: a logical RTE aimed at nobody sticks remote IRR', () => {
    holds(`vcpus 2
irqchip kernel
apic xapic
cpu 0 ldr 0x1000000
cpu 1 ldr 0x2000000
route 10 vector=0x62 trigger=level dest=0x40 destmode=logical mask=0
assert 10
expect ioapic 10 remote-irr = 0  # fast path: no slot for bit 6, result 0
deassert 10
cpu 1 ldr 0x6000000              # two bits: logical map disabled
route 11 vector=0x63 trigger=level dest=0x40 destmode=logical mask=0
assert 11
expect ioapic 11 remote-irr = 1`);
  });

  it('R4.8 / R5.4: mixed flat and cluster models disable the logical map: the slow path sticks remote IRR', () => {
    holds(`vcpus 2
irqchip kernel
apic xapic
cpu 0 ldr 0x1000000
cpu 1 dfr 0x0fffffff
cpu 1 ldr 0x12000000
route 10 vector=0x62 trigger=level dest=0x40 destmode=logical mask=0
assert 10
expect ioapic 10 remote-irr = 1
expect count injections = 0`);
  });

  it('R4.8 / R6: QEMU (split) sets remote IRR before delivering, whatever the path returns', () => {
    holds(`vcpus 2
route 10 vector=0x62 trigger=level dest=5 mask=0
assert 10
expect ioapic 10 remote-irr = 1`);
  });

  it('R4.8: the fast path is used for IPIs too: an x2APIC IPI to 0xff reads physical slot 0xff', () => {
    const m = machineAfter('vcpus 2');
    const r = m.apply({
      kind: 'ipi',
      from: 0,
      vector: 0x31,
      dest: 0xff,
      destMode: 0,
      deliveryMode: 0,
      shorthand: 0,
    });
    expect(r.events.map((e) => e.type)).toContain('delivery_fast_path');
    expect(r.events.map((e) => e.type)).not.toContain('delivery_slow_path');
  });
});

describe('R4.8 / R11.1 APICv inhibits come and go with the map', () => {
  it('R4.8: an aliased physical ID inhibits APICv (PHYSICAL_ID_ALIASED); removing the alias lifts it', () => {
    holds(`vcpus 2
apic xapic
apicv on
expect kvm apicv = active
cpu 1 apic-id 0
expect kvm apicv = inhibited
cpu 1 apic-id 0x1000000
expect kvm apicv = active`);
    const m = machineAfter('vcpus 2\napic xapic\napicv on\ncpu 0 apic-id 0x1000000');
    expect(m.state.vm.apicvInhibits).toBe((1 << 4) | (1 << 5)); // PHYSICAL_ID_ALIASED | APIC_ID_MODIFIED
  });

  it('R4.8: VMX ignores LOGICAL_ID_ALIASED: a two-bit LDR leaves APICv active', () => {
    holds(`vcpus 2
apic xapic
apicv on
cpu 0 ldr 0x3000000
expect kvm apicv = active
msi dest=0 vector=0x31
expect count exits cpu=0 = 1     # the LDR write; the MSI is posted
cpu 0 eoi
expect count eoi-exits = 0`);
  });

  it('R11.1: the xAPIC ID written back: interrupts are posted and EOIs virtualized again', () => {
    holds(`vcpus 2
apic xapic
apicv on
cpu 1 apic-id 0x7000000
msi dest=0 vector=0x31
expect count exits cpu=0 = 2     # the ID write kicked it (scan), then the non-posted MSI
cpu 0 eoi
expect count eoi-exits cpu=0 = 1
cpu 0 iret
cpu 1 apic-id 0x1000000
expect kvm apicv = active
msi dest=0 vector=0x32
expect count exits cpu=0 = 4     # one more EOI exit and one kick for the scan; the MSI is posted
cpu 0 eoi
expect count eoi-exits cpu=0 = 1`);
  });

  it('R11.1: each vCPU changes APICv state at its next entry (KVM_REQ_APICV_UPDATE), not at once', () => {
    const m = machineAfter('vcpus 2\napic xapic\napicv on');
    // Drive the recalculation by hand and look before the vCPUs re-enter.
    m.state.cpus[1].idReg = 0x7000000;
    kvmRecalculateApicMap(m.ctx, 'test');
    expect(m.state.vm.apicvInhibits).not.toBe(0);
    expect(m.state.cpus.map((v) => v.apicvActive)).toEqual([true, true]);
    expect(m.state.cpus.every((v) => v.requests & 16)).toBe(true); // KVM_REQ_APICV_UPDATE pending
  });
});

describe('R4.1 / R4.9 x2apic-api', () => {
  it('R4.8 / R4.1: QEMU default above 255 vCPUs: both flags; an MSI to 0xff reaches only x2APIC ID 0xff', () => {
    holds('vcpus 300\nmsi dest=0xff vector=0x31\nexpect count injections = 1\nexpect cpu 255 isr = {0x31}');
  });

  it('R4.1: broadcast-quirk=on keeps 0xff a broadcast for device messages', () => {
    holds(
      'vcpus 300\nx2apic-api broadcast-quirk=on\nmsi dest=0xff vector=0x31\nexpect count injections = 300',
    );
  });

  it('R4.1: broadcast-quirk=off below 256 vCPUs: an MSI to 0xff is physical ID 0xff, nobody here', () => {
    holds('vcpus 2\nx2apic-api broadcast-quirk=off\nmsi dest=0xff vector=0x31\nexpect count injections = 0');
    holds('vcpus 2\nmsi dest=0xff vector=0x31\nexpect count injections = 2');
  });

  it('R4.1 / R4.8: which destinations are broadcasts (kvm_apic_is_broadcast_dest), with and without the quirk', () => {
    // Quirk off: 0xff is a broadcast unless the logical map is x2APIC's; 0xffffffff always is.
    holds(
      'vcpus 2\napic xapic\nx2apic-api broadcast-quirk=off\nmsi dest=0xff vector=0x31\nexpect count injections = 2',
    );
    holds(
      'vcpus 2\nx2apic-api broadcast-quirk=off 32bit-ids=on\nmsi dest=0xffffffff vector=0x31\nexpect count injections = 2',
    );
    // Quirk on: the broadcast is 0xff, or 0xffffffff for an IPI from an x2APIC-mode APIC.
    holds(
      'vcpus 2\nx2apic-api broadcast-quirk=on 32bit-ids=on\nmsi dest=0xffffffff vector=0x31\nexpect count injections = 0',
    );
    holds('vcpus 2\nipi from=0 dest=0xffffffff vector=0x31\nexpect count injections = 2');
    holds('vcpus 2\nipi from=0 dest=0xff vector=0x31\nexpect count injections = 0');
    holds('vcpus 2\napic xapic\nipi from=0 dest=0xff vector=0x31\nexpect count injections = 2');
  });

  it('R4.1: without the quirk a unicast is not a broadcast in xAPIC either: the map serves it', () => {
    const m = machineAfter('vcpus 2\napic xapic\nx2apic-api broadcast-quirk=off');
    const r = m.apply({ kind: 'msi', dest: 1, vector: 0x31, destMode: 0, deliveryMode: 0, trigger: 0 });
    expect(r.events.map((e) => e.type)).toContain('delivery_fast_path');
    expect(r.events.map((e) => e.type)).not.toContain('delivery_slow_path');
    expect(bitmapTest(m.state.cpus[1].isr, 0x31) && !bitmapTest(m.state.cpus[0].isr, 0x31)).toBe(true);
  });

  it('R4.9: without 32-bit IDs an msi dest above 0xff keeps its low 8 bits', () => {
    holds('vcpus 20\nmsi dest=0x101 vector=0x31\nexpect cpu 1 isr = {0x31}\nexpect count injections = 1');
    holds('vcpus 20\nx2apic-api 32bit-ids=on\nmsi dest=0x101 vector=0x31\nexpect count injections = 0');
  });

  it('R4.8: with 32-bit IDs an aliased xAPIC ID does not invalidate the map: the first vCPU wins the slot', () => {
    const text = (ids: string) => `vcpus 2
apic xapic
x2apic-api 32bit-ids=${ids}
cpu 0 apic-id 0x1000000
cpu 0 cli
cpu 1 cli
msi dest=1 vector=0x31`;
    holds(`${text('on')}\nexpect cpu 0 irr = {0x31}\nexpect cpu 1 irr = {}`);
    holds(`${text('off')}\nexpect cpu 0 irr = {0x31}\nexpect cpu 1 irr = {0x31}`); // slow path: both match
  });

  it('contract §2: more than 255 vCPUs without 32-bit IDs is an error, as QEMU refuses to start', () => {
    expect(() => mustParse('vcpus 256\nx2apic-api 32bit-ids=off')).toThrow(/needs 32bit-ids=on/);
    expect(mustParse('vcpus 255\nx2apic-api 32bit-ids=off').config.vcpus).toBe(255);
  });
});

describe('R4.8 property: the two paths agree where KVM relies on it', () => {
  it('fast and slow paths reach the same vCPUs whenever the map is valid and a Fixed message has one APIC per slot', () => {
    let fastRuns = 0;
    const cpuArb = fc.record({
      id: fc.integer({ min: 0, max: 7 }),
      ldr: fc.constantFrom(0, 0x01, 0x02, 0x04, 0x08, 0x10, 0x11, 0x12, 0x21, 0x24, 0x80),
      enabled: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.constantFrom('xapic', 'x2apic'),
        fc.constantFrom('flat', 'cluster'),
        fc.array(cpuArb, { minLength: 1, maxLength: 6 }),
        fc.constantFrom(0, 1),
        fc.integer({ min: 0, max: 0xff }),
        fc.constantFrom(0, 1),
        (mode, model, cpus, destMode, low, cluster) => {
          // 32-bit IDs so that an x2APIC logical dest keeps its cluster; in xAPIC mode without
          // them, so that an aliased ID invalidates the map rather than being "first wins".
          const lines = [
            `vcpus ${cpus.length}`,
            `apic ${mode}`,
            `x2apic-api 32bit-ids=${mode === 'x2apic' ? 'on' : 'off'}`,
          ];
          cpus.forEach((c, i) => {
            if (mode === 'xapic') {
              lines.push(`cpu ${i} apic-id 0x${(c.id << 24).toString(16)}`);
              if (model === 'cluster') lines.push(`cpu ${i} dfr 0x0fffffff`);
              lines.push(`cpu ${i} ldr 0x${(c.ldr * 0x1000000).toString(16)}`);
            }
            if (!c.enabled) lines.push(`cpu ${i} spiv 0xff`);
            lines.push(`cpu ${i} cli`);
          });
          const m = machineAfter(lines.join('\n'));
          const map = m.state.vm.apicMap;
          if (!map.valid || (destMode === 1 && map.logicalMode === 'disabled')) return;
          const dest = mode === 'x2apic' && destMode === 1 ? (cluster << 16) | low : low;
          const slow = m.state.cpus
            .filter((v) => kvmApicMatchDest(m.ctx, v, null, 0, dest, destMode as 0 | 1) && v.spiv & 0x100)
            .map((v) => v.index);
          const r = m.apply({
            kind: 'msi',
            dest,
            vector: 0x41,
            destMode: destMode as 0 | 1,
            deliveryMode: 0,
            trigger: 0,
          });
          if (r.events.some((e) => e.type === 'delivery_fast_path')) fastRuns++;
          const got = m.state.cpus.filter((v) => bitmapTest(v.irr, 0x41)).map((v) => v.index);
          expect(got).toEqual(slow);
        },
      ),
      { numRuns: 500 },
    );
    expect(fastRuns).toBeGreaterThan(100);
  });
});
