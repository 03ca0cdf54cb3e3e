import { describe, expect, it } from 'vitest';
import { looksLikeTrace } from './detect.ts';

describe('looksLikeTrace', () => {
  const traceCmd = ' CPU 0/KVM-1234  [002]  100.000001: kvm_set_irq:          gsi 10 level 1 source 0\n';
  const perf = 'CPU 0/KVM  699876 [020] 18136.763622: kvm:kvm_eoi: apicid 0 vector 98\n';
  it('knows trace-cmd report and perf script lines', () => {
    expect(looksLikeTrace('t.txt', traceCmd)).toBe(true);
    expect(looksLikeTrace('t.dat.txt', perf)).toBe(true);
    expect(looksLikeTrace('qemu.log', 'ioapic_set_irq: vector: 10 level: 1\n')).toBe(true);
  });
  it('leaves scenarios alone, .apic files whatever they hold', () => {
    expect(looksLikeTrace('a.txt', 'vcpus 2\nroute 10 vector=0x62 trigger=level dest=0 mask=0\n')).toBe(
      false,
    );
    expect(looksLikeTrace('a.apic', traceCmd)).toBe(false);
    // A note that names a tracepoint is not a trace line.
    expect(looksLikeTrace('a.txt', 'note "kvm_eoi is traced"\n')).toBe(false);
  });
});
