/**
 * The explorer's canonical form of a machine state: every field that influences what the
 * machine does next, written as 32-bit words into a reused Int32Array, and read back into a
 * live Machine (so a frontier state costs its words, not a MachineState's objects).
 *
 * What is left out, and why (docs/explore.md):
 * - time: nothing behaves by the absolute clock; only the storm limit's deferred injection has a
 *   deadline, so it is written relative to now (deadline − time). Two states that differ only in
 *   how long ago they were reached are one state. Read back, time restarts at the root's time.
 * - counters: only counted, never read by the machine. They are written only when a property
 *   reads them (an `invariant count …`); the lints read how counters grow in one step, which the
 *   explorer measures across that step.
 * - IoapicState.deliveries (display only) and the Ctx's derived indexes and caches (vectorPins,
 *   attention and busy bits, frame pool), which are rebuilt after reading.
 * - snapshots: the alphabet never takes one (the parser refuses `explore action snapshot`), so
 *   every explored state keeps the root's.
 * - the VM's life (VmState.life, the lifecycle strip's history): never read by the machine, and
 *   it grows with every reboot or migration; read back, it is the root's. Its `leg` (how many
 *   migrations completed) is only counted too: written only when an invariant reads it
 *   (`invariant vm leg …`), else migrating back and forth would never return to a state seen.
 *   The rest of the SEOIB life is written: QEMU's SEOIB state, the host leg (policy, machine,
 *   kernel, flags, loadvm check: interned), the last migration's and flag write's outcomes.
 * Objects the core never mutates (apic maps, handler scripts, MSI routes) are interned by
 * content and written as their number, so equal content is one word.
 */
import type { ApicMap } from '../core/apicmap.ts';
import type { CpuVectorCounter } from '../core/counters.ts';
import { countersAddCpuVector } from '../core/counters.ts';
import type { Ctx } from '../core/ctx.ts';
import { clearAttn, markGuestBusy } from '../core/ctx.ts';
import { guestIdle, opText } from '../core/guest.ts';
import { ioapicIndexVectors } from '../core/ioapic-common.ts';
import type {
  GuestOp,
  HandlerFrame,
  HostLeg,
  LifeEntry,
  MachineState,
  MsiRoute,
  Rte,
  VcpuState,
  VmState,
} from '../core/state.ts';
import { newFrame } from '../core/state.ts';

const SEOIB = ['quirked', 'enabled', 'disabled'] as const;
const QEMU_SEOIB = [
  'quirked',
  'respected',
  'not-advertised',
] as const satisfies readonly VmState['qemuSeoib'][];
const MIGRATION = ['none', 'completed', 'failed'] as const satisfies readonly VmState['lastMigration'][];
const FLAG_WRITE = ['none', 'ok', 'einval'] as const satisfies readonly VmState['lastFlagWrite'][];
/** The packed word of a reset redirection entry: masked, everything else 0. */
const RESET_RTE = 1 << 11;
/** counters.ts packs a cpu × vector key with these spans (a test checks the round trip). */
const VECTOR_SPAN = 257;
const CPU_SPAN = 4097;

/** Interns immutable objects by content: the same content is always the same number. */
class Interner<T extends object> {
  private readonly ids = new WeakMap<T, number>();
  private readonly byKey = new Map<string, number>();
  readonly items: T[] = [];
  constructor(private readonly key: (x: T) => string) {}

  id(x: T): number {
    const known = this.ids.get(x);
    if (known !== undefined) return known;
    const k = this.key(x);
    let id = this.byKey.get(k);
    if (id === undefined) {
      id = this.items.length;
      this.items.push(x);
      this.byKey.set(k, id);
    }
    this.ids.set(x, id);
    return id;
  }
}

const mapKey = (a: ApicMap) =>
  JSON.stringify([
    a.valid,
    a.invalidWhy,
    a.maxApicId,
    Array.from(a.phys),
    a.logicalMode,
    a.logicalDisabledWhy,
    Array.from(a.flat),
    Array.from(a.cluster),
    a.idModifiedWhy,
  ]);
const scriptKey = (s: GuestOp[]) => s.map(opText).join(',');
const routeKey = (r: MsiRoute) => `${r.dest},${r.destMode},${r.vector},${r.deliveryMode},${r.trigger}`;
const hostKey = (h: HostLeg) => `${h.policy},${h.machine},${h.kernel},${h.flags},${h.loadvmCheck}`;

