/**
 * What `expect` checks (scenario-language.md §7): its subjects, the vCPU registers and IOAPIC
 * fields it reads, and the counters with the filters each carries. The core keeps its own
 * lists to compute them (src/core/inspect.ts, counters.ts); the compiler checks that the names
 * agree, and grammar.test.ts that the orders and filters do.
 */
import type { CounterFilter, CounterName } from '../../core/counters.ts';
import type { CpuSetReg, CpuValueReg, IoapicField } from '../../core/inspect.ts';
import type { VmKey } from '../ast.ts';
import { QEMU_SEOIB_POLICIES, QEMU_SEOIB_STATES } from './values.ts';

export const EXPECT_SUBJECTS = ['cpu', 'ioapic', 'kvm', 'vm', 'count'] as const;
/** `expect kvm KEY = …`. */
export const EXPECT_KVM_KEYS = ['seoib', 'apicv'] as const;

/** `expect vm KEY = VALUE` (R8.8–R8.12): the VM's life; `leg` is a number, the others words. */
export const EXPECT_VM_KEYS = [
  { name: 'leg', values: null, help: 'the leg the VM runs on (0 = the first host)' },
  { name: 'migration', values: ['none', 'completed', 'failed'], help: 'how the last migration ended' },
  { name: 'seoib-state', values: QEMU_SEOIB_STATES, help: 'QEMU’s SEOIB state (its VMState subsection)' },
  { name: 'flag-write', values: ['none', 'ok', 'einval'], help: 'the last KVM_ENABLE_CAP SEOIB flag write' },
  { name: 'policy', values: QEMU_SEOIB_POLICIES, help: 'the QEMU policy in force' },
] as const satisfies readonly { name: VmKey; values: readonly string[] | null; help: string }[];

/** Vector-set registers: `expect cpu C REG = {…}`, `has V`, `lacks V`. */
export const CPU_SET_REGS = [
  { name: 'irr', help: 'interrupt request register' },
  { name: 'isr', help: 'in-service register' },
  { name: 'tmr', help: 'trigger mode register (level vectors)' },
  { name: 'handled', help: 'ioapic_handled_vectors (R7.1)' },
  { name: 'shadow-isr', help: 'KVM’s shadow ISR under Secure AVIC (R10)' },
] as const satisfies readonly { name: CpuSetReg; help: string }[];

/** Value registers and flags: `expect cpu C REG = N`. */
export const CPU_VALUE_REGS = [
  { name: 'ppr', help: 'processor priority (R3.2)' },
  { name: 'tpr', help: 'task priority' },
  { name: 'spiv', help: 'spurious-interrupt vector register (R2.3)' },
  { name: 'lvr', help: 'LAPIC version register (bit 24: SEOIB advertised)' },
  { name: 'if', help: 'RFLAGS.IF, 0 or 1' },
  { name: 'stale', help: 'highest_stale_pending_ioapic_eoi, or -1 (R7.6)' },
  { name: 'pv-eoi-pending', help: 'KVM_APIC_PV_EOI_PENDING, 0 or 1 (R9)' },
] as const satisfies readonly { name: CpuValueReg; help: string }[];

/** `expect ioapic PIN FIELD = N`. */
export const IOAPIC_FIELDS = [
  { name: 'remote-irr', help: 'remote IRR of a level RTE' },
  { name: 'irr', help: 'the IOAPIC’s IRR bit' },
  { name: 'line', help: 'the device’s line level' },
  { name: 'mask', help: 'the RTE mask bit' },
  { name: 'vector', help: 'the RTE vector' },
  { name: 'trigger', help: 'edge (0) or level (1)' },
  { name: 'dest', help: 'the RTE destination' },
] as const satisfies readonly { name: IoapicField; help: string }[];

/** The filters a counter may carry, in the order the printer writes them. */
export const COUNTER_FILTER_NAMES = ['cpu', 'pin', 'vector'] as const satisfies readonly CounterFilter[];

/** The counters (contract §7), in the language's order, with their filters. */
export const COUNTERS = [
  { name: 'injections', filters: ['cpu', 'vector'], help: 'interrupts the guest takes' },
  { name: 'eoi-writes', filters: ['cpu'], help: 'guest writes of the LAPIC EOI register' },
  { name: 'eoi-exits', filters: ['cpu', 'vector'], help: 'VM exits caused by an EOI' },
  { name: 'ioapic-eoi-exits', filters: ['cpu', 'vector'], help: 'KVM_EXIT_IOAPIC_EOI exits (split)' },
  { name: 'eoi-broadcasts', filters: ['cpu', 'vector'], help: 'LAPIC EOIs that reach the IOAPIC' },
  { name: 'directed-eois', filters: ['cpu', 'vector'], help: 'IOAPIC EOI-register writes honoured' },
  {
    name: 'needless-eoi-exits',
    filters: ['cpu', 'vector'],
    help: 'EOI broadcasts that found no level pin to end',
  },
  { name: 'scans', filters: ['cpu'], help: 'vcpu_scan_ioapic runs' },
  { name: 'reinjections', filters: ['pin'], help: 'immediate re-injections, the line still high' },
  { name: 'storms', filters: ['pin'], help: 'deferrals by the storm limit' },
  { name: 'pv-eoi-elided', filters: ['cpu'], help: 'guest EOIs elided by PV EOI' },
  { name: 'pv-eoi-applied', filters: ['cpu'], help: 'EOIs KVM applied at an exit (kvm_pv_eoi)' },
  { name: 'exits', filters: ['cpu'], help: 'every VM exit' },
  { name: 'host-crashes', filters: [], help: 'host assertions that fired (R9.5 without the fix)' },
  { name: 'empty-eois', filters: ['cpu'], help: 'EOIs that found nothing in service' },
] as const satisfies readonly { name: CounterName; filters: readonly CounterFilter[]; help: string }[];

// Every register, field and counter of the core has its row.
type Missing =
  | Exclude<CpuSetReg, (typeof CPU_SET_REGS)[number]['name']>
  | Exclude<CpuValueReg, (typeof CPU_VALUE_REGS)[number]['name']>
  | Exclude<IoapicField, (typeof IOAPIC_FIELDS)[number]['name']>
  | Exclude<CounterName, (typeof COUNTERS)[number]['name']>
  | Exclude<VmKey, (typeof EXPECT_VM_KEYS)[number]['name']>;
const everyNameDeclared: [Missing] extends [never] ? true : Missing = true;
void everyNameDeclared;

export const COUNTER_NAMES: readonly CounterName[] = COUNTERS.map((c) => c.name);
/** A Map, not an object: no name may be found on Object.prototype (issue 14). */
export const COUNTER_BY_NAME: ReadonlyMap<string, (typeof COUNTERS)[number]> = new Map(
  COUNTERS.map((c) => [c.name, c]),
);
