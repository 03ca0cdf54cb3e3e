/**
 * KVM's optimized APIC map (kvm->arch.apic_map) and the lookup its fast delivery path makes
 * (R4.8). The map is rebuilt from the vCPUs' registers at every recalculation and then never
 * mutated, so states can share it. Linux 6.18/7.x `arch/x86/kvm/lapic.c`.
 */
import type { Config } from './config.ts';
import { broadcastQuirkDisabled, x2apicFormat } from './config.ts';
/**
 * The vCPU registers the map is built from (a structural type: state.ts builds the map at boot,
 * so this module cannot import it back).
 */
export interface MapVcpu {
  readonly index: number;
  readonly x2apic: boolean;
  idReg: number;
  ldr: number;
  dfr: number;
  spiv: number;
  apicArbPrio: number;
}

/** enum kvm_apic_logical_mode. */
export type LogicalMode = 'sw-disabled' | 'x2apic' | 'xapic-flat' | 'xapic-cluster' | 'disabled';

export interface ApicMap {
  /** False when kvm_recalculate_phys_map() failed: KVM keeps no map, every message takes the slow path. */
  valid: boolean;
  invalidWhy: string | null;
  /** max(255, highest x2APIC ID); the size of phys_map minus one. */
  maxApicId: number;
  /** phys_map: vCPU index per physical APIC ID, -1 = no APIC there (empty when invalid). */
  phys: Int32Array;
  logicalMode: LogicalMode;
  logicalDisabledWhy: string | null;
  /** xapic_flat_map[8] and xapic_cluster_map[16][4]: vCPU index or -1. */
  flat: Int32Array;
  cluster: Int32Array;
  /** Why APIC_ID_MODIFIED is set: an xAPIC-mode APIC whose ID is not its vCPU index (mod 256). */
  idModifiedWhy: string | null;
}

/** enum kvm_apicv_inhibit values (arch/x86/include/asm/kvm_host.h). */
export const APICV_INHIBIT_REASON_DISABLED = 0;
export const APICV_INHIBIT_REASON_PHYSICAL_ID_ALIASED = 4;
export const APICV_INHIBIT_REASON_APIC_ID_MODIFIED = 5;
export const APICV_INHIBIT_REASON_LOGICAL_ID_ALIASED = 11;

export const APICV_INHIBIT_NAMES: Record<number, string> = {
  [APICV_INHIBIT_REASON_DISABLED]: 'DISABLED',
  [APICV_INHIBIT_REASON_PHYSICAL_ID_ALIASED]: 'PHYSICAL_ID_ALIASED',
  [APICV_INHIBIT_REASON_APIC_ID_MODIFIED]: 'APIC_ID_MODIFIED',
  [APICV_INHIBIT_REASON_LOGICAL_ID_ALIASED]: 'LOGICAL_ID_ALIASED',
};

/**
 * VMX_REQUIRED_APICV_INHIBITS, restricted to the reasons modelled: VMX ignores
 * LOGICAL_ID_ALIASED (only SVM's AVIC needs a usable logical map).
 */
export const VMX_REQUIRED_APICV_INHIBITS =
  (1 << APICV_INHIBIT_REASON_DISABLED) |
  (1 << APICV_INHIBIT_REASON_PHYSICAL_ID_ALIASED) |
  (1 << APICV_INHIBIT_REASON_APIC_ID_MODIFIED);

export function inhibitNames(inhibits: number): string[] {
  const out: string[] = [];
  for (let r = 0; r < 16; r++) if (inhibits & (1 << r)) out.push(APICV_INHIBIT_NAMES[r] ?? `reason ${r}`);
  return out;
}

const hex = (n: number) => `0x${n.toString(16)}`;
const swEnabled = (v: MapVcpu) => (v.spiv & 0x100) !== 0;

/** The xAPIC ID register's ID (KVM: kvm_xapic_id()); in x2APIC mode the ID is the vCPU index. */
function xapicId(v: MapVcpu): number {
  return v.x2apic ? v.index >>> 24 : v.idReg >>> 24;
}

/**
 * Builds the map from the vCPUs' registers, in vCPU index order.
 * KVM: lapic.c kvm_recalculate_apic_map() with kvm_recalculate_phys_map() and
 * kvm_recalculate_logical_map().
 */