/** Writes a 256-bit bitmap at buf[pos]: its summary word (bitmap.ts: the mask of its non-zero words), then those words; returns the index after it. */
function writeBitmap(buf: Int32Array, pos: number, b: Uint32Array): number {
  let mask = b[8];
  buf[pos++] = mask;
  while (mask !== 0) {
    buf[pos++] = b[31 - Math.clz32(mask & -mask)];
    mask &= mask - 1;
  }
  return pos;
}

/** Reads a bitmap `writeBitmap` wrote at src[i]; returns the index after it. */
function readBitmap(b: Uint32Array, src: Int32Array, at: number): number {
  let i = at;
  let mask = src[i++];
  // The same summary: its zero registers are zero already (bitmap.ts keeps the summary).
  if (b[8] !== mask) {
    b[8] = mask;
    b[0] = b[1] = b[2] = b[3] = b[4] = b[5] = b[6] = b[7] = 0;
  }
  while (mask !== 0) {
    b[31 - Math.clz32(mask & -mask)] = src[i++];
    mask &= mask - 1;
  }
  return i;
}

/** Whether src[at…] holds the words `writeBitmap` writes for `b`: the index after them, or -1. */
function sameBitmap(b: Uint32Array, src: Int32Array, at: number): number {
  let mask = b[8];
  if (src[at] !== mask) return -1;
  let i = at + 1;
  while (mask !== 0) {
    if (src[i++] !== (b[31 - Math.clz32(mask & -mask)] | 0)) return -1;
    mask &= mask - 1;
  }
  return i;
}

/** Whether a[a0, a1) and b[b0, b1) hold the same words. */
function sameWords(a: Int32Array, a0: number, a1: number, b: Int32Array, b0: number, b1: number): boolean {
  if (a1 - a0 !== b1 - b0) return false;
  for (let i = a0, j = b0; i < a1; i++, j++) if (a[i] !== b[j]) return false;
  return true;
}

/** A redirection entry's word. */
function rteWord(e: Rte): number {
  return (
    e.vector |
    (e.trigger << 8) |
    (e.destMode << 9) |
    (e.deliveryMode << 10) |
    (e.mask << 11) |
    (e.polarity << 12) |
    (e.remoteIrr << 13) |
    (e.dest << 16)
  );
}

function seoibWord(vm: VmState): number {
  return vm.seoib === 'quirked' ? 0 : vm.seoib === 'enabled' ? 1 : 2;
}

/** A vCPU's flags word. */
function vcpuFlags(v: VcpuState): number {
  return (
    (v.apicvActive ? 1 : 0) |
    (v.inGuest ? 2 : 0) |
    (v.kickPending ? 4 : 0) |
    (v.pvEoiEnabled ? 8 : 0) |
    (v.pvEoiByte ? 16 : 0) |
    (v.pvEoiPending ? 32 : 0) |
    (v.rflagsIf ? 64 : 0) |
    (v.booted ? 128 : 0)
  );
}

/**
 * Reads and writes the canonical words of the states of one machine (one configuration). The
 * words fall into segments, one per vCPU and then the rest (IOAPIC, VM, counters), so that the
 * explorer can tell which parts of a state a step changed and restore only those (`readSegments`).
 */
export class StateCodec {
  /** The words of the last `write`; valid up to `length`. */
  buf = new Int32Array(4096);
  length = 0;
  /** Where each segment of the last `write` starts (vCPUs, then the rest); `seg[vcpus + 1]` = length. */
  seg = new Int32Array(0);
  private readonly maps = new Interner<ApicMap>(mapKey);
  private readonly scripts = new Interner<GuestOp[]>(scriptKey);
  private readonly routes = new Interner<MsiRoute>(routeKey);
  private readonly hosts = new Interner<HostLeg>(hostKey);
  /** The life of the first state written (the root): every state read back has it. */
  private life: readonly LifeEntry[] | null = null;

  /**
   * @param withCounters write the counters too (a property reads them)
   * @param pins the pins written (bit per pin, alphabet.ts activePins): the others never change
   * @param withLeg write the VM's leg too (a property reads it)
   */
  constructor(
    readonly withCounters: boolean,
    pins = 0xffffff,
    readonly withLeg = false,
  ) {
    for (let p = 0; p < 24; p++) if (pins & (1 << p)) this.pins.push(p);
  }

