/** Read-only views of a state: the command line's JSON (contract §8) and what the UI draws. */
import { describe, expect, it } from 'vitest';
import { mustParse } from '../replay/testing.ts';
import { cpuSummary, ioapicField, machineSummary, pendingRequestNames, spivFields } from './inspect.ts';
import { Machine } from './machine.ts';
import { REQ_EVENT, REQ_SCAN_IOAPIC } from './state.ts';

function state(text: string) {
  const s = mustParse(text);
  const m = Machine.boot(s.config, false);
  for (const st of s.steps) m.apply(st.action);
  return m.state;
}

describe('inspect', () => {
  it('R2.3: decodes SPIV into vector, software enable, focus and suppress EOI broadcast', () => {
    expect(spivFields(0x1ff)).toEqual({
      vector: 0xff,
      enabled: true,
      focus: false,
      suppressEoiBroadcast: false,
    });
    expect(spivFields(0x113f)).toEqual({
      vector: 0x3f,
      enabled: true,
      focus: false,
      suppressEoiBroadcast: true,
    });
    expect(spivFields(0x2ef)).toEqual({
      vector: 0xef,
      enabled: false,
      focus: true,
      suppressEoiBroadcast: false,
    });
  });

  it('summarises a vCPU: IDs, registers, handlers, deferred tasks and pending requests', () => {
    const s = state(`vcpus 2
apic xapic
guest 1 profile=windows
cpu 0 cli
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
msi dest=0 vector=0x31
cpu 1 apic-id 0x7000000
`);
    const c = cpuSummary(s.cpus[0]);
    expect(c).toMatchObject({
      cpu: 0,
      apicId: 0,
      mode: 'xapic',
      irr: [0x31, 0x62],
      isr: [],
      tmr: [0x62],
      handled: [0x62],
      shadowIsr: [],
      tpr: 0,
      ppr: 0,
      spiv: 0x1ff,
      if: 0,
      stale: -1,
      handlers: [],
      deferredTasks: [],
      profile: 'manual',
      pvEoi: { enabled: false, guestByte: 0, pending: false },
    });
    expect(cpuSummary(s.cpus[1])).toMatchObject({ cpu: 1, apicId: 7, profile: 'windows' });
    expect(cpuSummary(state('vcpus 1\n').cpus[0]).mode).toBe('x2apic');
  });

  it('lists handler frames innermost last, and the requests by name', () => {
    const s = state('vcpus 1\nmsi dest=0 vector=0x31\ncpu 0 sti\nmsi dest=0 vector=0x61\n');
    expect(cpuSummary(s.cpus[0]).handlers).toEqual([0x31, 0x61]);
    const v = s.cpus[0];
    v.requests = REQ_EVENT | REQ_SCAN_IOAPIC;
    expect(pendingRequestNames(v).sort()).toEqual(['KVM_REQ_EVENT', 'KVM_REQ_SCAN_IOAPIC']);
    v.requests = 0;
    expect(pendingRequestNames(v)).toEqual([]);
  });

  it('shows the guest registers and KVM’s shadow ISR under Secure AVIC (contract §6)', () => {
    const s = state(
      'vcpus 1\nirqchip kernel\nsecure-avic on\nroute 5 vector=0x62 trigger=level dest=0 mask=0\nassert 5\n',
    );
    expect(cpuSummary(s.cpus[0])).toMatchObject({ isr: [0x62], shadowIsr: [0x62], tmr: [0x62] });
  });

  it('summarises the IOAPIC pins and the KVM routes (the command line’s final state)', () => {
    const s = state(`vcpus 1
route 3 vector=0x33 trigger=level dest=0 destmode=logical delivery=lowest polarity=low mask=0
route 4 vector=0x44 trigger=edge dest=0 mask=1
assert 3
`);
    const io = machineSummary(s).ioapic;
    expect(io.pins[3]).toEqual({
      pin: 3,
      vector: 0x33,
      trigger: 'level',
      dest: 0,
      destMode: 'logical',
      delivery: 'lowest',
      mask: 0,
      polarity: 'low',
      remoteIrr: expect.any(Number),
      irr: 1,
      line: 1,
      stormCount: 0,
      deliveries: expect.any(Number),
    });
    expect(io.pins[4]).toMatchObject({
      trigger: 'edge',
      destMode: 'physical',
      delivery: 'fixed',
      polarity: 'high',
      mask: 1,
    });
    expect(io.irr & (1 << 3)).not.toBe(0);
    const kvm = machineSummary(s).kvm;
    expect(kvm).toMatchObject({ seoib: 'quirked', apicvInhibited: false, crashed: false });
    expect(kvm.routes.map((r) => r.gsi)).toEqual([3]);
    expect(kvm.routes[0]).toMatchObject({ gsi: 3, vector: 0x33 });
  });

  it('reads every IOAPIC field an expectation names (contract §7)', () => {
    const s = state('vcpus 1\nroute 3 vector=0x33 trigger=level dest=0 mask=0\nassert 3\n');
    expect(ioapicField(s, 3, 'vector')).toBe(0x33);
    expect(ioapicField(s, 3, 'trigger')).toBe(1);
    expect(ioapicField(s, 3, 'dest')).toBe(0);
    expect(ioapicField(s, 3, 'mask')).toBe(0);
    expect(ioapicField(s, 3, 'line')).toBe(1);
    expect(ioapicField(s, 3, 'irr')).toBe(1);
    expect(ioapicField(s, 3, 'remote-irr')).toBe(1);
    expect(ioapicField(s, 4, 'line')).toBe(0);
  });
});

describe('inspect: deferred work and the inhibits VMX does not record', () => {
  const stateAfter = (text: string) => {
    const s = mustParse(text);
    const m = Machine.boot(s.config, false);
    for (const st of s.steps) m.apply(st.action);
    return m.state;
  };

  it("lists a windows guest's deferred IOAPIC EOIs by vector", () => {
    const s = stateAfter(
      'vcpus 1\nkvm seoib=enabled\nguest 0 profile=windows\nrun\nroute 5 vector=0xa2 trigger=level dest=0 mask=0\nassert 5\nrun 3\n',
    );
    expect(cpuSummary(s.cpus[0]).deferredTasks).toEqual([0xa2]);
  });

  it('names LOGICAL_ID_ALIASED where the map implies it (VMX ignores it, AVIC would not)', () => {
    const ignored = (text: string) => machineSummary(stateAfter(text)).kvm.apicvInhibitsIgnoredByVmx;
    expect(ignored('vcpus 2\napic xapic\n')).toEqual([]);
    const kvm = (text: string) => machineSummary(stateAfter(text)).kvm;
    expect(kvm('vcpus 2\napic xapic\napicv on\n')).toMatchObject({ apicv: 'active', apicvInhibited: false });
    expect(kvm('vcpus 2\napic xapic\napicv on\ncpu 1 apic-id 0x5000000\n')).toMatchObject({
      apicv: 'inhibited',
      apicvInhibited: true,
    });
    // Two xAPIC vCPUs in one logical ID: the logical map is disabled.
    expect(ignored('vcpus 2\napic xapic\ncpu 0 ldr 0x1000000\ncpu 1 ldr 0x1000000\n')).toEqual([
      'LOGICAL_ID_ALIASED',
    ]);
  });
});
