/**
 * Trace events. `type` is the KVM tracepoint name where one exists (kvm_apic_accept_irq,
 * kvm_eoi, …), QEMU's trace-event name for QEMU IOAPIC work (ioapic_eoi_broadcast, …), or a
 * descriptive name in the same `name: fields` shape otherwise (scan_ioapic, remote_irr_clear).
 * `text` is the tracepoint's TP_printk output; `why` says in plain words which rule applied.
 */
export interface TraceEvent {
  type: string;
  /** Virtual time in nanoseconds. */
  time: number;
  /** vCPU index, or -1 for IOAPIC / VMM / host work that belongs to no vCPU. */
  cpu: number;
  text: string;
  why: string;
  vector?: number;
  pin?: number;
}

/** Tracepoints that belong to KVM proper (the rest come from QEMU or from this model). */
export const KVM_TRACEPOINTS = new Set([
  'kvm_apic_accept_irq',
  'kvm_eoi',
  'kvm_pv_eoi',
  'kvm_ioapic_set_irq',
  'kvm_ioapic_delayed_eoi_inj',
  'kvm_msi_set_irq',
  'kvm_apic_ipi',
  'kvm_inj_virq',
  'kvm_userspace_exit',
  'kvm_exit',
  'kvm_set_irq',
]);

export const DELIVERY_MODE_NAMES = ['Fixed', 'LowPrio', 'SMI', 'Res3', 'NMI', 'INIT', 'SIPI', 'ExtINT'];
export const TRIGGER_NAMES = ['edge', 'level'];
export const DEST_MODE_NAMES = ['physical', 'logical'];
export const SHORTHAND_NAMES = ['dst', 'self', 'all', 'others'];