  /** The pins written, from pin 0 up. */
  private readonly pins: number[] = [];

  /** Makes room for the words of `s` (an upper bound), so that the writes need no check. */
  private reserve(s: MachineState): void {
    let n = this.restBound(s);
    for (const v of s.cpus) n += 128 + 3 * (v.frames.length + v.tasks.length);
    this.room(0, n);
    if (this.seg.length !== s.cpus.length + 2) this.seg = new Int32Array(s.cpus.length + 2);
  }

  /** An upper bound of the rest's words (an RTC EOI map has at most one entry per vCPU). */
  private restBound(s: MachineState): number {
    let n = 64 + 4 * s.ioapic.rte.length + 2 * s.cpus.length;
    if (this.withCounters) n += 4 + 2 * s.counters.dense.length + 2 * s.counters.keys.length;
    return n;
  }

  /** Makes room for n words at buf[pos], keeping the words before it. */
  private room(pos: number, n: number): void {
    if (pos + n <= this.buf.length) return;
    const b = new Int32Array((pos + n) * 2);
    b.set(this.buf.subarray(0, pos));
    this.buf = b;
  }

  private script(s: GuestOp[] | null): number {
    if (s === null) return -1;
    if (s !== this.lastScript) {
      this.lastScript = s;
      this.lastScriptId = this.scripts.id(s);
    }
    return this.lastScriptId;
  }

  /** The last apic map, host, script and route objects seen, and their numbers (they rarely change). */
  private lastMap: ApicMap | null = null;
  private lastMapId = -1;
  private lastHost: HostLeg | null = null;
  private lastHostId = -1;
  private lastScript: GuestOp[] | null = null;
  private lastScriptId = -1;
  private lastLife: [
    VmState['qemuSeoib'] | null,
    VmState['lastMigration'] | null,
    VmState['lastFlagWrite'] | null,
  ] = [null, null, null];
  private lastLifeWord = 0;
  private readonly lastRoute: (MsiRoute | null)[] = [];
  private readonly lastRouteId: number[] = [];

  /** Writes the canonical words of `s` into `buf` and their segments into `seg`; returns their count. */
  write(s: MachineState): number {
    this.reserve(s);
    const buf = this.buf;
    const seg = this.seg;
    const cpus = s.cpus;
    let pos = 0;
    for (let c = 0; c < cpus.length; c++) {
      seg[c] = pos;
      pos = this.vcpu(buf, pos, cpus[c]);
    }
    seg[cpus.length] = pos;
    pos = this.rest(buf, pos, s);
    seg[cpus.length + 1] = pos;
    this.length = pos;
    return pos;
  }

  /**
   * Writes the segments of `s` whose words differ from those of the state `ref` (its segments at
   * `refSeg`), and marks them in `changed`; the others are left empty in `buf` (`seg[k]` =
   * `seg[k + 1]`): their words are ref's. Returns whether any segment changed.
   */
  writeChanged(s: MachineState, ref: Int32Array, refSeg: Int32Array, changed: Uint8Array): boolean {
    const cpus = s.cpus;
    if (this.seg.length !== cpus.length + 2) this.seg = new Int32Array(cpus.length + 2);
    const seg = this.seg;
    let any = false;
    let pos = 0;
    for (let c = 0; c < cpus.length; c++) {
      seg[c] = pos;
      const v = cpus[c];
      if (this.sameVcpu(v, ref, refSeg[c], refSeg[c + 1])) changed[c] = 0;
      else {
        this.room(pos, 128 + 3 * (v.frames.length + v.tasks.length));
        pos = this.vcpu(this.buf, pos, v);
        changed[c] = 1;
        any = true;
      }
    }
    this.room(pos, this.restBound(s));
    const buf = this.buf;
    seg[cpus.length] = pos;
    const at = refSeg[cpus.length];
    const to = refSeg[cpus.length + 1];
    // An RTC EOI map or counters: written, then compared.
    const same =
      this.withCounters || s.ioapic.rtcDestMap.size !== 0
        ? sameWords(buf, pos, this.rest(buf, pos, s), ref, at, to)
        : this.sameRest(s, ref, at, to);
    if (same) changed[cpus.length] = 0;
    else {
      pos = this.rest(buf, pos, s);
      changed[cpus.length] = 1;
      any = true;
    }
    seg[cpus.length + 1] = pos;
    this.length = pos;
    return any;
  }

