/** Editor completion (issue 11) offers the grammar's words, each one the parser accepts. */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../scenario/parse.ts';
import { completionsAt } from './complete.ts';

const at = (line: string) => completionsAt(line, line.length);
const labels = (line: string) => at(line).items.map((i) => i.label);

describe('editor completion', () => {
  it('offers statements at the start of a line', () => {
    expect(labels('k')).toEqual(['kvm', 'kvm-set-x2apic-api']);
    expect(labels('r')).toEqual(['route', 'restore', 'reboot', 'run']);
    expect(labels('ex')).toEqual(['expect', 'explore']);
    expect(at('  ms')).toMatchObject({ from: 2, items: [{ label: 'msi' }] });
  });

  it('offers the KVM switches after kvm, minus those given, and their values after key=', () => {
    expect(labels('kvm ')).toEqual([
      'stale-eoi-rescan=',
      'seoib=',
      'pv-eoi=',
      'pv-eoi-disable-fix=',
      'savic-eoi-write-check=',
      'vector-hashing=',
      'storm-limit=',
    ]);
    expect(labels('kvm seoib=auto pv')).toEqual(['pv-eoi=', 'pv-eoi-disable-fix=']);
    expect(labels('kvm vector-hashing=')).toEqual(['on', 'off']);
    expect(at('kvm vector-hashing=o')).toMatchObject({ from: 19 });
    expect(labels('kvm seoib=')).toEqual(['quirked', 'enabled', 'disabled', 'auto']);
    expect(labels('kvm storm-limit=')).toEqual([]);
  });

  it('offers operations after cpu C, keys and values of actions, expectation words', () => {
    expect(labels('cpu 0 p')).toEqual(['pv-eoi']);
    expect(labels('cpu 0 pv-eoi ')).toEqual(['on', 'off']);
    expect(labels('cpu 0 rdmsr ')).toEqual(['eoi']);
    expect(labels('msi dest=0 ')).toEqual(['vector=', 'destmode=', 'delivery=', 'trigger=']);
    expect(labels('route 10 trigger=')).toEqual(['edge', 'level']);
    expect(labels('irqchip ')).toEqual(['split', 'kernel']);
    expect(labels('guest all ')).toEqual(['profile=']);
    expect(labels('guest ')).toEqual(['all']);
    expect(labels('apicv ')).toEqual(['on', 'off']);
    expect(labels('apic xapic ')).toEqual(['cpuid=']);
    expect(labels('x2apic-api 32bit-ids=on ')).toEqual(['broadcast-quirk=']);
    expect(labels('ioapic ')).toEqual(['0x11', '0x20']);
    expect(labels('vcpus ')).toEqual([]);
    expect(labels('expect count st')).toEqual(['storms']);
    expect(labels('expect count storms ')).toEqual(['pin=']);
    expect(labels('expect cpu 0 s')).toEqual(['shadow-isr', 'spiv', 'stale']);
    expect(labels('expect kvm apicv = ')).toEqual(['active', 'inhibited', 'off']);
    expect(labels('qemu ')).toEqual(['seoib-policy=', 'machine=', 'seoib-flags=', 'loadvm-check=']);
    expect(labels('qemu seoib-flags=')).toEqual(['after-load', 'before-load']);
    expect(labels('host kernel=')).toEqual(['seoib-api', 'no-seoib-api']);
    expect(labels('migrate kernel=no-seoib-api ')).toEqual(['policy=', 'machine=', 'flags=']);
    expect(labels('kvm-set-x2apic-api seoib=')).toEqual(['enable', 'disable', 'both']);
    expect(labels('expect vm ')).toEqual(['leg', 'migration', 'seoib-state', 'flag-write', 'policy']);
    expect(labels('expect vm migration = ')).toEqual(['none', 'completed', 'failed']);
    expect(labels('note "k')).toEqual([]);
    expect(labels('msi dest=0 # k')).toEqual([]);
  });

  it('completes every kvm switch to a line the parser accepts', () => {
    for (const key of labels('kvm ')) {
      const values = labels(`kvm ${key}`);
      const line = `kvm ${key}${values[0] ?? '7'}`;
      expect(parseScenario(`${line}\n`).ok, line).toBe(true);
    }
  });
});