export function buildApicMap(c: Config, cpus: readonly MapVcpu[]): ApicMap {
  let maxApicId = 255;
  for (const v of cpus) if (v.index > maxApicId) maxApicId = v.index;
  const phys = new Int32Array(maxApicId + 1).fill(-1);
  const flat = new Int32Array(8).fill(-1);
  const cluster = new Int32Array(64).fill(-1);
  let logicalMode: LogicalMode = 'sw-disabled';
  let logicalDisabledWhy: string | null = null;
  let idModifiedWhy: string | null = null;
  const format = x2apicFormat(c);
  for (const v of cpus) {
    // kvm_recalculate_phys_map(): the mismatch is noted before the aliasing check can fail.
    const xid = xapicId(v);
    if (!v.x2apic && xid !== (v.index & 0xff))
      idModifiedWhy ??= `vCPU ${v.index} has xAPIC ID ${hex(xid)}, not its vCPU index`;
    if (format) {
      // The hotplug hack: x2APIC IDs always; an xAPIC-mode APIC also at its xAPIC ID, first wins.
      if (v.x2apic || v.index > 0xff) phys[v.index] = v.index;
      if (!v.x2apic && phys[xid] === -1) phys[xid] = v.index;
    } else {
      const id = v.x2apic ? v.index : xid;
      if (phys[id] !== -1)
        return {
          valid: false,
          invalidWhy: `physical ID ${hex(id)} is held by vCPUs ${phys[id]} and ${v.index} (without 32-bit IDs an aliased ID leaves KVM no map)`,
          maxApicId,
          phys: new Int32Array(0),
          logicalMode: 'disabled',
          logicalDisabledWhy: 'no map',
          flat: new Int32Array(0),
          cluster: new Int32Array(0),
          idModifiedWhy,
        };
      phys[id] = v.index;
    }
    // kvm_recalculate_logical_map().
    if (logicalMode === 'disabled' || !swEnabled(v) || v.ldr === 0) continue;
    const mode: LogicalMode = v.x2apic
      ? 'x2apic'
      : v.dfr >>> 0 === 0xffffffff
        ? 'xapic-flat'
        : 'xapic-cluster';
    if (logicalMode === 'sw-disabled') {
      logicalMode = mode;
    } else if (logicalMode !== mode) {
      logicalDisabledWhy = `vCPU ${v.index} is in ${mode} mode while an earlier one is in ${logicalMode} mode`;
      logicalMode = 'disabled';
      continue;
    }
    // In x2APIC mode the logical map is the physical map read in clusters of 16.
    if (v.x2apic) continue;
    const id = v.ldr >>> 24;
    const flatMode = mode === 'xapic-flat';
    const slots = flatMode ? flat : cluster;
    const base = flatMode ? 0 : ((id >>> 4) & 0xf) * 4;
    const mask = flatMode ? id : id & 0xf;
    if (mask === 0) continue;
    const bit = 31 - Math.clz32(mask & -mask);
    if (mask & (mask - 1)) {
      logicalDisabledWhy = `vCPU ${v.index}'s logical ID ${hex(id)} sets more than one ${flatMode ? 'flat' : 'cluster member'} bit`;
      logicalMode = 'disabled';
    } else if (slots[base + bit] !== -1) {
      logicalDisabledWhy = `logical ID ${hex(id)} is held by vCPUs ${slots[base + bit]} and ${v.index}`;
      logicalMode = 'disabled';
    } else {
      slots[base + bit] = v.index;
    }
  }
  return {
    valid: true,
    invalidWhy: null,
    maxApicId,
    phys,
    logicalMode,
    logicalDisabledWhy,
    flat,
    cluster,
    idModifiedWhy,
  };
}

/** The inhibit reasons a recalculation sets or clears, in KVM's order. */
export const MAP_INHIBIT_REASONS = [
  APICV_INHIBIT_REASON_PHYSICAL_ID_ALIASED,
  APICV_INHIBIT_REASON_LOGICAL_ID_ALIASED,
  APICV_INHIBIT_REASON_APIC_ID_MODIFIED,
] as const;

/** The inhibits a recalculation sets (KVM: the end of kvm_recalculate_apic_map()), VMX-filtered. */
export function mapInhibits(map: ApicMap): number {
  let r = 0;
  if (!map.valid) r |= 1 << APICV_INHIBIT_REASON_PHYSICAL_ID_ALIASED;
  if (!map.valid || map.logicalMode === 'disabled') r |= 1 << APICV_INHIBIT_REASON_LOGICAL_ID_ALIASED;
  if (map.idModifiedWhy) r |= 1 << APICV_INHIBIT_REASON_APIC_ID_MODIFIED;
  return r & VMX_REQUIRED_APICV_INHIBITS;
}