  /** Writes the rest (IOAPIC, VM, counters) at buf[at]; returns the index after it. */
  private rest(buf: Int32Array, at: number, s: MachineState): number {
    let pos = at;
    const io = s.ioapic;
    const rte = io.rte;
    const liveAt = pos++;
    let live = 0;
    const pins = this.pins;
    for (let j = 0; j < pins.length; j++) {
      const p = pins[j];
      const w = rteWord(rte[p]);
      // Only the entries that differ from the reset one (masked, all zero).
      if (w !== RESET_RTE) {
        live |= 1 << p;
        buf[pos++] = w;
      }
    }
    buf[liveAt] = live;
    buf[pos++] = io.ioregsel;
    buf[pos++] = io.irr;
    buf[pos++] = io.irrDelivered;
    buf[pos++] = io.line;
    buf[pos++] = io.edgeUndelivered;
    buf[pos++] = io.rtcPendingEoi;
    const eoiAt = pos++;
    let eoiMask = 0;
    const irqEoi = io.irqEoi;
    for (let j = 0; j < pins.length; j++) {
      const p = pins[j];
      if (irqEoi[p] !== 0) {
        eoiMask |= 1 << p;
        buf[pos++] = irqEoi[p];
      }
    }
    buf[eoiAt] = eoiMask;
    buf[pos++] = io.rtcDestMap.size;
    if (io.rtcDestMap.size) {
      for (const k of [...io.rtcDestMap.keys()].sort((a, b) => a - b)) {
        buf[pos++] = k;
        buf[pos++] = io.rtcDestMap.get(k)!;
      }
    }
    // Relative to now: see the module comment.
    buf[pos++] = io.deferredAt < 0 ? -1 : io.deferredAt - s.time;
    const vm = s.vm;
    buf[pos++] = seoibWord(vm);
    buf[pos++] = vm.apicvInhibits;
    buf[pos++] = this.mapId(vm);
    buf[pos++] = vm.crashed ? 1 : 0;
    buf[pos++] = this.lifeWord(vm);
    buf[pos++] = this.hostId(vm);
    if (this.withLeg) buf[pos++] = vm.leg;
    const routes = vm.routes;
    for (let j = 0; j < pins.length; j++) buf[pos++] = this.routeId(pins[j], routes[pins[j]]);
    if (this.withCounters) pos = this.counters(buf, pos, s);
    return pos;
  }

  private mapId(vm: VmState): number {
    if (vm.apicMap !== this.lastMap) {
      this.lastMap = vm.apicMap;
      this.lastMapId = this.maps.id(vm.apicMap);
    }
    return this.lastMapId;
  }

  /** The SEOIB life's outcomes (see the module comment). */
  private lifeWord(vm: VmState): number {
    this.life ??= vm.life;
    if (
      vm.qemuSeoib !== this.lastLife[0] ||
      vm.lastMigration !== this.lastLife[1] ||
      vm.lastFlagWrite !== this.lastLife[2]
    ) {
      this.lastLife = [vm.qemuSeoib, vm.lastMigration, vm.lastFlagWrite];
      this.lastLifeWord =
        QEMU_SEOIB.indexOf(vm.qemuSeoib) |
        (MIGRATION.indexOf(vm.lastMigration) << 2) |
        (FLAG_WRITE.indexOf(vm.lastFlagWrite) << 4);
    }
    return this.lastLifeWord;
  }

  private hostId(vm: VmState): number {
    if (vm.host !== this.lastHost) {
      this.lastHost = vm.host;
      this.lastHostId = this.hosts.id(vm.host);
    }
    return this.lastHostId;
  }

  private routeId(p: number, r: MsiRoute | null): number {
    if (r === null) return -1;
    if (this.lastRoute[p] !== r) {
      this.lastRoute[p] = r;
      this.lastRouteId[p] = this.routes.id(r);
    }
    return this.lastRouteId[p];
  }

