/** `trace-cmd report` lines: QEMU's vCPU threads and main thread, the CPU column, the timestamp. */
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from './events.ts';
import { formatTimestamp, formatTraceLine } from './trace-format.ts';

const ev = (cpu: number, time: number): TraceEvent => ({
  type: 'kvm_eoi',
  time,
  cpu,
  cause: null,
  text: 'apicid 0 vector 98',
  why: '',
  rule: '',
  lane: 'vcpu',
  fields: {},
});

describe('formatTraceLine', () => {
  it('names the vCPU thread (QEMU pid + 1 + index) or QEMU itself, and the CPU column', () => {
    // The task is right-aligned in 20 columns, the timestamp in 12.
    expect(formatTraceLine(ev(0, 2000))).toBe(
      '      CPU 0/KVM-4001 [000]     0.000002: kvm_eoi: apicid 0 vector 98',
    );
    expect(formatTraceLine(ev(2, 2000))).toBe(
      '      CPU 2/KVM-4003 [002]     0.000002: kvm_eoi: apicid 0 vector 98',
    );
    expect(formatTraceLine(ev(-1, 1_500_000_000))).toBe(
      'qemu-system-x86-4000 [000]     1.500000: kvm_eoi: apicid 0 vector 98',
    );
    // Three digits, as trace-cmd prints them: vCPU 1234 shows as 234.
    expect(formatTraceLine(ev(1234, 0))).toContain('CPU 1234/KVM-5235 [234]');
  });

  it('prints seconds with microseconds, from integer nanoseconds', () => {
    expect(formatTimestamp(0)).toBe('0.000000');
    expect(formatTimestamp(999)).toBe('0.000000');
    expect(formatTimestamp(1000)).toBe('0.000001');
    expect(formatTimestamp(12_345_678_999)).toBe('12.345678');
  });
});