/**
 * kvm->arch.apicv_inhibit_reasons after VM creation and the vCPUs' reset: DISABLED without
 * APICv (kvm_apicv_init(), enable_apicv = 0), plus what the map sets.
 */
export function apicvInhibitsAtBoot(c: Config, map: ApicMap): number {
  return (c.apicv ? 0 : 1 << APICV_INHIBIT_REASON_DISABLED) | mapInhibits(map);
}

/** A message as kvm_apic_map_get_dest_lapic() sees it. */
export interface MapIrq {
  vector: number;
  deliveryMode: 0 | 1;
  destMode: 0 | 1;
  dest: number;
  shorthand: 0 | 1 | 2 | 3;
}

/**
 * Whether the message is a broadcast, which the map does not serve.
 * KVM: lapic.c kvm_apic_is_broadcast_dest().
 */
export function kvmApicIsBroadcastDest(c: Config, map: ApicMap, src: MapVcpu | null, irq: MapIrq): boolean {
  if (broadcastQuirkDisabled(c)) {
    if (irq.dest === 0xff && map.logicalMode !== 'x2apic') return true;
    return irq.dest === 0xffffffff;
  }
  const x2apicIpi = src?.x2apic === true;
  return irq.dest === (x2apicIpi ? 0xffffffff : 0xff);
}

/** What the map's lookup says besides its slots, for the trace. */
export interface MapExplain {
  /** For a lowest-priority message, the chosen slot was empty: "Disabled LAPIC found during irq injection". */
  dropped: boolean;
  /** Plain words for the trace: which slots the lookup read. */
  how: string;
}

/** Room `out` needs in kvmApicMapGetDestLapic: a logical cluster has at most 16 slots. */
export const MAX_MAP_SLOTS = 16;

function popcount(x: number): number {
  let n = 0;
  for (let y = x; y; y &= y - 1) n++;
  return n;
}

/** The index of the n-th (0-based) set bit of mask (KVM: find_nth_bit() in kvm_vector_to_index()). */
function nthSetBit(mask: number, n: number): number {
  let left = n;
  for (let i = 0; i < 32; i++) {
    if (!(mask & (1 << i))) continue;
    if (left === 0) return i;
    left--;
  }
  return -1;
}

function explained(explain: MapExplain | null, how: string, dropped = false): void {
  if (!explain) return;
  explain.how = how;
  explain.dropped = dropped;
}

/**
 * The map's answer for a message: writes its slots in bit order (vCPU index, or -1 for an empty
 * slot) to `out` (MAX_MAP_SLOTS long) and returns how many, or returns -1 when the map cannot
 * serve the message (the slow path runs). Nothing is allocated unless `explain` asks for the
 * trace's words. KVM: lapic.c kvm_apic_map_get_dest_lapic() with kvm_apic_map_get_logical_dest().
 */
export function kvmApicMapGetDestLapic(
  c: Config,
  cpus: readonly MapVcpu[],
  map: ApicMap,
  src: MapVcpu | null,
  irq: MapIrq,
  out: Int32Array,
  explain: MapExplain | null,
): number {
  if (irq.shorthand !== 0) {
    if (irq.shorthand !== 1 || !src) return -1;
    out[0] = src.index;
    explained(explain, 'shorthand self');
    return 1;
  }
  if (!map.valid || kvmApicIsBroadcastDest(c, map, src, irq)) return -1;
  if (irq.destMode !== 0) return logicalDestLapic(c, cpus, map, irq, out, explain);
  // Physical: one slot, whatever the delivery mode.
  const dest = irq.dest;
  if (dest > map.maxApicId) {
    if (explain) explained(explain, `physical ID ${hex(dest)} > max_apic_id ${hex(map.maxApicId)}`);
    return 0;
  }
  out[0] = map.phys[dest];
  if (explain) explained(explain, `physical slot ${hex(dest)}`);
  return 1;
}

