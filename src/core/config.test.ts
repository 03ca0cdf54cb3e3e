/** Whole-configuration checks (contract §2): each problem names the statement at fault. */
import { describe, expect, it } from 'vitest';
import type { Config } from './config.ts';
import {
  broadcastQuirkDisabled,
  configProblems,
  defaultConfig,
  MAX_STORM_LIMIT,
  MAX_VCPUS,
  machineIsNew,
  policyState,
  seoibModeOf,
  seoibPolicyOf,
  x2apicFormat,
} from './config.ts';

const keys = (patch: (c: Config) => void) => {
  const c = defaultConfig();
  patch(c);
  return configProblems(c).map((p) => p.key);
};

describe('configProblems', () => {
  it('accepts the default configuration and the range ends', () => {
    expect(keys(() => {})).toEqual([]);
    expect(keys((c) => (c.vcpus = 1))).toEqual([]);
    expect(keys((c) => (c.vcpus = MAX_VCPUS))).toEqual([]);
    expect(keys((c) => (c.kvm.stormLimit = 1))).toEqual([]);
    expect(keys((c) => (c.kvm.stormLimit = MAX_STORM_LIMIT))).toEqual([]);
  });

  it('refuses vCPU counts and storm limits outside their ranges', () => {
    expect(keys((c) => (c.vcpus = 0))).toEqual(['vcpus']);
    expect(keys((c) => (c.vcpus = MAX_VCPUS + 1))).toEqual(['vcpus']);
    expect(keys((c) => (c.kvm.stormLimit = 0))).toEqual(['kvm storm-limit']);
    expect(keys((c) => (c.kvm.stormLimit = MAX_STORM_LIMIT + 1))).toEqual(['kvm storm-limit']);
    expect(configProblems({ ...defaultConfig(), vcpus: 0 })[0].message).toBe(
      `vcpus must be 1 to ${MAX_VCPUS}`,
    );
  });

  it('R5.2 / R8.4 / §6: combinations the kernel or the hardware refuse', () => {
    expect(keys((c) => Object.assign(c, { irqchip: 'kernel', ioapicVersion: 0x20 }))).toEqual(['ioapic']);
    expect(keys((c) => Object.assign(c, { irqchip: 'split', ioapicVersion: 0x20 }))).toEqual([]);
    expect(keys((c) => Object.assign(c, { irqchip: 'kernel', ioapicVersion: 0x11 }))).toEqual([]);
    expect(keys((c) => Object.assign(c, { irqchip: 'kernel', kvm: { ...c.kvm, seoib: 'enabled' } }))).toEqual(
      ['kvm seoib'],
    );
    expect(keys((c) => Object.assign(c, { secureAvic: true, apic: 'xapic' }))).toEqual(['secure-avic']);
  });

  it('refuses a guest profile for a vCPU that does not exist', () => {
    expect(keys((c) => Object.assign(c, { vcpus: 2, guests: { 1: 'linux' } }))).toEqual([]);
    expect(keys((c) => Object.assign(c, { vcpus: 2, guests: { 2: 'linux' } }))).toEqual(['guest 2']);
    expect(configProblems({ ...defaultConfig(), vcpus: 2, guests: { 5: 'linux' } })[0].message).toBe(
      'vCPU 5 does not exist (vcpus 2)',
    );
  });
});

