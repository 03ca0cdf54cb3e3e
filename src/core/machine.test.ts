/** The machine's event budget: a step keeps at most maxEvents events and counts the rest. */
import { describe, expect, it } from 'vitest';
import { HOST_CRASH_AT_RUN_STEP_3, mustParse } from '../replay/testing.ts';
import { Machine } from './machine.ts';

describe('Machine events', () => {
  it('keeps the first maxEvents events of a step and counts the dropped ones', () => {
    const s = mustParse('vcpus 1\nroute 10 vector=0x62 trigger=level dest=0 mask=0\n');
    const all = Machine.boot(s.config, true).apply(s.steps[0].action).events;
    expect(all.length).toBeGreaterThan(3);
    const m = Machine.boot(s.config, true);
    m.ctx.maxEvents = 3;
    const r = m.apply(s.steps[0].action);
    expect(r.events).toEqual(all.slice(0, 3));
    expect(m.ctx.droppedEvents).toBe(all.length - 3);
    const exact = Machine.boot(s.config, true);
    exact.ctx.maxEvents = all.length;
    expect(exact.apply(s.steps[0].action).events).toEqual(all);
    expect(exact.ctx.droppedEvents).toBe(0);
  });
});

describe('the root event of each action (event 0 of its step)', () => {
  it('labels the action and puts it on its lane', () => {
    const s = mustParse(`vcpus 2
irqchip split
route 3 vector=0x33 trigger=level dest=0 mask=1
unmask 3
mask 3
assert 3
deassert 3
pulse 4
msi dest=1 vector=0x41
ipi from=1 vector=0x42 dest=0
wait 2us
snapshot a
restore a
cpu 0 tpr 0x20
cpu 0 apic-id 0x1
cpu 0 ldr 0x1000000
cpu 0 dfr 0xf0000000
cpu 0 spiv 0x1ff
cpu 0 seoib on
cpu 0 ioapic-eoi 0x33
cpu 0 service 3
cpu 0 ioapic-rte 3 mask=0
cpu 0 pv-eoi on
cpu 0 pv-eoi off
cpu 0 sti
cpu 0 cli
cpu 0 eoi
cpu 0 iret
cpu 0 rdmsr eoi
cpu 0 exit
run 5
kvm-set-x2apic-api seoib=disable
migrate policy=quirked
power-on
reboot
host-pv-eoi 1 off
`);
    const m = Machine.boot(s.config);
    const roots = s.steps.map((st) => {
      const e = m.apply(st.action).events[0];
      return `${e.type} cpu=${e.cpu} ${JSON.stringify(e.fields)}`;
    });
    expect(roots).toEqual([
      'action cpu=-1 {"label":"route 3","device":true}',
      'action cpu=-1 {"label":"unmask 3","device":true}',
      'action cpu=-1 {"label":"mask 3","device":true}',
      'action cpu=-1 {"label":"assert 3","device":true}',
      'action cpu=-1 {"label":"deassert 3","device":true}',
      'action cpu=-1 {"label":"pulse 4","device":true}',
      'action cpu=-1 {"label":"msi dest=1 vector=0x41","device":true}',
      'action cpu=1 {"label":"ipi from=1 vector=0x42","device":false}',
      'action cpu=-1 {"label":"wait 2000ns","device":false}',
      'action cpu=-1 {"label":"snapshot a","device":false}',
      'action cpu=-1 {"label":"restore a","device":false}',
      'action cpu=0 {"label":"cpu 0 tpr 0x20","device":false}',
      'action cpu=0 {"label":"cpu 0 apic-id 0x1","device":false}',
      'action cpu=0 {"label":"cpu 0 ldr 0x1000000","device":false}',
      'action cpu=0 {"label":"cpu 0 dfr 0xf0000000","device":false}',
      'action cpu=0 {"label":"cpu 0 spiv 0x1ff","device":false}',
      'action cpu=0 {"label":"cpu 0 seoib on","device":false}',
      'action cpu=0 {"label":"cpu 0 ioapic-eoi 0x33","device":false}',
      'action cpu=0 {"label":"cpu 0 service 3","device":false}',
      'action cpu=0 {"label":"cpu 0 ioapic-rte 3","device":false}',
      'action cpu=0 {"label":"cpu 0 pv-eoi on","device":false}',
      'action cpu=0 {"label":"cpu 0 pv-eoi off","device":false}',
      'action cpu=0 {"label":"cpu 0 sti","device":false}',
      'action cpu=0 {"label":"cpu 0 cli","device":false}',
      'action cpu=0 {"label":"cpu 0 eoi","device":false}',
      'action cpu=0 {"label":"cpu 0 iret","device":false}',
      'action cpu=0 {"label":"cpu 0 rdmsr-eoi","device":false}',
      'action cpu=0 {"label":"cpu 0 exit","device":false}',
      'action cpu=-1 {"label":"run 5","device":false}',
      'action cpu=-1 {"label":"kvm-set-x2apic-api seoib=disable","device":false}',
      'action cpu=-1 {"label":"migrate","device":false}',
      'action cpu=-1 {"label":"power-on","device":false}',
      'action cpu=-1 {"label":"reboot","device":false}',
      'action cpu=1 {"label":"host-pv-eoi 1 off","device":false}',
    ]);
  });
});