/** The logical half of kvm_apic_map_get_dest_lapic(): kvm_apic_map_get_logical_dest() and the slot choice. */
function logicalDestLapic(
  c: Config,
  cpus: readonly MapVcpu[],
  map: ApicMap,
  irq: MapIrq,
  out: Int32Array,
  explain: MapExplain | null,
): number {
  // Logical: a cluster of slots (table[base + bit]) and the mask that selects among them.
  let table: Int32Array;
  let base: number;
  let mask: number;
  switch (map.logicalMode) {
    case 'disabled':
      return -1;
    case 'sw-disabled':
      explained(explain, 'logical: every APIC is software-disabled or has LDR 0');
      return 0;
    case 'x2apic': {
      // In x2APIC mode the logical map is the physical map read in clusters of 16.
      table = map.phys;
      base = (irq.dest >>> 16) * 16;
      mask = base > map.maxApicId ? 0 : irq.dest & (0xffff >>> (16 - Math.min(map.maxApicId - base + 1, 16)));
      break;
    }
    case 'xapic-flat':
      table = map.flat;
      base = 0;
      mask = irq.dest & 0xff;
      break;
    case 'xapic-cluster':
      table = map.cluster;
      base = ((irq.dest >>> 4) & 0xf) * 4;
      mask = irq.dest & 0xf;
      break;
  }
  const desc = explain
    ? `${
        map.logicalMode === 'x2apic'
          ? `x2APIC cluster ${irq.dest >>> 16}`
          : map.logicalMode === 'xapic-flat'
            ? 'xAPIC flat map'
            : `xAPIC cluster ${(irq.dest >>> 4) & 0xf}`
      }, mask ${hex(mask)}`
    : '';
  if (irq.deliveryMode === 0) {
    let n = 0;
    for (let b = 0; b < 16; b++) if (mask & (1 << b)) out[n++] = table[base + b];
    explained(explain, desc);
    return n;
  }
  if (!c.kvm.vectorHashing) {
    // The non-empty slot with the smallest apic_arb_prio, first in bit order on ties.
    let lowest = -1;
    for (let b = 0; b < 16; b++) {
      if (!(mask & (1 << b))) continue;
      const i = table[base + b];
      if (i < 0) continue;
      if (lowest < 0 || cpus[i].apicArbPrio < cpus[lowest].apicArbPrio) lowest = i;
    }
    if (explain)
      explained(explain, `${desc}, no vector hashing: smallest apic_arb_prio among the mask's slots`);
    if (lowest < 0) return 0;
    out[0] = lowest;
    return 1;
  }
  if (!mask) {
    explained(explain, desc);
    return 0;
  }
  const n = popcount(mask);
  const bit = nthSetBit(mask, irq.vector % n);
  const chosen = table[base + bit];
  if (explain)
    explained(
      explain,
      `${desc}, vector hashing: ${irq.vector} mod ${n} set bits = ${irq.vector % n} → bit ${bit}${chosen < 0 ? ', an empty slot' : ` (vCPU ${chosen})`}`,
      chosen < 0,
    );
  if (chosen < 0) return 0;
  out[0] = chosen;
  return 1;
}

/** Why the map cannot serve a message (for the slow path's trace). */
export function slowPathReason(c: Config, map: ApicMap, src: MapVcpu | null, irq: MapIrq): string {
  if (irq.shorthand === 2) return 'shorthand all';
  if (irq.shorthand === 3) return 'shorthand others';
  if (!map.valid) return `the map is invalid: ${map.invalidWhy}`;
  if (kvmApicIsBroadcastDest(c, map, src, irq))
    return `${hex(irq.dest)} is a broadcast (kvm_apic_is_broadcast_dest)`;
  return `the logical map is disabled: ${map.logicalDisabledWhy}`;
}

/** A JSON-able view of the map for the inspector and `--json` (R4.8). */
export function apicMapSummary(map: ApicMap) {
  const slots = (a: Int32Array, from = 0) =>
    Array.from(a)
      .map((cpu, i) => ({ slot: i + from, cpu }))
      .filter((e) => e.cpu >= 0);
  return {
    state: !map.valid ? 'invalid' : map.logicalMode === 'disabled' ? 'logical-disabled' : 'valid',
    invalidWhy: map.invalidWhy,
    maxApicId: map.maxApicId,
    logicalMode: map.logicalMode,
    logicalDisabledWhy: map.valid ? map.logicalDisabledWhy : null,
    apicIdModified: map.idModifiedWhy,
    // phys_map is mostly ID = vCPU index: list the slot count and only the other entries.
    physicalSlots: map.valid ? slots(map.phys).length : 0,
    physicalNotIdentity: map.valid
      ? slots(map.phys)
          .filter((e) => e.slot !== e.cpu)
          .map((e) => ({ id: e.slot, cpu: e.cpu }))
      : [],
    xapicFlat: slots(map.flat).map((e) => ({ bit: e.slot, cpu: e.cpu })),
    xapicCluster: slots(map.cluster).map((e) => ({ cluster: e.slot >> 2, bit: e.slot & 3, cpu: e.cpu })),
  };
}