describe('configProblems: the message of each problem', () => {
  const problems = (patch: (c: Config) => void) => {
    const c = defaultConfig();
    patch(c);
    return configProblems(c);
  };
  const ENABLE = 'KVM rejects KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST without it (R8.4)';

  it('names the statement at fault and says why, in the kernel’s or QEMU’s terms', () => {
    expect(problems((c) => Object.assign(c, { irqchip: 'kernel', ioapicVersion: 0x20 }))).toEqual([
      { key: 'ioapic', message: 'the in-kernel IOAPIC (irqchip kernel) has only version 0x11 (R5.2)' },
    ]);
    expect(
      problems((c) => Object.assign(c, { irqchip: 'kernel', kvm: { ...c.kvm, seoib: 'enabled' } })),
    ).toEqual([{ key: 'kvm seoib', message: `seoib=enabled needs irqchip split: ${ENABLE}` }]);
    expect(
      problems((c) => {
        c.irqchip = 'kernel';
        c.vmm.seoibPolicy = 'respected';
      }),
    ).toEqual([
      { key: 'qemu seoib-policy', message: `seoib-policy=respected needs irqchip split: ${ENABLE}` },
    ]);
    expect(
      problems((c) => {
        c.vmm.seoibPolicy = 'respected';
        c.kvm.seoib = 'enabled';
      }),
    ).toEqual([
      {
        key: 'qemu seoib-policy',
        message: 'kvm seoib= and qemu seoib-policy= both choose the SEOIB mode: give one of them',
      },
    ]);
    const noApi = (flag: string) =>
      `the host kernel has no SEOIB API: KVM_ENABLE_CAP(KVM_CAP_X2APIC_API) with the ${flag} flag fails with EINVAL and QEMU does not start (R8.8)`;
    expect(
      problems((c) => {
        c.vmm.kernel = 'no-seoib-api';
        c.vmm.seoibPolicy = 'respected';
      }),
    ).toEqual([{ key: 'qemu seoib-policy', message: noApi('ENABLE') }]);
    expect(
      problems((c) => {
        c.vmm.kernel = 'no-seoib-api';
        c.kvm.seoib = 'disabled';
      }),
    ).toEqual([{ key: 'kvm seoib', message: noApi('DISABLE') }]);
    // auto and QUIRKED write no flag: such a kernel starts them.
    for (const seoibPolicy of ['auto', 'quirked'] as const)
      expect(
        problems((c) => {
          c.vmm.kernel = 'no-seoib-api';
          c.vmm.seoibPolicy = seoibPolicy;
        }),
      ).toEqual([]);
    expect(problems((c) => Object.assign(c, { apic: 'x2apic', apicCpuid: 'xapic' }))).toEqual([
      {
        key: 'apic',
        message: 'apic x2apic needs x2APIC in CPUID: KVM refuses X2APIC_ENABLE without it (cpuid=x2apic)',
      },
    ]);
    expect(
      problems((c) => Object.assign(c, { vcpus: 256, x2apicApi: { ...c.x2apicApi, ids32: false } })),
    ).toEqual([
      {
        key: 'x2apic-api',
        message:
          'vcpus 256 needs 32bit-ids=on: APIC IDs above 255 need KVM_X2APIC_API_USE_32BIT_IDS, QEMU refuses to start without it',
      },
    ]);
    expect(problems((c) => Object.assign(c, { secureAvic: true, apic: 'xapic' }))).toEqual([
      { key: 'secure-avic', message: 'Secure AVIC requires apic x2apic (contract §6)' },
    ]);
    expect(problems((c) => (c.kvm.stormLimit = 0))).toEqual([
      { key: 'kvm storm-limit', message: `storm-limit must be 1 to ${MAX_STORM_LIMIT}` },
    ]);
  });
});

describe('the SEOIB policy, machine gate and x2APIC API defaults', () => {
  const c = (patch: (c: Config) => void) => {
    const x = defaultConfig();
    patch(x);
    return x;
  };

  it('`kvm seoib=` stands for the policy of the same name; `qemu seoib-policy=` wins', () => {
    const modes = ['quirked', 'enabled', 'disabled', 'auto'] as const;
    expect(modes.map((m) => seoibPolicyOf(c((x) => (x.kvm.seoib = m))))).toEqual([
      'quirked',
      'respected',
      'not-advertised',
      'auto',
    ]);
    expect(modes.map((m) => seoibModeOf(c((x) => (x.kvm.seoib = m))))).toEqual([
      'quirked',
      'enabled',
      'disabled',
      'enabled', // auto, with split's IOAPIC 0x20
    ]);
    expect(
      seoibModeOf(c((x) => Object.assign(x, { irqchip: 'kernel', kvm: { ...x.kvm, seoib: 'auto' } }))),
    ).toBe('disabled');
    expect(seoibPolicyOf(c((x) => (x.vmm.seoibPolicy = 'auto-new-machines')))).toBe('auto-new-machines');
  });

  it('machine types from 10.2 are new (the RFC gate); anything unparsable is not', () => {
    const news = ['pc-q35-10.2', 'pc-i440fx-10.2', 'pc-q35-10.10', 'pc-q35-11.0'];
    const olds = ['pc-q35-10.1', 'pc-q35-9.2', 'pc-i440fx-9.9', 'q35', ''];
    expect(news.map(machineIsNew)).toEqual(news.map(() => true));
    expect(olds.map(machineIsNew)).toEqual(olds.map(() => false));
    expect(policyState('auto-new-machines', 'pc-q35-10.1', 'seoib-api', 0x20)).toBe('quirked');
    expect(policyState('auto-new-machines', 'pc-q35-10.2', 'seoib-api', 0x20)).toBe('respected');
    expect(policyState('auto-new-machines', 'pc-q35-10.2', 'seoib-api', 0x11)).toBe('not-advertised');
    expect(policyState('auto', 'pc-q35-10.2', 'no-seoib-api', 0x20)).toBe('quirked');
  });

  it('from 256 vCPUs, 32-bit IDs and no broadcast quirk unless said otherwise', () => {
    for (const [vcpus, on] of [
      [255, false],
      [256, true],
    ] as const) {
      expect(x2apicFormat(c((x) => (x.vcpus = vcpus)))).toBe(on);
      expect(broadcastQuirkDisabled(c((x) => (x.vcpus = vcpus)))).toBe(on);
    }
    expect(broadcastQuirkDisabled(c((x) => (x.x2apicApi.broadcastQuirk = true)))).toBe(false);
    expect(
      broadcastQuirkDisabled(
        c((x) => Object.assign(x, { vcpus: 300, x2apicApi: { ...x.x2apicApi, broadcastQuirk: true } })),
      ),
    ).toBe(false);
    expect(broadcastQuirkDisabled(c((x) => (x.x2apicApi.broadcastQuirk = false)))).toBe(true);
    expect(x2apicFormat(c((x) => (x.x2apicApi.ids32 = true)))).toBe(true);
  });
});
