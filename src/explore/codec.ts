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
 * Objects the core never mutates (apic maps, handler scripts, MSI routes) are interned by
 * content and written as their number, so equal content is one word.
 */
import type { ApicMap } from '../core/apicmap.ts';
import type { CpuVectorCounter } from '../core/counters.ts';
import { countersAddCpuVector } from '../core/counters.ts';
import type { Ctx } from '../core/ctx.ts';
import { clearAttn, markGuestBusy } from '../core/ctx.ts';
import { guestIdle, opText } from '../core/guest.ts';
import { ioapicIndexVectors } from '../core/ioapic.ts';
import type { GuestOp, HandlerFrame, MachineState, MsiRoute, VcpuState } from '../core/state.ts';
import { newFrame } from '../core/state.ts';

const SEOIB = ['quirked', 'enabled', 'disabled'] as const;
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

/** Reads and writes the canonical words of the states of one machine (one configuration). */
export class StateCodec {
  /** The words of the last `write`; valid up to `length`. */
  buf = new Int32Array(4096);
  length = 0;
  private readonly maps = new Interner<ApicMap>(mapKey);
  private readonly scripts = new Interner<GuestOp[]>(scriptKey);
  private readonly routes = new Interner<MsiRoute>(routeKey);
  private pos = 0;

  /** @param withCounters write the counters too (a property reads them) */
  constructor(readonly withCounters: boolean) {}