describe('a run in chunks (the long runs of the worker)', () => {
  const scenarios = {
    'a 4-vCPU windows storm': `vcpus 4
kvm storm-limit=50
guest all profile=windows
route 3 vector=0xa3 trigger=level dest=2 mask=0
assert 3
`,
    'a host crash in the middle': HOST_CRASH_AT_RUN_STEP_3,
    'linux guests, one of whose PV EOI the host turned off': `vcpus 2
kvm pv-eoi-disable-fix=off
guest all profile=linux
run
msi dest=0 vector=0x31
host-pv-eoi 0 off
msi dest=1 vector=0x32
`,
  };

  it.each(Object.entries(scenarios))('%s: any chunks give the whole run, state and trace', (_name, text) => {
    const s = mustParse(text);
    const whole = Machine.boot(s.config);
    for (const st of s.steps) whole.apply(st.action);
    const wanted = whole.apply({ kind: 'run', n: 400 });
    for (const chunk of [1, 7, 1000]) {
      const m = Machine.boot(s.config);
      for (const st of s.steps) m.apply(st.action);
      const run = m.beginRun(400);
      let calls = 0;
      while (!run.advance(chunk)) calls++;
      expect(run.result()).toEqual(wanted);
      expect(m.state).toEqual(whole.state);
      // A crash ends the run at once: the call that reached it says so.
      if (m.state.vm.crashed) expect([run.steps, calls]).toEqual([3, Math.ceil(3 / chunk) - 1]);
      expect(calls).toBeLessThanOrEqual(Math.ceil(400 / chunk));
      // Further calls change nothing.
      expect(run.advance(chunk)).toBe(true);
      expect(m.state).toEqual(whole.state);
    }
  });

  it('stopped after K guest steps, the step is `run K`, state and trace', () => {
    const s = mustParse(scenarios['a 4-vCPU windows storm']);
    for (const k of [0, 1, 33]) {
      const m = Machine.boot(s.config);
      for (const st of s.steps) m.apply(st.action);
      const run = m.beginRun(1000);
      while (run.steps < k) run.advance(1);
      expect(run.stop()).toEqual({ kind: 'run', n: k });
      const ref = Machine.boot(s.config);
      for (const st of s.steps) ref.apply(st.action);
      expect(run.result()).toEqual(ref.apply({ kind: 'run', n: k }));
      expect(m.state).toEqual(ref.state);
    }
  });

  it('a crashed VM runs no guest step', () => {
    const s = mustParse(`${scenarios['linux guests, one of whose PV EOI the host turned off']}cpu 0 exit\n`);
    const m = Machine.boot(s.config);
    for (const st of s.steps) m.apply(st.action);
    expect(m.state.vm.crashed).toBe(true);
    const run = m.beginRun(10);
    expect(run.done).toBe(true);
    expect(run.steps).toBe(0);
    expect(run.result().events.map((e) => e.type)).toEqual(['action', 'vm_stopped']);
  });
});