  /**
   * Whether the rest's words are src[at, end), compared field by field as `rest` would write
   * them; not for an RTC EOI map or counters (written, then compared, instead).
   */
  private sameRest(s: MachineState, src: Int32Array, at: number, end: number): boolean {
    const io = s.ioapic;
    const rte = io.rte;
    const pins = this.pins;
    // One pass: while the masks agree the words line up, and where they differ so do the states.
    let live = 0;
    let i = at + 1;
    for (let j = 0; j < pins.length; j++) {
      const w = rteWord(rte[pins[j]]);
      if (w === RESET_RTE) continue;
      live |= 1 << pins[j];
      if (i >= end || src[i++] !== w) return false;
    }
    if (src[at] !== live) return false;
    if (
      ((src[i] ^ io.ioregsel) |
        (src[i + 1] ^ io.irr) |
        (src[i + 2] ^ io.irrDelivered) |
        (src[i + 3] ^ io.line) |
        (src[i + 4] ^ io.edgeUndelivered) |
        (src[i + 5] ^ io.rtcPendingEoi)) !==
      0
    )
      return false;
    i += 6;
    const irqEoi = io.irqEoi;
    const eoiAt = i++;
    let eoiMask = 0;
    for (let j = 0; j < pins.length; j++) {
      const x = irqEoi[pins[j]];
      if (x === 0) continue;
      eoiMask |= 1 << pins[j];
      if (i >= end || src[i++] !== x) return false;
    }
    if (src[eoiAt] !== eoiMask) return false;
    const vm = s.vm;
    if (
      (src[i] | // the RTC EOI map's size
        (src[i + 1] ^ (io.deferredAt < 0 ? -1 : io.deferredAt - s.time)) |
        (src[i + 2] ^ seoibWord(vm)) |
        (src[i + 3] ^ vm.apicvInhibits) |
        (src[i + 4] ^ this.mapId(vm)) |
        (src[i + 5] ^ (vm.crashed ? 1 : 0)) |
        (src[i + 6] ^ this.lifeWord(vm)) |
        (src[i + 7] ^ this.hostId(vm))) !==
      0
    )
      return false;
    i += 8;
    if (this.withLeg && src[i++] !== vm.leg) return false;
    const routes = vm.routes;
    for (let j = 0; j < pins.length; j++)
      if (src[i++] !== this.routeId(pins[j], routes[pins[j]])) return false;
    return i === end;
  }

  /**
   * Whether vCPU `v`'s words are src[at, end), compared field by field as `vcpu` would write
   * them (no store, and it stops at the first difference).
   */
  private sameVcpu(v: VcpuState, src: Int32Array, at: number, end: number): boolean {
    let i = at;
    // Runs of fixed fields are compared as one (x ^ y is 0 where the stored word equals x).
    if (
      ((src[i] ^ v.idReg) |
        (src[i + 1] ^ v.ldr) |
        (src[i + 2] ^ v.dfr) |
        (src[i + 3] ^ v.spiv) |
        (src[i + 4] ^ v.lvr) |
        (src[i + 5] ^ v.tpr)) !==
      0
    )
      return false;
    i = sameBitmap(v.irr, src, i + 6);
    if (i < 0) return false;
    i = sameBitmap(v.isr, src, i);
    if (i < 0) return false;
    i = sameBitmap(v.tmr, src, i);
    if (i < 0) return false;
    if (((src[i] ^ v.highestIsrCache) | (src[i + 1] ^ v.apicArbPrio)) !== 0) return false;
    i = sameBitmap(v.ioapicHandledVectors, src, i + 2);
    if (i < 0) return false;
    i = sameBitmap(v.eoiExitBitmap, src, i);
    if (i < 0) return false;
    if (
      ((src[i] ^ v.highestStalePendingIoapicEoi) |
        (src[i + 1] ^ v.pendingIoapicEoi) |
        (src[i + 2] ^ v.requests) |
        (src[i + 3] ^ v.tprThreshold) |
        (src[i + 4] ^ vcpuFlags(v))) !==
      0
    )
      return false;
    i += 5;
    const savic = v.savic;
    if (savic) {
      i = sameBitmap(savic.irr, src, i);
      if (i < 0) return false;
      i = sameBitmap(savic.isr, src, i);
      if (i < 0) return false;
      i = sameBitmap(savic.tmr, src, i);
      if (i < 0 || src[i++] !== (savic.tpr | 0)) return false;
    }
    const frames = v.frames;
    if (src[i++] !== frames.length) return false;
    for (let k = 0; k < frames.length; k++) {
      const f = frames[k];
      if (
        src[i] !== (f.vector | (f.savedIf ? 0x100 : 0) | (f.levelAtTake ? 0x200 : 0)) ||
        src[i + 1] !== f.pc ||
        src[i + 2] !== this.script(f.script)
      )
        return false;
      i += 3;
    }
    const tasks = v.tasks;
    if (src[i++] !== tasks.length) return false;
    for (let k = 0; k < tasks.length; k++) {
      const t = tasks[k];
      if (src[i] !== t.vector || src[i + 1] !== t.pc || src[i + 2] !== this.script(t.script)) return false;
      i += 3;
    }
    return i === end;
  }