  private w(x: number): void {
    if (this.pos >= this.buf.length) {
      const b = new Int32Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    this.buf[this.pos++] = x;
  }

  /** A 256-bit bitmap: its summary word (bitmap.ts: the mask of its non-zero words), then those words. */
  private bitmap(b: Uint32Array): void {
    const mask = b[8];
    this.w(mask);
    for (let i = 0; i < 8; i++) if (mask & (1 << i)) this.w(b[i]);
  }

  private script(s: GuestOp[] | null): number {
    return s === null ? -1 : this.scripts.id(s);
  }

  /** Writes the canonical words of `s` into `buf`; returns their count. */
  write(s: MachineState): number {
    this.pos = 0;
    for (const v of s.cpus) this.vcpu(v);
    const io = s.ioapic;
    let live = 0;
    for (let p = 0; p < io.rte.length; p++) {
      const e = io.rte[p];
      if (e.vector !== 0 || e.mask !== 1 || e.remoteIrr !== 0 || e.dest !== 0) live |= 1 << p;
      else if (e.trigger | e.destMode | e.deliveryMode | e.polarity) live |= 1 << p;
    }
    this.w(live);
    for (let p = 0; p < io.rte.length; p++) {
      if (!(live & (1 << p))) continue;
      const e = io.rte[p];
      this.w(
        e.vector |
          (e.trigger << 8) |
          (e.destMode << 9) |
          (e.deliveryMode << 10) |
          (e.mask << 11) |
          (e.polarity << 12) |
          (e.remoteIrr << 13) |
          (e.dest << 16),
      );
    }
    this.w(io.ioregsel);
    this.w(io.irr);
    this.w(io.irrDelivered);
    this.w(io.line);
    this.w(io.edgeUndelivered);
    this.w(io.rtcPendingEoi);
    let eoiMask = 0;
    for (let p = 0; p < io.irqEoi.length; p++) if (io.irqEoi[p] !== 0) eoiMask |= 1 << p;
    this.w(eoiMask);
    for (let p = 0; p < io.irqEoi.length; p++) if (io.irqEoi[p] !== 0) this.w(io.irqEoi[p]);
    this.w(io.rtcDestMap.size);
    if (io.rtcDestMap.size) {
      for (const k of [...io.rtcDestMap.keys()].sort((a, b) => a - b)) {
        this.w(k);
        this.w(io.rtcDestMap.get(k)!);
      }
    }
    // Relative to now: see the module comment.
    this.w(io.deferredAt < 0 ? -1 : io.deferredAt - s.time);
    const vm = s.vm;
    this.w(SEOIB.indexOf(vm.seoib));
    this.w(vm.apicvInhibits);
    this.w(this.maps.id(vm.apicMap));
    this.w(vm.crashed ? 1 : 0);
    for (let p = 0; p < vm.routes.length; p++) {
      const r = vm.routes[p];
      this.w(r === null ? -1 : this.routes.id(r));
    }
    if (this.withCounters) this.counters(s);
    this.length = this.pos;
    return this.pos;
  }

  private vcpu(v: VcpuState): void {
    this.w(v.idReg);
    this.w(v.ldr);
    this.w(v.dfr);
    this.w(v.spiv);
    this.w(v.lvr);
    this.w(v.tpr);
    this.bitmap(v.irr);
    this.bitmap(v.isr);
    this.bitmap(v.tmr);
    this.w(v.highestIsrCache);
    this.w(v.apicArbPrio);
    this.bitmap(v.ioapicHandledVectors);
    this.bitmap(v.eoiExitBitmap);
    this.w(v.highestStalePendingIoapicEoi);
    this.w(v.pendingIoapicEoi);
    this.w(v.requests);
    this.w(v.tprThreshold);
    this.w(
      (v.apicvActive ? 1 : 0) |
        (v.inGuest ? 2 : 0) |
        (v.kickPending ? 4 : 0) |
        (v.pvEoiEnabled ? 8 : 0) |
        (v.pvEoiByte ? 16 : 0) |
        (v.pvEoiPending ? 32 : 0) |
        (v.rflagsIf ? 64 : 0) |
        (v.booted ? 128 : 0),
    );
    if (v.savic) {
      this.bitmap(v.savic.irr);
      this.bitmap(v.savic.isr);
      this.bitmap(v.savic.tmr);
      this.w(v.savic.tpr);
    }
    this.w(v.frames.length);
    for (const f of v.frames) {
      this.w(f.vector | (f.savedIf ? 0x100 : 0) | (f.levelAtTake ? 0x200 : 0));
      this.w(f.pc);
      this.w(this.script(f.script));
    }
    this.w(v.tasks.length);
    for (const t of v.tasks) {
      this.w(t.vector);
      this.w(t.pc);
      this.w(this.script(t.script));
    }
  }

  /** Every non-zero count, the sparse ones by key order (their table order depends on history). */
  private counters(s: MachineState): void {
    const c = s.counters;
    const dense = c.dense;
    let n = 0;
    for (let i = 0; i < dense.length; i++) if (dense[i] !== 0) n++;
    this.w(n);
    for (let i = 0; i < dense.length; i++)
      if (dense[i] !== 0) {
        this.w(i);
        this.w(dense[i]);
      }
    const keys: number[] = [];
    for (let i = 0; i < c.keys.length; i++) if (c.keys[i] !== 0) keys.push(i);
    keys.sort((a, b) => c.keys[a] - c.keys[b]);
    this.w(keys.length);
    for (const i of keys) {
      this.w(c.keys[i]);
      this.w(c.counts[i]);
    }
  }

  /**
   * Makes machine context `m` hold the state whose words are `src[at…]`, continuing at virtual
   * time `time`; returns the index after the words read. The machine must be of the same
   * configuration as the states written.
   */
  read(m: Ctx, src: Int32Array, at: number, time: number): number {
    const s = m.s;
    let i = at;
    const bitmap = (b: Uint32Array) => {
      const mask = src[i++];
      for (let k = 0; k < 8; k++) b[k] = mask & (1 << k) ? src[i++] : 0;
      b[8] = mask;
    };
    for (const v of s.cpus) {
      v.idReg = src[i++] >>> 0;
      v.ldr = src[i++] >>> 0;
      v.dfr = src[i++] >>> 0;
      v.spiv = src[i++] >>> 0;
      v.lvr = src[i++] >>> 0;
      v.tpr = src[i++] >>> 0;
      bitmap(v.irr);
      bitmap(v.isr);
      bitmap(v.tmr);
      v.highestIsrCache = src[i++];
      v.apicArbPrio = src[i++];
      bitmap(v.ioapicHandledVectors);
      bitmap(v.eoiExitBitmap);
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
      if (v.savic) {
        bitmap(v.savic.irr);
        bitmap(v.savic.isr);
        bitmap(v.savic.tmr);
        v.savic.tpr = src[i++] >>> 0;
      }
      const nf = src[i++];
      const frames = v.frames;
      // Surplus frames go to the pool the guest takes frames from; missing ones come from it.
      while (frames.length > nf) m.framePool[m.framePoolSize++] = frames.pop()!;
      for (let k = 0; k < nf; k++) {
        const w = src[i++];
        const pc = src[i++];
        const sid = src[i++];
        const script = sid < 0 ? null : this.scripts.items[sid];
        let f: HandlerFrame | undefined = frames[k];
        if (!f) {
          f = m.framePoolSize > 0 ? m.framePool[--m.framePoolSize] : newFrame(0, false, false, null, 0);
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
    }
    const io = s.ioapic;
    const live = src[i++];
    for (let p = 0; p < io.rte.length; p++) {
      const e = io.rte[p];
      const w = live & (1 << p) ? src[i++] : 1 << 11;
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
    for (let p = 0; p < io.irqEoi.length; p++) io.irqEoi[p] = eoiMask & (1 << p) ? src[i++] : 0;
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
    for (let p = 0; p < vm.routes.length; p++) {
      const r = src[i++];
      vm.routes[p] = r < 0 ? null : this.routes.items[r];
    }
    if (this.withCounters) i = this.readCounters(s, src, i);
    // The context's derived state, as a machine built from this state would have it.
    ioapicIndexVectors(m);
    clearAttn(m);
    m.guestBusy.fill(0);
    for (const v of s.cpus) if (!guestIdle(v)) markGuestBusy(m, v);
    return i;
  }

  private readCounters(s: MachineState, src: Int32Array, at: number): number {
    let i = at;
    const c = s.counters;
    c.dense.fill(0);
    const nd = src[i++];
    for (let k = 0; k < nd; k++) {
      const idx = src[i++];
      c.dense[idx] = src[i++];
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
