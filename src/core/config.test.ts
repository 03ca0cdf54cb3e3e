/** Whole-configuration checks (contract §2): each problem names the statement at fault. */
import { describe, expect, it } from 'vitest';
import type { Config } from './config.ts';
import { configProblems, defaultConfig, MAX_STORM_LIMIT, MAX_VCPUS } from './config.ts';

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