  private vcpu(buf: Int32Array, at: number, v: VcpuState): number {
    let pos = at;
    buf[pos++] = v.idReg;
    buf[pos++] = v.ldr;
    buf[pos++] = v.dfr;
    buf[pos++] = v.spiv;
    buf[pos++] = v.lvr;
    buf[pos++] = v.tpr;
    pos = writeBitmap(buf, pos, v.irr);
    pos = writeBitmap(buf, pos, v.isr);
    pos = writeBitmap(buf, pos, v.tmr);
    buf[pos++] = v.highestIsrCache;
    buf[pos++] = v.apicArbPrio;
    pos = writeBitmap(buf, pos, v.ioapicHandledVectors);
    pos = writeBitmap(buf, pos, v.eoiExitBitmap);
    buf[pos++] = v.highestStalePendingIoapicEoi;
    buf[pos++] = v.pendingIoapicEoi;
    buf[pos++] = v.requests;
    buf[pos++] = v.tprThreshold;
    buf[pos++] = vcpuFlags(v);
    const savic = v.savic;
    if (savic) {
      pos = writeBitmap(buf, pos, savic.irr);
      pos = writeBitmap(buf, pos, savic.isr);
      pos = writeBitmap(buf, pos, savic.tmr);
      buf[pos++] = savic.tpr;
    }
    const frames = v.frames;
    buf[pos++] = frames.length;
    for (let k = 0; k < frames.length; k++) {
      const f = frames[k];
      buf[pos++] = f.vector | (f.savedIf ? 0x100 : 0) | (f.levelAtTake ? 0x200 : 0);
      buf[pos++] = f.pc;
      buf[pos++] = this.script(f.script);
    }
    const tasks = v.tasks;
    buf[pos++] = tasks.length;
    for (let k = 0; k < tasks.length; k++) {
      const t = tasks[k];
      buf[pos++] = t.vector;
      buf[pos++] = t.pc;
      buf[pos++] = this.script(t.script);
    }
    return pos;
  }

  /** Every non-zero count, the sparse ones by key order (their table order depends on history). */
  private counters(buf: Int32Array, at: number, s: MachineState): number {
    let pos = at;
    const c = s.counters;
    const dense = c.dense;
    let n = 0;
    for (let i = 0; i < dense.length; i++) if (dense[i] !== 0) n++;
    buf[pos++] = n;
    for (let i = 0; i < dense.length; i++)
      if (dense[i] !== 0) {
        buf[pos++] = i;
        buf[pos++] = dense[i];
      }
    const keys: number[] = [];
    for (let i = 0; i < c.keys.length; i++) if (c.keys[i] !== 0) keys.push(i);
    keys.sort((a, b) => c.keys[a] - c.keys[b]);
    buf[pos++] = keys.length;
    for (const i of keys) {
      buf[pos++] = c.keys[i];
      buf[pos++] = c.counts[i];
    }
    return pos;
  }

  /**
   * Makes machine context `ctx` hold the state whose words are `src[at…]`, continuing at virtual
   * time `time`; returns the index after the words read. The machine must be of the same
   * configuration as the states written. `seg`, when given, receives where each segment starts
   * (as `write` fills its own).
   */
  read(ctx: Ctx, src: Int32Array, at: number, time: number, seg?: Int32Array): number {
    const cpus = ctx.state.cpus;
    let i = at;
    for (let c = 0; c < cpus.length; c++) {
      if (seg) seg[c] = i;
      i = this.readVcpu(ctx, cpus[c], src, i);
    }
    if (seg) seg[cpus.length] = i;
    const vectorsChanged = this.readRest(ctx, src, i, time);
    i = this.pos;
    if (seg) seg[cpus.length + 1] = i;
    this.derive(ctx, vectorsChanged);
    return i;
  }

