/**
 * Whether a dropped or chosen file is a KVM trace rather than a scenario: a `.apic` file is a
 * scenario; otherwise text with a `kvm:`/`kvm_…:` tracepoint (trace-cmd report, perf script) or
 * QEMU's `ioapic_…` trace events is read as a trace. Only the first 64 KiB are looked at.
 */
const TRACEPOINT = /(^|\s)(kvm:)?(kvm_[a-z_]+|ioapic_[a-z_]+):\s/m;

export function looksLikeTrace(name: string, text: string): boolean {
  if (/\.apic$/i.test(name)) return false;
  return TRACEPOINT.test(text.slice(0, 65536));
}
