/**
 * The SEOIB life (R8.8–R8.12): KVM's one-way flags and their EINVAL cases, when LVR follows the
 * mode, QEMU's policies, loadvm of a snapshot KVM cannot honour, and migration deferral/failure.
 */
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../presets/index.ts';
import { failures, mustParse, run } from '../replay/testing.ts';
import { parseScenario } from '../scenario/parse.ts';
import { printScenario } from '../scenario/print.ts';
import type { HostChange } from './actions.ts';
import { hostWith, planMigration, qemuSeoibPostLoad } from './life.ts';
import { Machine } from './machine.ts';

const LVR_ADV = 0x1050014;
const LVR_NOT = 0x50014;

/** The events of the last step of a scenario, by type. */
function lastStepEvents(text: string): { type: string; text: string; why: string }[] {
  const s = mustParse(text);
  const m = Machine.boot(s.config);
  let events: { type: string; text: string; why: string }[] = [];
  for (const st of s.steps) events = m.apply(st.action).events;
  return events;
}

describe('R8.8 KVM_ENABLE_CAP(KVM_CAP_X2APIC_API): EINVAL cases and one-way mode', () => {
  it('ENABLE and DISABLE together fail and leave the mode', () => {
    expect(
      failures(`vcpus 1
kvm-set-x2apic-api seoib=both
expect vm flag-write = einval
expect kvm seoib = quirked
`),
    ).toEqual([]);
    const ev = lastStepEvents('vcpus 1\nkvm-set-x2apic-api seoib=both\n').find(
      (e) => e.type === 'x2apic_api_enable_cap',
    );
    expect(ev?.text).toContain('-EINVAL');
    expect(ev?.why).toMatch(/^R8\.8: ENABLE and DISABLE together are rejected/);
  });

  it('ENABLE without split irqchip fails; DISABLE is accepted in-kernel', () => {
    expect(
      failures(`vcpus 1
irqchip kernel
kvm-set-x2apic-api seoib=enable
expect vm flag-write = einval
expect kvm seoib = quirked
kvm-set-x2apic-api seoib=disable
expect vm flag-write = ok
expect kvm seoib = disabled
`),
    ).toEqual([]);
  });

  it('a kernel without the SEOIB API rejects either flag', () => {
    expect(
      failures(`vcpus 1
host kernel=no-seoib-api
kvm-set-x2apic-api seoib=disable
expect vm flag-write = einval
expect kvm seoib = quirked
kvm-set-x2apic-api seoib=enable
expect vm flag-write = einval
`),
    ).toEqual([]);
  });

  it('ENABLED and DISABLED replace each other (no mode check in the code); QUIRKED never comes back', () => {
    expect(
      failures(`vcpus 1
kvm-set-x2apic-api seoib=enable
expect kvm seoib = enabled
kvm-set-x2apic-api seoib=disable
expect kvm seoib = disabled
kvm-set-x2apic-api seoib=enable
expect kvm seoib = enabled
reboot
expect kvm seoib = enabled
`),
    ).toEqual([]);
  });

  it('suppression follows the flag at once (R8.3): a level EOI stops exiting right after ENABLE', () => {
    const text = `vcpus 1
run
cpu 0 seoib on
route 5 vector=0xa2 trigger=level dest=0 mask=0
assert 5
cpu 0 eoi
expect count ioapic-eoi-exits = 1
cpu 0 service 5
kvm-set-x2apic-api seoib=enable
expect cpu 0 lvr = ${'0x1050014'}
assert 5
cpu 0 eoi
expect count ioapic-eoi-exits = 1
`;
    expect(failures(text)).toEqual([]);
  });
});