  /**
   * Restores only the segments `k` with `changed[k]` (vCPU k, or the rest at k = vcpus) from the
   * words `src` whose segments start at `seg`, continuing at virtual time `time`. The others must
   * already hold their words' content: the machine then holds what `read` would make of `src`.
   */
  readSegments(ctx: Ctx, src: Int32Array, seg: Int32Array, changed: Uint8Array, time: number): void {
    const s = ctx.state;
    const cpus = s.cpus;
    for (let c = 0; c < cpus.length; c++) if (changed[c]) this.readVcpu(ctx, cpus[c], src, seg[c]);
    let vectorsChanged = false;
    if (changed[cpus.length]) vectorsChanged = this.readRest(ctx, src, seg[cpus.length], time);
    else {
      // The deadline as its words have it, relative to the restarted clock; the root's life.
      const io = s.ioapic;
      if (io.deferredAt >= 0) io.deferredAt = time + (io.deferredAt - s.time);
      s.time = time;
      if (this.life) s.vm.life = this.life;
    }
    this.derive(ctx, vectorsChanged);
  }

  private readVcpu(ctx: Ctx, v: VcpuState, src: Int32Array, at: number): number {
    let i = at;
    v.idReg = src[i++] >>> 0;
    v.ldr = src[i++] >>> 0;
    v.dfr = src[i++] >>> 0;
    v.spiv = src[i++] >>> 0;
    v.lvr = src[i++] >>> 0;
    v.tpr = src[i++] >>> 0;
    i = readBitmap(v.irr, src, i);
    i = readBitmap(v.isr, src, i);
    i = readBitmap(v.tmr, src, i);
    v.highestIsrCache = src[i++];
    v.apicArbPrio = src[i++];
    i = readBitmap(v.ioapicHandledVectors, src, i);
    i = readBitmap(v.eoiExitBitmap, src, i);
    v.highestStalePendingIoapicEoi = src[i++];
    v.pendingIoapicEoi = src[i++];
    v.requests = src[i++];
    v.tprThreshold = src[i++];
    const flags = src[i++];
    v.apicvActive = (flags & 1) !== 0;
    v.inGuest = (flags & 2) !== 0;
    v.kickPending = (flags & 4) !== 0;
    v.pvEoiEnabled = (flags & 8) !== 0;
    v.pvEoiByte = flags & 16 ? 1 : 0;
    v.pvEoiPending = (flags & 32) !== 0;
    v.rflagsIf = (flags & 64) !== 0;
    v.booted = (flags & 128) !== 0;
    const savic = v.savic;
    if (savic) {
      i = readBitmap(savic.irr, src, i);
      i = readBitmap(savic.isr, src, i);
      i = readBitmap(savic.tmr, src, i);
      savic.tpr = src[i++] >>> 0;
    }
    const nf = src[i++];
    const frames = v.frames;
    // Surplus frames go to the pool the guest takes frames from; missing ones come from it.
    while (frames.length > nf) ctx.framePool[ctx.framePoolSize++] = frames.pop()!;
    for (let k = 0; k < nf; k++) {
      const w = src[i++];
      const pc = src[i++];
      const sid = src[i++];
      const script = sid < 0 ? null : this.scripts.items[sid];
      let f: HandlerFrame | undefined = frames[k];
      if (!f) {
        f = ctx.framePoolSize > 0 ? ctx.framePool[--ctx.framePoolSize] : newFrame(0, false, false, null, 0);
        frames.push(f);
      }
      f.vector = w & 0xff;
      f.savedIf = (w & 0x100) !== 0;
      f.levelAtTake = (w & 0x200) !== 0;
      f.pc = pc;
      f.script = script;
    }
    const nt = src[i++];
    if (nt === 0) {
      if (v.tasks.length) v.tasks = [];
    } else {
      const tasks = [];
      for (let k = 0; k < nt; k++) {
        const vector = src[i++];
        const pc = src[i++];
        const sid = src[i++];
        tasks.push({ vector, script: sid < 0 ? null : this.scripts.items[sid], pc });
      }
      v.tasks = tasks;
    }
    return i;
  }

  /** Where readRest stopped. */
  private pos = 0;

