/** Destination matching and delivery modes (R4), as scenarios whose expectations must hold. */
import { describe, expect, it } from 'vitest';
import { failures } from '../replay/testing.ts';

const holds = (text: string) => expect(failures(text)).toEqual([]);

describe('R4 destinations', () => {
  it('R4.1: an MSI to 0xff reaches every x2APIC vCPU (broadcast quirk); an IPI to 0xff does not', () => {
    holds('vcpus 3\nmsi dest=0xff vector=0x31\nexpect count injections = 3');
    holds('vcpus 3\nipi from=0 vector=0x31 dest=0xff\nexpect count injections = 0');
    holds('vcpus 3\nipi from=0 vector=0x31 dest=0xffffffff\nexpect count injections = 3');
  });

  it('R4.1 / R4.2: in xAPIC mode 0xff is the broadcast for IPIs too', () => {
    holds('vcpus 3\napic xapic\nipi from=0 vector=0x31 dest=0xff\nexpect count injections = 3');
  });

  it('R4.2: physical xAPIC destinations match the ID register, which the guest can rewrite', () => {
    holds(`vcpus 2
apic xapic
cpu 1 apic-id 0x7000000
msi dest=7 vector=0x31
expect count injections cpu=1 = 1
msi dest=1 vector=0x41
expect count injections vector=0x41 = 0`);
  });

  it('R4.2: an MSI dest above 0xff addresses 32-bit x2APIC IDs; no aliasing to dest & 0xff', () => {
    holds('vcpus 300\nmsi dest=0x12b vector=0x31\nexpect cpu 299 isr = {0x31}\nexpect count injections = 1');
    holds('vcpus 300\nmsi dest=0x100 vector=0x31\nexpect cpu 0 isr = {}\nexpect cpu 256 isr = {0x31}');
  });

  it('R4.3: xAPIC flat logical: LDR[31:24] & MDA', () => {
    holds(`vcpus 3
apic xapic
cpu 0 ldr 0x1000000
cpu 1 ldr 0x2000000
cpu 2 ldr 0x4000000
msi dest=0x5 vector=0x31 destmode=logical
expect count injections cpu=0 = 1
expect count injections cpu=1 = 0
expect count injections cpu=2 = 1`);
  });

  it('R4.3: xAPIC cluster logical: cluster nibble equal, member bits overlap', () => {
    holds(`vcpus 3
apic xapic
cpu 0 dfr 0x0fffffff
cpu 1 dfr 0x0fffffff
cpu 2 dfr 0x0fffffff
cpu 0 ldr 0x11000000
cpu 1 ldr 0x12000000
cpu 2 ldr 0x21000000
msi dest=0x13 vector=0x31 destmode=logical
expect count injections cpu=0 = 1
expect count injections cpu=1 = 1
expect count injections cpu=2 = 0`);
  });

  it('R4.3 / R4.8: a reserved DFR model matches nothing on the slow path, but the map counts it as cluster', () => {
    // Fast path: the map files vCPU 0 (logical ID 0x01) in cluster 0, bit 0.
    holds(
      'vcpus 1\napic xapic\ncpu 0 ldr 0x1000000\ncpu 0 dfr 0x5fffffff\nmsi dest=1 vector=0x31 destmode=logical\nexpect count injections = 1',
    );
    // Slow path (mixed cluster and flat disable the logical map): kvm_apic_match_logical_addr() says no.
    holds(`vcpus 2
apic xapic
cpu 0 ldr 0x1000000
cpu 0 dfr 0x5fffffff
cpu 1 ldr 0x2000000
msi dest=1 vector=0x31 destmode=logical
expect count injections = 0`);
  });

  it('R4.3 / R4.4: x2APIC logical: cluster = id / 16, bit = id % 16', () => {
    holds(`vcpus 20
x2apic-api 32bit-ids=on
msi dest=0x10003 vector=0x31 destmode=logical   # cluster 1, bits 0 and 1: vCPUs 16, 17
expect count injections cpu=16 = 1
expect count injections cpu=17 = 1
expect count injections = 2
msi dest=0x3 vector=0x41 destmode=logical       # cluster 0: vCPUs 0, 1
expect count injections vector=0x41 = 2`);
  });

  it('R4.5: shorthands self, all and others', () => {
    holds(
      'vcpus 3\nipi from=1 vector=0x31 shorthand=self\nexpect count injections cpu=1 = 1\nexpect count injections = 1',
    );
    holds('vcpus 3\nipi from=1 vector=0x31 shorthand=all\nexpect count injections = 3');
    holds(
      'vcpus 3\nipi from=1 vector=0x31 shorthand=others\nexpect count injections cpu=1 = 0\nexpect count injections = 2',
    );
  });

  it('R4.5: matching ignores SPIV bit 8; acceptance (R3.7) drops it', () => {
    holds(
      'vcpus 2\ncpu 1 spiv 0xff\nmsi dest=0xff vector=0x31\nexpect count injections = 1\nexpect cpu 1 irr = {}',
    );
  });

  it('S14 / R4.7: lowest priority with vector hashing: the (V mod N)-th candidate, TPR ignored', () => {
    holds(`vcpus 4
apic xapic
cpu 0 ldr 0x1000000
cpu 1 ldr 0x2000000
cpu 2 ldr 0x4000000
cpu 3 ldr 0x8000000
cpu 3 tpr 0xf0
route 9 vector=0x53 trigger=edge dest=0x0f destmode=logical delivery=lowest mask=0
pulse 9
expect cpu 3 irr = {0x53}        # 0x53 mod 4 = 3; its TPR does not matter
pulse 9
expect count injections = 0
expect ioapic 9 irr = 0`);
  });

  it('R4.7: without vector hashing the smallest apic_arb_prio wins, first on ties, and grows', () => {
    holds(`vcpus 3
kvm vector-hashing=off
msi dest=0xff vector=0x51 destmode=logical delivery=lowest
msi dest=0xff vector=0x52 destmode=logical delivery=lowest
msi dest=0xff vector=0x53 destmode=logical delivery=lowest
msi dest=0xff vector=0x54 destmode=logical delivery=lowest
expect count injections cpu=0 vector=0x51 = 1
expect count injections cpu=1 vector=0x52 = 1
expect count injections cpu=2 vector=0x53 = 1
expect cpu 0 irr = {0x54}        # the handler of 0x51 still runs with IF = 0`);
  });

  it('R4.7: only software-enabled vCPUs are candidates', () => {
    holds(`vcpus 2
kvm vector-hashing=off
cpu 0 spiv 0xff
msi dest=0xff vector=0x51 destmode=logical delivery=lowest
expect count injections cpu=1 = 1`);
  });

  it('R4.7: physical dest 0xff with lowest priority is converted to a Fixed broadcast', () => {
    holds('vcpus 3\nmsi dest=0xff vector=0x51 delivery=lowest\nexpect count injections = 3');
  });
});