describe('R8.9 LVR is recomputed only by kvm_apic_set_version', () => {
  it('a late DISABLE leaves LVR[24] set until the reboot', () => {
    const r = run(`vcpus 1
kvm-set-x2apic-api seoib=disable
reboot
`);
    expect(r.expects).toEqual([]);
    const s = mustParse('vcpus 1\nkvm-set-x2apic-api seoib=disable\nreboot\n');
    const m = Machine.boot(s.config);
    m.apply(s.steps[0].action);
    expect(m.state.cpus[0].lvr).toBe(LVR_ADV);
    const ev = m.apply(s.steps[1].action).events;
    expect(m.state.cpus[0].lvr).toBe(LVR_NOT);
    expect(ev.find((e) => e.type === 'lvr_recomputed')?.why).toMatch(/kvm_lapic_reset/);
  });

  it('KVM_SET_LAPIC (restore) recomputes LVR from the mode now, not the saved LVR', () => {
    expect(
      failures(`vcpus 1
snapshot a
kvm-set-x2apic-api seoib=disable
expect cpu 0 lvr = 0x1050014
restore a
expect cpu 0 lvr = 0x50014
`),
    ).toEqual([]);
  });

  it('a restore keeps a saved SPIV[12] even where it is no longer advertised', () => {
    expect(
      failures(`vcpus 1
cpu 0 seoib on
snapshot a
kvm-set-x2apic-api seoib=disable
restore a
expect cpu 0 lvr = 0x50014
expect cpu 0 spiv = 0x11ff
`),
    ).toEqual([]);
  });

  it('with no flag written, restore changes no LVR and records no recomputation', () => {
    const ev = lastStepEvents('vcpus 1\nsnapshot a\nrestore a\n');
    expect(ev.some((e) => e.type === 'lvr_recomputed' || e.type === 'qemu_seoib_load')).toBe(false);
  });
});

describe('R8.10 QEMU policies at power-on', () => {
  const mode = (cfg: string) => {
    const r = parseScenario(`${cfg}\nexpect kvm seoib = quirked\n`);
    if (!r.ok) throw new Error(r.errors[0].message);
    return Machine.boot(r.scenario.config).state.vm.seoib;
  };
  it('auto chooses by IOAPIC version, auto-new-machines only from machine 10.2', () => {
    expect(mode('qemu seoib-policy=auto')).toBe('enabled');
    expect(mode('qemu seoib-policy=auto\nioapic version=0x11')).toBe('disabled');
    expect(mode('irqchip kernel\nqemu seoib-policy=auto')).toBe('disabled');
    expect(mode('qemu seoib-policy=auto-new-machines machine=pc-q35-10.1')).toBe('quirked');
    expect(mode('qemu seoib-policy=auto-new-machines machine=pc-q35-10.2')).toBe('enabled');
    expect(mode('qemu seoib-policy=auto-new-machines machine=pc-i440fx-11.0')).toBe('enabled');
    expect(mode('qemu seoib-policy=auto\nhost kernel=no-seoib-api')).toBe('quirked');
    expect(mode('qemu seoib-policy=none')).toBe('quirked');
    expect(mode('qemu seoib-policy=not-advertised')).toBe('disabled');
  });

  it('the flag is set before the vCPUs exist: LVR is right from the start', () => {
    expect(
      failures(`vcpus 1
qemu seoib-policy=not-advertised
expect cpu 0 lvr = 0x50014
`),
    ).toEqual([]);
  });

  it('refuses policies KVM or QEMU cannot start with', () => {
    const err = (t: string) => {
      const r = parseScenario(t);
      return r.ok ? '' : r.errors[0].message;
    };
    expect(err('qemu seoib-policy=respected\nkvm seoib=enabled\n')).toMatch(/give one of them/);
    expect(err('irqchip kernel\nqemu seoib-policy=respected\n')).toMatch(/needs irqchip split/);
    expect(err('host kernel=no-seoib-api\nqemu seoib-policy=not-advertised\n')).toMatch(/EINVAL/);
    expect(err('host kernel=no-seoib-api\nkvm seoib=enabled\n')).toMatch(/EINVAL/);
    expect(err('qemu machine=q35\n')).toMatch(/^machine type 'q35'/);
    expect(err('migrate flags=later\n')).toMatch(/flags must be one of after-load, before-load/);
  });
});

describe('R8.10 loadvm of a snapshot KVM cannot honour', () => {
  const life = (check: string) => `vcpus 1
qemu seoib-policy=quirked${check}
snapshot old
power-on policy=respected
expect kvm seoib = enabled
restore old
`;
  it('as posted: KVM keeps its flag and QEMU now says QUIRKED', () => {
    expect(
      failures(`${life('')}expect kvm seoib = enabled
expect vm seoib-state = quirked
`),
    ).toEqual([]);
    expect(lastStepEvents(life('')).find((e) => e.type === 'qemu_seoib_load')?.text).toMatch(/kept$/);
  });

  it('with loadvm-check=on the load is refused and nothing is restored', () => {
    expect(
      failures(`vcpus 1
qemu seoib-policy=quirked loadvm-check=on
route 3 vector=0x40 mask=0
snapshot old
power-on policy=respected
restore old
expect kvm seoib = enabled
expect vm seoib-state = respected
expect ioapic 3 mask = 1
`),
    ).toEqual([]);
  });

  it('a RESPECTED snapshot into a DISABLED VM swaps the flag before KVM_SET_LAPIC', () => {
    expect(
      failures(`vcpus 1
qemu seoib-policy=respected
snapshot a
power-on policy=not-advertised
expect cpu 0 lvr = 0x50014
restore a
expect kvm seoib = enabled
expect vm seoib-state = respected
expect cpu 0 lvr = 0x1050014
`),
    ).toEqual([]);
  });
});