  /** Reads the rest (IOAPIC, VM, counters) at src[at]; returns whether an RTE's vector changed (ends at `pos`). */
  private readRest(ctx: Ctx, src: Int32Array, at: number, time: number): boolean {
    const s = ctx.state;
    let i = at;
    const io = s.ioapic;
    const live = src[i++];
    let vectorsChanged = false;
    const pins = this.pins;
    for (let j = 0; j < pins.length; j++) {
      const p = pins[j];
      const e = io.rte[p];
      const w = live & (1 << p) ? src[i++] : RESET_RTE;
      if (e.vector !== (w & 0xff)) vectorsChanged = true;
      e.vector = w & 0xff;
      e.trigger = ((w >>> 8) & 1) as 0 | 1;
      e.destMode = ((w >>> 9) & 1) as 0 | 1;
      e.deliveryMode = ((w >>> 10) & 1) as 0 | 1;
      e.mask = ((w >>> 11) & 1) as 0 | 1;
      e.polarity = ((w >>> 12) & 1) as 0 | 1;
      e.remoteIrr = ((w >>> 13) & 1) as 0 | 1;
      e.dest = (w >>> 16) & 0xff;
    }
    io.ioregsel = src[i++];
    io.irr = src[i++];
    io.irrDelivered = src[i++];
    io.line = src[i++];
    io.edgeUndelivered = src[i++];
    io.rtcPendingEoi = src[i++];
    const eoiMask = src[i++];
    for (let j = 0; j < pins.length; j++) {
      const p = pins[j];
      io.irqEoi[p] = eoiMask & (1 << p) ? src[i++] : 0;
    }
    const nrtc = src[i++];
    if (nrtc || io.rtcDestMap.size) {
      io.rtcDestMap.clear();
      for (let k = 0; k < nrtc; k++) {
        const cpu = src[i++];
        io.rtcDestMap.set(cpu, src[i++]);
      }
    }
    s.time = time;
    const rel = src[i++];
    io.deferredAt = rel < 0 ? -1 : time + rel;
    const vm = s.vm;
    vm.seoib = SEOIB[src[i++]];
    vm.apicvInhibits = src[i++];
    vm.apicMap = this.maps.items[src[i++]];
    vm.crashed = src[i++] === 1;
    const life = src[i++];
    vm.qemuSeoib = QEMU_SEOIB[life & 3];
    vm.lastMigration = MIGRATION[(life >>> 2) & 3];
    vm.lastFlagWrite = FLAG_WRITE[(life >>> 4) & 3];
    vm.host = this.hosts.items[src[i++]];
    if (this.withLeg) vm.leg = src[i++];
    if (this.life) vm.life = this.life;
    for (let j = 0; j < pins.length; j++) {
      const p = pins[j];
      const r = src[i++];
      vm.routes[p] = r < 0 ? null : this.routes.items[r];
    }
    if (this.withCounters) i = this.readCounters(s, src, i);
    this.pos = i;
    return vectorsChanged;
  }

  /**
   * The context's derived state, as a machine built from this state would have it; the lints'
   * probes (Ctx.restores) learn that the state was replaced, as after a loadvm.
   */
  private derive(ctx: Ctx, vectorsChanged: boolean): void {
    ctx.restores++;
    if (vectorsChanged) ioapicIndexVectors(ctx);
    // attnCount counts the set bits: none set, nothing to clear.
    if (ctx.attnCount !== 0) clearAttn(ctx);
    const busy = ctx.guestBusy;
    for (let w = 0; w < busy.length; w++) busy[w] = 0;
    const cpus = ctx.state.cpus;
    for (let c = 0; c < cpus.length; c++) if (!guestIdle(cpus[c])) markGuestBusy(ctx, cpus[c]);
  }

  private readCounters(s: MachineState, src: Int32Array, at: number): number {
    let i = at;
    const c = s.counters;
    c.dense.fill(0);
    // Per-counter totals (counters.ts) follow the counts: the dense ones here, the others as added.
    c.totals.fill(0);
    const nd = src[i++];
    for (let k = 0; k < nd; k++) {
      const idx = src[i++];
      const n = src[i++];
      c.dense[idx] = n;
      c.totals[Math.floor(idx / c.span)] += n;
    }
    c.keys.fill(0);
    c.counts.fill(0);
    c.used = 0;
    const ns = src[i++];
    for (let k = 0; k < ns; k++) {
      const key = src[i++] - 1; // stored as key + 1; the key packs each filter value + 1
      const n = src[i++];
      const vector = (key % VECTOR_SPAN) - 1;
      const rest = Math.floor(key / VECTOR_SPAN);
      const id = Math.floor(rest / CPU_SPAN) as CpuVectorCounter;
      const cpu = (rest % CPU_SPAN) - 1;
      for (let j = 0; j < n; j++) countersAddCpuVector(c, id, cpu, vector);
    }
    return i;
  }
}
