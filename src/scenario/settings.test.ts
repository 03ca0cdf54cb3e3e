/** `--set KEY=VALUE` overrides (contract §8): each key, and the messages of bad ones. */
import { describe, expect, it } from 'vitest';
import type { Config } from '../core/config.ts';
import { defaultConfig } from '../core/config.ts';
import { applySetting } from './settings.ts';

function set(...settings: string[]): Config {
  const c = defaultConfig();
  for (const s of settings) expect(applySetting(c, s), s).toBeNull();
  return c;
}

describe('applySetting', () => {
  it('sets the machine keys', () => {
    expect(set('vcpus=8').vcpus).toBe(8);
    expect(set('apic=xapic').apic).toBe('xapic');
    expect(set('irqchip=kernel').irqchip).toBe('kernel');
    expect(set('apicv=on').apicv).toBe(true);
    expect(set('secure-avic=on').secureAvic).toBe(true);
    expect(set('ioapic.version=0x11').ioapicVersion).toBe(0x11);
    expect(set('VCPUS = 3').vcpus).toBe(3);
  });

  it('sets each kvm key and leaves the others as they were', () => {
    const d = defaultConfig().kvm;
    expect(set('kvm.stale-eoi-rescan=off').kvm).toEqual({ ...d, staleEoiRescan: false });
    expect(set('kvm.seoib=disabled').kvm).toEqual({ ...d, seoib: 'disabled' });
    expect(set('kvm.pv-eoi=off').kvm).toEqual({ ...d, pvEoi: false });
    expect(set('kvm.pv-eoi-disable-fix=off').kvm).toEqual({ ...d, pvEoiDisableFix: false });
    expect(set('kvm.savic-eoi-write-check=off').kvm).toEqual({ ...d, savicEoiWriteCheck: false });
    expect(set('kvm.vector-hashing=off').kvm).toEqual({ ...d, vectorHashing: false });
    expect(set('kvm.storm-limit=7').kvm).toEqual({ ...d, stormLimit: 7 });
    expect(set('kvm.storm-limit=7', 'kvm.pv-eoi=off').kvm).toEqual({ ...d, stormLimit: 7, pvEoi: false });
  });

  it('sets guest profiles: all vCPUs, or one on top of all', () => {
    const all = set('vcpus=4', 'guest.all=linux');
    expect(all.guestAll).toBe('linux');
    expect(all.guests).toEqual({});
    const one = set('vcpus=4', 'guest.all=linux', 'guest.1=windows');
    expect(one.guestAll).toBe('linux');
    expect(one.guests).toEqual({ 1: 'windows' });
    expect(set('vcpus=4', 'guest.1=windows', 'guest.all=manual').guests).toEqual({});
  });

  it('names what is wrong, with the same checks as in a file', () => {
    const c = defaultConfig();
    expect(applySetting(c, 'vcpus')).toBe('expected KEY=VALUE');
    expect(applySetting(c, '=3')).toBe('expected KEY=VALUE');
    expect(applySetting(c, 'colour=red')).toBe(
      "unknown key 'colour': vcpus, apic, irqchip, apicv, secure-avic, ioapic.version, kvm.<key>, guest.<cpu|all>, x2apic-api.32bit-ids, x2apic-api.broadcast-quirk, qemu.seoib-policy, qemu.machine, qemu.seoib-flags, qemu.loadvm-check, host.kernel",
    );
    expect(applySetting(c, 'vcpus=0')).toMatch(/vcpus 0 is out of range 1–4096/);
    expect(applySetting(c, 'kvm.storm-limit=0')).toMatch(/storm-limit 0 is out of range/);
    expect(applySetting(c, 'apic=x3apic')).toMatch(/x3apic/);
    expect(c).toEqual(defaultConfig());
  });
});