describe('R8.11 migration', () => {
  it('after-load: a QUIRKED source stays QUIRKED on a destination whose own policy is auto', () => {
    expect(
      failures(`vcpus 1
migrate policy=auto flags=after-load
expect vm migration = completed
expect vm leg = 1
expect kvm seoib = quirked
expect vm policy = auto
`),
    ).toEqual([]);
  });

  it('before-load: the destination flag is set first and the QUIRKED stream cannot undo it', () => {
    expect(
      failures(`vcpus 1
migrate policy=auto flags=before-load
expect vm migration = completed
expect kvm seoib = enabled
expect vm seoib-state = quirked
expect cpu 0 lvr = 0x1050014
`),
    ).toEqual([]);
  });

  it('fails towards an older QEMU (unknown subsection) or a kernel without the API; the VM stays on the source', () => {
    const text = `vcpus 1
qemu seoib-policy=respected
route 4 vector=0x44 mask=0
migrate policy=none
expect vm migration = failed
expect vm leg = 0
expect vm policy = respected
expect ioapic 4 mask = 0
migrate kernel=no-seoib-api
expect vm migration = failed
migrate
expect vm migration = completed
expect vm leg = 1
expect ioapic 4 mask = 0
expect ioapic 4 vector = 0x44
`;
    expect(failures(text)).toEqual([]);
    expect(
      lastStepEvents(text.split('migrate kernel')[0]).find((e) => e.type === 'migration_failed')?.why,
    ).toMatch(/unknown subsection.*stays|keeps running on the source/);
  });

  it('a QUIRKED source migrates anywhere, a before-load destination needing a flag its kernel lacks does not start', () => {
    expect(
      failures(`vcpus 1
migrate policy=none
expect vm migration = completed
migrate kernel=no-seoib-api
expect vm migration = completed
migrate policy=respected kernel=no-seoib-api flags=before-load
expect vm migration = failed
expect vm leg = 2
`),
    ).toEqual([]);
  });
});

describe('R8.12 reboot: the guest boots again and reads LVR', () => {
  it('a windows guest sets SPIV[12] only where LVR[24] is advertised at its boot', () => {
    expect(
      failures(`vcpus 1
guest 0 profile=windows
run
expect cpu 0 spiv = 0x11ff
kvm-set-x2apic-api seoib=disable
reboot
expect cpu 0 spiv = 0x1ff
run
expect cpu 0 spiv = 0x1ff
`),
    ).toEqual([]);
  });

  it('reboot resets the IOAPIC and the LAPIC but keeps counters and lines', () => {
    expect(
      failures(`vcpus 1
route 6 vector=0x50 trigger=level mask=0
assert 6
expect cpu 0 isr = {0x50}
reboot
expect cpu 0 isr = {}
expect ioapic 6 mask = 1
expect ioapic 6 remote-irr = 0
expect ioapic 6 line = 1
expect count injections = 1
`),
    ).toEqual([]);
  });
});

