/**
 * What the UI draws, built in the worker from a machine state: compact rows for every vCPU
 * (a 4096-vCPU overview stays cheap), full details for the vCPUs on screen, the IOAPIC,
 * counters, and which bits the last step changed.
 */

import { bitmapHighest } from '../core/bitmap.ts';
import { countersTotals } from '../core/counters.ts';
import { hex } from '../core/hex.ts';
import { cpuSummary, ioapicVersionRegister, machineSummary, spivFields } from '../core/inspect.ts';
import { guestPpr } from '../core/lapic.ts';
import type { MachineState, VcpuState } from '../core/state.ts';
import { formatTimestamp } from '../core/trace-format.ts';
import { cpuDiff } from './diff.ts';
import type { CpuChange, CpuDetail, LifeView, StateView } from './protocol.ts';
import { ROW, ROW_FIELDS } from './protocol.ts';

function popcount(b: Uint32Array): number {
  let n = 0;
  for (let r = 0; r < 8; r++) {
    let w = b[r];
    while (w) {
      w &= w - 1;
      n++;
    }
  }
  return n;
}

function row(out: Int16Array, v: VcpuState): void {
  const o = v.index * ROW_FIELDS;
  const irr = v.savic ? v.savic.irr : v.irr;
  const isr = v.savic ? v.savic.isr : v.isr;
  out[o + ROW.irrTop] = bitmapHighest(irr);
  out[o + ROW.isrTop] = bitmapHighest(isr);
  out[o + ROW.irrCount] = popcount(irr);
  out[o + ROW.isrCount] = popcount(isr);
  out[o + ROW.handledCount] = popcount(v.ioapicHandledVectors);
  out[o + ROW.ppr] = guestPpr(v);
  out[o + ROW.if] = v.rflagsIf ? 1 : 0;
  out[o + ROW.stale] = v.highestStalePendingIoapicEoi;
}

export function cpuDetail(v: VcpuState): CpuDetail {
  return {
    ...cpuSummary(v),
    savic: v.savic !== null,
    spivBits: spivFields(v.spiv),
    inGuest: v.inGuest,
    frames: v.frames.map((f) => ({
      vector: f.vector,
      savedIf: f.savedIf,
      pc: f.pc,
      script:
        f.script?.map((op) =>
          op.op === 'service'
            ? `service ${op.pin}`
            : op.op === 'ioapic-eoi'
              ? `ioapic-eoi ${hex(op.vector)}`
              : op.op,
        ) ?? null,
    })),
  };
}

export function stateView(s: MachineState, detailed: Iterable<number>): StateView {
  const rows = new Int16Array(s.cpus.length * ROW_FIELDS);
  for (const v of s.cpus) row(rows, v);
  const cpus: Record<number, CpuDetail> = {};
  for (const i of detailed) if (i >= 0 && i < s.cpus.length) cpus[i] = cpuDetail(s.cpus[i]);
  const summary = machineSummary({ ...s, cpus: [] });
  return {
    time: s.time,
    clock: formatTimestamp(s.time),
    vcpus: s.cpus.length,
    rows,
    cpus,
    ioapic: summary.ioapic,
    ioapicVersion: ioapicVersionRegister(s),
    kvm: summary.kvm,
    counters: countersTotals(s.counters),
    life: lifeView(s),
  };
}

/** The VM's life for the lifecycle strip (R8.8–R8.12). */
function lifeView(s: MachineState): LifeView {
  const vm = s.vm;
  const v = s.cpus[0];
  return {
    entries: vm.life,
    leg: vm.leg,
    host: vm.host,
    mode: vm.seoib,
    state: vm.qemuSeoib,
    lvr24: v ? ((v.lvr >>> 24) & 1) === 1 : false,
    spiv12: v ? (v.spiv & 0x1000) !== 0 : false,
  };
}

/** What changed on a vCPU between two states (the diff of their details). */
export function cpuChange(before: VcpuState, after: VcpuState): CpuChange | null {
  return cpuDiff(cpuDetail(before), cpuDetail(after));
}

/** Which IOAPIC pins changed (any field). */
export function pinChanges(before: MachineState, after: MachineState): number[] {
  const out: number[] = [];
  const a = before.ioapic;
  const b = after.ioapic;
  for (let pin = 0; pin < b.rte.length; pin++) {
    const x = a.rte[pin];
    const y = b.rte[pin];
    const bit = 1 << pin;
    if (
      (a.irr & bit) !== (b.irr & bit) ||
      (a.line & bit) !== (b.line & bit) ||
      x.vector !== y.vector ||
      x.trigger !== y.trigger ||
      x.dest !== y.dest ||
      x.destMode !== y.destMode ||
      x.deliveryMode !== y.deliveryMode ||
      x.mask !== y.mask ||
      x.polarity !== y.polarity ||
      x.remoteIrr !== y.remoteIrr ||
      a.irqEoi[pin] !== b.irqEoi[pin] ||
      a.deliveries[pin] !== b.deliveries[pin]
    )
      out.push(pin);
  }
  return out;
}
