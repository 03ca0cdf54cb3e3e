/**
 * Where each kind of event travels in the machine picture: from one part of the machine to
 * another (a pin, the IOAPIC, the message fabric, KVM, a LAPIC, a guest CPU), and where an EOI
 * stops when KVM does not forward it or suppresses it.
 */
import type { EventKind, TraceEvent } from '../../core/events.ts';

export type Part =
  | { kind: 'device'; pin: number }
  | { kind: 'ioapic'; pin: number | null }
  | { kind: 'fabric' }
  | { kind: 'kvm' }
  | { kind: 'lapic'; cpu: number }
  | { kind: 'cpu'; cpu: number };

export interface Hop {
  from: Part;
  to: Part;
  /** The message ends here, with this word ("not forwarded", "suppressed", …). */
  stop?: string;
}

const pinOf = (e: TraceEvent) => e.pin ?? null;
const device = (e: TraceEvent): Part => ({ kind: 'device', pin: e.pin ?? -1 });
const ioapic = (e: TraceEvent): Part => ({ kind: 'ioapic', pin: pinOf(e) });
const lapic = (e: TraceEvent): Part => ({ kind: 'lapic', cpu: e.cpu });
const cpu = (e: TraceEvent): Part => ({ kind: 'cpu', cpu: e.cpu });
const FABRIC: Part = { kind: 'fabric' };
const KVM: Part = { kind: 'kvm' };

const HOPS: Partial<Record<EventKind, (e: TraceEvent) => Hop | null>> = {
  kvm_ioapic_set_irq: (e) => ({ from: device(e), to: ioapic(e) }),
  ioapic_set_irq: (e) => ({ from: device(e), to: ioapic(e) }),
  guest_service: (e) => ({ from: cpu(e), to: device(e) }),
  ioapic_service: (e) => ({ from: ioapic(e), to: FABRIC }),
  kvm_set_irq: (e) => ({ from: ioapic(e), to: FABRIC }),
  kvm_msi_set_irq: (e) => ({
    from: e.pin === undefined ? { kind: 'device', pin: -1 } : ioapic(e),
    to: FABRIC,
  }),
  ioapic_reinject: (e) => ({ from: ioapic(e), to: FABRIC }),
  kvm_apic_ipi: (e) => ({ from: cpu(e), to: FABRIC }),
  delivery_fast_path: (e) => ({
    from: FABRIC,
    to: KVM,
    stop: (e.fields as { dropped?: boolean }).dropped ? 'dropped: empty slot' : undefined,
  }),
  delivery_slow_path: () => ({ from: FABRIC, to: KVM }),
  delivery_no_match: () => ({ from: FABRIC, to: KVM, stop: 'nobody matched' }),
  lowest_prio_chosen: (e) => ({ from: KVM, to: lapic(e) }),
  kvm_apic_accept_irq: (e) => ({ from: FABRIC, to: lapic(e) }),
  apic_reject_irq: (e) => ({ from: FABRIC, to: lapic(e), stop: 'APIC disabled' }),
  kvm_inj_virq: (e) => ({ from: lapic(e), to: cpu(e) }),
  apicv_deliver: (e) => ({ from: lapic(e), to: cpu(e) }),
  savic_deliver: (e) => ({ from: lapic(e), to: cpu(e) }),
  irq_window_request: (e) => ({ from: lapic(e), to: cpu(e), stop: 'IF = 0: wait' }),
  kvm_exit: (e) => ({ from: cpu(e), to: KVM }),
  kvm_entry: (e) => ({ from: KVM, to: cpu(e) }),
  kvm_eoi: (e) => ({ from: cpu(e), to: lapic(e) }),
  apicv_eoi: (e) => ({ from: cpu(e), to: lapic(e) }),
  eoi_isr_empty: (e) => ({ from: cpu(e), to: lapic(e), stop: 'ISR empty' }),
  pv_eoi_elided: (e) => ({ from: cpu(e), to: lapic(e), stop: 'PV EOI: no write' }),
  eoi_not_forwarded: (e) => ({ from: lapic(e), to: KVM, stop: 'not forwarded' }),
  seoib_suppressed: (e) => ({ from: lapic(e), to: KVM, stop: 'suppressed (SEOIB)' }),
  stale_eoi_rescan: (e) => ({ from: lapic(e), to: KVM, stop: 'stale: rescan' }),
  eoi_forwarded: (e) => ({ from: lapic(e), to: KVM }),
  ioapic_eoi_exit_request: (e) => ({ from: lapic(e), to: KVM }),
  ioapic_eoi_exit_dropped: () => ({ from: KVM, to: KVM, stop: 'no longer handled' }),
  kvm_userspace_exit: () => ({ from: KVM, to: { kind: 'ioapic', pin: null } }),
  ioapic_eoi_broadcast: () => ({ from: KVM, to: { kind: 'ioapic', pin: null } }),
  remote_irr_clear: (e) => ({ from: KVM, to: ioapic(e) }),
  ioapic_clear_remote_irr: (e) => ({ from: KVM, to: ioapic(e) }),
  ioapic_edge_eoi: (e) => ({ from: KVM, to: ioapic(e), stop: 'edge: nothing to clear' }),
  ioapic_directed_eoi: (e) => ({ from: cpu(e), to: { kind: 'ioapic', pin: null } }),
  ioapic_eoi_ignored: (e) => ({ from: cpu(e), to: { kind: 'ioapic', pin: null }, stop: 'no EOI register' }),
  scan_ioapic: (e) => ({ from: KVM, to: lapic(e) }),
  ioapic_write_rte: (e) => ({ from: KVM, to: ioapic(e) }),
  ioapic_mem_write: (e) => ({ from: cpu(e), to: { kind: 'ioapic', pin: null } }),
  ioapic_mmio_write: (e) => ({ from: cpu(e), to: { kind: 'ioapic', pin: null } }),
};

/** The hop an event makes in the picture, or null when it stays in one place. */
export function hopOf(e: TraceEvent): Hop | null {
  const h = HOPS[e.type]?.(e) ?? null;
  if (!h) return null;
  // A vCPU part needs a vCPU; an event of no vCPU stays where it is.
  for (const p of [h.from, h.to]) if ((p.kind === 'lapic' || p.kind === 'cpu') && p.cpu < 0) return null;
  return h;
}