describe('the life statements print and parse back', () => {
  it('round-trips every new statement', () => {
    const text = `qemu seoib-policy=auto-new-machines machine=pc-q35-10.1 seoib-flags=before-load loadvm-check=on
host kernel=no-seoib-api
reboot
power-on policy=respected machine=pc-q35-10.2 kernel=seoib-api
migrate policy=none machine=pc-i440fx-9.2 kernel=no-seoib-api flags=after-load
kvm-set-x2apic-api seoib=both
expect vm leg = 0
expect vm migration = failed
expect vm seoib-state = respected
expect vm flag-write = einval
expect vm policy = respected
`;
    const a = mustParse(text);
    const printed = printScenario(a);
    expect(printed).toBe(text);
    expect(mustParse(printed)).toEqual(a);
  });

  it('reports LINE:COL errors', () => {
    const r = parseScenario('vcpus 1\nreboot now\nmigrate policy=sometimes\nexpect vm legs = 1\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => `${e.line}:${e.col}`)).toEqual(['2:8', '3:9', '4:11']);
  });
});

describe('R8.12 reboot: the LAPIC reset clears what was pending', () => {
  it('IRR and TMR are cleared and IF is 1 again; the IOAPIC entries are masked', () => {
    expect(
      failures(`vcpus 1
irqchip kernel
cpu 0 cli
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
expect cpu 0 irr = {0x62}
expect cpu 0 tmr = {0x62}
expect cpu 0 if = 0
reboot
expect cpu 0 irr = {}
expect cpu 0 tmr = {}
expect cpu 0 isr = {}
expect cpu 0 if = 1
expect ioapic 10 mask = 1
`),
    ).toEqual([]);
  });
});

describe('R8.12 reboot: the reset forgets every step before it', () => {
  /**
   * The state right after `reboot`, following the scenario's steps, and following none: the
   * machine must be the same, but for what a reset keeps (the time, the counters, the device's
   * lines and delivery counts, the VM's life and snapshots, KVM's SEOIB mode and so LVR), and
   * KVM's GSI routes: QEMU's reset (`ioapic_reset_common`) masks the entries without rewriting
   * their MSI routes, so under split the rescan after the reboot still finds the old vectors.
   */
  function afterReboot(text: string): { dirty: Machine; clean: Machine } {
    const s = mustParse(text);
    const dirty = Machine.boot(s.config, false);
    for (const st of s.steps) dirty.apply(st.action);
    const clean = Machine.boot(s.config, false);
    clean.state.vm.routes = dirty.state.vm.routes.map((r) => (r ? { ...r } : r));
    dirty.apply({ kind: 'reboot' });
    clean.apply({ kind: 'reboot' });
    return { dirty, clean };
  }

  // With the IOAPIC's index of pins by vector, which the core keeps beside the state.
  const kept = (m: Machine, sameMode: boolean) => ({
    cpus: m.state.cpus.map((v) => ({ ...v, lvr: sameMode ? v.lvr : 0 })),
    ioapic: { ...m.state.ioapic, line: 0, deliveries: [] },
    vectorPins: [...m.ctx.vectorPins],
  });

  // kvm_lapic_reset() also runs when a vCPU is created: a reboot of a fresh VM changes nothing.
  it.each([
    ['xapic, split', 'vcpus 3\napic xapic'],
    ['x2apic, kernel, Secure AVIC', 'vcpus 2\nirqchip kernel\nsecure-avic on'],
    ['windows guests, SEOIB enabled', 'vcpus 2\nkvm seoib=enabled\nguest all profile=windows'],
  ])('a fresh VM is in the reset state (%s)', (_what, text) => {
    const config = mustParse(text).config;
    const fresh = Machine.boot(config, false);
    const reset = Machine.boot(config, false);
    reset.apply({ kind: 'reboot' });
    expect(kept(fresh, true)).toEqual(kept(reset, true));
  });

  // A VM whose host crashed (R9.5) takes no more steps, a reboot included.
  const alive = PRESETS.filter((p) => !p.text.includes('host-crashes = 1'));

  it.each(alive.map((p) => [p.id, p.text]))('after %s', (_id, text) => {
    const { dirty, clean } = afterReboot(text);
    const sameMode = dirty.state.vm.seoib === clean.state.vm.seoib;
    expect(kept(dirty, sameMode)).toEqual(kept(clean, sameMode));
  });

  it.each([
    [
      'an RTC EOI owed, an edge lost on a masked pin, a storm count',
      `vcpus 2
irqchip kernel
route 8 vector=0x28 trigger=edge dest=1 mask=0
pulse 8
route 3 vector=0x33 trigger=edge mask=1 polarity=low
assert 3
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
cpu 0 eoi
cpu 0 iret
`,
    ],
    ['Secure AVIC with an interrupt pending', 'vcpus 2\nsecure-avic on\nmsi dest=1 vector=0x21\n'],
    [
      'PV EOI armed for an interrupt in service',
      'vcpus 2\nguest 0 profile=linux\nrun\nmsi dest=0 vector=0x31\n',
    ],
    [
      'a stale EOI owed by a vCPU that is no longer the target',
      `vcpus 2
irqchip split
kvm stale-eoi-rescan=on
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
cpu 0 service 10
route 10 dest=1
`,
    ],
    [
      "a windows guest's deferred IOAPIC EOI",
      `vcpus 1
kvm seoib=enabled
guest 0 profile=windows
run
route 5 vector=0xa2 trigger=level dest=0 mask=0
assert 5
run 3
`,
    ],
  ])('also with %s', (_what, text) => {
    const { dirty, clean } = afterReboot(text);
    expect(kept(dirty, true)).toEqual(kept(clean, true));
  });
});

describe('R8.11 planMigration: every outcome of an incoming migration', () => {
  const plan = (source: string, change: HostChange) => {
    const m = Machine.boot(mustParse(`vcpus 1\n${source}`).config, false);
    return planMigration(m.ctx, hostWith(m.state.vm.host, change));
  };
  const ok = (mode: string, state: string, conflict: boolean) => ({ ok: true, mode, state, conflict });
  const failed = (reason: string) => ({ ok: false, reason });

  it.each([
    // An older QEMU knows no SEOIB subsection: only a QUIRKED stream (which has none) loads.
    ['qemu seoib-policy=respected', { policy: 'none' }, failed('unknown-subsection')],
    ['qemu seoib-policy=quirked', { policy: 'none' }, ok('quirked', 'quirked', false)],
    // after-load: the stream's state decides; the destination kernel must take its flag.
    ['qemu seoib-policy=respected', {}, ok('enabled', 'respected', false)],
    ['qemu seoib-policy=not-advertised', {}, ok('disabled', 'not-advertised', false)],
    ['qemu seoib-policy=respected', { kernel: 'no-seoib-api' }, failed('no-api')],
    ['irqchip kernel\nqemu seoib-policy=not-advertised', {}, ok('disabled', 'not-advertised', false)],
    ['qemu seoib-policy=quirked', { kernel: 'no-seoib-api' }, ok('quirked', 'quirked', false)],
    // before-load: the destination's own flag first; rejected at start-up, the VM stays.
    [
      'qemu seoib-policy=quirked',
      { policy: 'respected', flags: 'before-load' },
      ok('enabled', 'quirked', true),
    ],
    [
      'qemu seoib-policy=quirked',
      { policy: 'respected', flags: 'before-load', kernel: 'no-seoib-api' },
      failed('destination-init'),
    ],
    ['irqchip kernel', { policy: 'respected', flags: 'before-load' }, failed('destination-init')],
    ['irqchip kernel', { policy: 'not-advertised', flags: 'before-load' }, ok('disabled', 'quirked', true)],
    ['qemu seoib-policy=quirked', { flags: 'before-load' }, ok('quirked', 'quirked', false)],
    // A stream with a state overrides the destination's own flag.
    [
      'qemu seoib-policy=not-advertised',
      { policy: 'respected', flags: 'before-load' },
      ok('disabled', 'not-advertised', false),
    ],
  ] as [string, HostChange, object][])('%s, then %o', (source, change, want) => {
    expect(plan(source, change)).toEqual(want);
  });

  it('a RESPECTED stream needs ENABLE, which an in-kernel irqchip rejects', () => {
    // No scenario reaches it (a kernel-irqchip VM cannot start RESPECTED), so the state is set here.
    const m = Machine.boot(mustParse('vcpus 1\nirqchip kernel').config, false);
    m.state.vm.qemuSeoib = 'respected';
    expect(planMigration(m.ctx, m.state.vm.host)).toEqual(failed('enable-kernel'));
  });
});

describe('R8.8 the event of each KVM_ENABLE_CAP(KVM_CAP_X2APIC_API) flag write', () => {
  const E = 'ENABLE_SUPPRESS_EOI_BROADCAST';
  const D = 'DISABLE_SUPPRESS_EOI_BROADCAST';
  it.each([
    ['', 'enable', { flags: E, result: 'ok', reason: 'enable', mode: 'enabled' }],
    ['', 'disable', { flags: D, result: 'ok', reason: 'disable', mode: 'disabled' }],
    ['', 'both', { flags: `${E}|${D}`, result: 'EINVAL', reason: 'both', mode: 'quirked' }],
    ['irqchip kernel', 'enable', { flags: E, result: 'EINVAL', reason: 'enable-kernel', mode: 'quirked' }],
    ['irqchip kernel', 'disable', { flags: D, result: 'ok', reason: 'disable', mode: 'disabled' }],
    [
      'host kernel=no-seoib-api',
      'disable',
      { flags: D, result: 'EINVAL', reason: 'no-api', mode: 'quirked' },
    ],
    [
      'host kernel=no-seoib-api',
      'both',
      { flags: `${E}|${D}`, result: 'EINVAL', reason: 'no-api', mode: 'quirked' },
    ],
  ])('%s: seoib=%s', (config, flag, fields) => {
    const s = mustParse(`vcpus 1\n${config}\nkvm-set-x2apic-api seoib=${flag}\n`);
    const m = Machine.boot(s.config);
    const events = s.steps.flatMap((st) => m.apply(st.action).events);
    expect(events.find((e) => e.type === 'x2apic_api_enable_cap')?.fields).toEqual(fields);
  });
});

describe('R8.12 power-on: the new policy sets its flag on a fresh VM', () => {
  it('QUIRKED writes no flag at all; RESPECTED writes ENABLE', () => {
    expect(
      failures(`vcpus 1
qemu seoib-policy=respected
expect vm flag-write = ok
power-on policy=quirked
expect kvm seoib = quirked
expect vm flag-write = none
expect vm seoib-state = quirked
power-on policy=respected
expect kvm seoib = enabled
expect vm flag-write = ok
`),
    ).toEqual([]);
  });
});

describe('the life strip: what each reboot and power-on records', () => {
  it('records the kind, time, leg, outcome, host, mode and QEMU state of each', () => {
    const s = mustParse(`vcpus 1
wait 5us
reboot
power-on policy=not-advertised machine=pc-i440fx-9.2
`);
    const m = Machine.boot(s.config, false);
    for (const st of s.steps) m.apply(st.action);
    const first = {
      policy: 'quirked',
      machine: 'pc-q35-10.2',
      kernel: 'seoib-api',
      flags: 'after-load',
      loadvmCheck: false,
    };
    const entry = { leg: 0, ok: true, detail: '' };
    // Each action takes 1 µs of virtual time (§4): the reboot ends at 7 µs, the power-on at 8.
    expect(m.state.vm.life).toEqual([
      { ...entry, kind: 'power-on', time: 0, host: first, mode: 'quirked', state: 'quirked' },
      { ...entry, kind: 'reboot', time: 7000, host: first, mode: 'quirked', state: 'quirked' },
      {
        ...entry,
        kind: 'power-on',
        time: 8000,
        host: { ...first, policy: 'not-advertised', machine: 'pc-i440fx-9.2' },
        mode: 'disabled',
        state: 'not-advertised',
      },
    ]);
  });
});

describe('R8.10 qemuSeoibPostLoad: QEMU loads a SEOIB state into a KVM VM', () => {
  // KVM's mode before the load (set by the VM's own flag), the state loaded, QEMU's
  // loadvm-check (refuse a QUIRKED state it cannot honour), and what follows.
  it.each([
    ['', 'quirked', false, 'same', true, 'quirked'],
    ['kvm seoib=enabled', 'respected', false, 'same', true, 'enabled'],
    ['kvm seoib=enabled', 'quirked', false, 'kept', true, 'enabled'],
    ['kvm seoib=enabled', 'quirked', true, 'refused', false, 'enabled'],
    ['', 'respected', false, 'set', true, 'enabled'],
    ['', 'not-advertised', true, 'set', true, 'disabled'],
    ['kvm seoib=enabled', 'not-advertised', false, 'set', true, 'disabled'],
    ['irqchip kernel', 'respected', false, 'einval', false, 'quirked'],
  ] as const)('%s: loading %s (refuse %s) is %s', (config, st, refuse, outcome, loaded, mode) => {
    const m = Machine.boot(mustParse(`vcpus 1\n${config}\n`).config);
    const before = m.state.vm.qemuSeoib;
    // As a traced step begins (Machine.apply sets these).
    m.ctx.events = [];
    m.ctx.recording = true;
    expect(qemuSeoibPostLoad(m.ctx, st, 'migrate', refuse)).toBe(loaded);
    expect(m.state.vm.seoib).toBe(mode);
    expect(m.state.vm.qemuSeoib).toBe(loaded ? st : before);
    const ev = m.ctx.events.find((e) => e.type === 'qemu_seoib_load');
    expect(ev?.fields).toEqual({ state: st, mode, outcome, what: 'migrate' });
  });
});
