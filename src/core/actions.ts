/** The scenario language's actions (contract §3), as the core consumes them. */
import type { HostKernel, QemuSeoibPolicy, SeoibFlagsAt } from './config.ts';

export type Trigger = 0 | 1; // 0 edge, 1 level (RTE bit 15, MSI data bit 15)
export type DestMode = 0 | 1; // 0 physical, 1 logical
export type DeliveryMode = 0 | 1; // 0 fixed, 1 lowest priority (APIC_DM_* >> 8)
export type Shorthand = 0 | 1 | 2 | 3; // none, self, all (including self), others

export interface RteFields {
  vector: number;
  trigger: Trigger;
  dest: number;
  destMode: DestMode;
  deliveryMode: DeliveryMode;
  mask: 0 | 1;
  polarity: 0 | 1; // 0 active high, 1 active low: stored only (R5.1)
}

export type CpuOp =
  | { op: 'eoi' }
  | { op: 'iret' }
  | { op: 'sti' }
  | { op: 'cli' }
  | { op: 'tpr'; value: number }
  | { op: 'apic-id'; value: number }
  | { op: 'ldr'; value: number }
  | { op: 'dfr'; value: number }
  | { op: 'spiv'; value: number }
  | { op: 'seoib'; on: boolean }
  | { op: 'ioapic-eoi'; value: number }
  | { op: 'service'; pin: number }
  | { op: 'ioapic-rte'; pin: number; fields: Partial<RteFields> }
  | { op: 'pv-eoi'; on: boolean }
  | { op: 'rdmsr-eoi' }
  | { op: 'exit' };

export type Action =
  | { kind: 'route'; pin: number; fields: Partial<RteFields> }
  | { kind: 'mask'; pin: number }
  | { kind: 'unmask'; pin: number }
  | { kind: 'assert'; pin: number }
  | { kind: 'deassert'; pin: number }
  | { kind: 'pulse'; pin: number }
  | {
      kind: 'msi';
      dest: number;
      vector: number;
      destMode: DestMode;
      deliveryMode: DeliveryMode;
      trigger: Trigger;
    }
  | {
      kind: 'ipi';
      from: number;
      vector: number;
      dest: number;
      destMode: DestMode;
      deliveryMode: DeliveryMode;
      shorthand: Shorthand;
    }
  | { kind: 'wait'; ns: number }
  /** `as`: written with QEMU's monitor words, `savevm NAME` / `loadvm NAME` (the same action). */
  | { kind: 'snapshot'; name: string; as?: 'savevm' }
  | { kind: 'restore'; name: string; as?: 'loadvm' }
  | { kind: 'host-pv-eoi'; cpu: number }
  | { kind: 'reboot' }
  | { kind: 'power-on'; host: HostChange }
  | { kind: 'migrate'; host: HostChange }
  | { kind: 'kvm-set-x2apic-api'; seoib: 'enable' | 'disable' | 'both' }
  | { kind: 'cpu'; cpu: number; op: CpuOp }
  | { kind: 'run'; n: number };

/** The keys of `power-on …` / `migrate …` that change the host; a key left out keeps its value. */
export interface HostChange {
  policy?: QemuSeoibPolicy;
  machine?: string;
  kernel?: HostKernel;
  flags?: SeoibFlagsAt;
}

export { DEFAULT_RUN_STEPS } from './limits.ts';
