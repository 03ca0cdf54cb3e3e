/**
 * The state in the formats of QEMU's monitor commands, for pasting into mailing-list threads:
 * `info lapic` (target/i386/cpu-dump.c x86_cpu_dump_local_apic_state) and the IOAPIC part of
 * `info pic` (hw/intc/ioapic_common.c ioapic_print_redtbl). LVTs, the timer, ICR and ESR are
 * not modelled: they print at their reset values (R2.7), as a freshly reset LAPIC would.
 */
import { hex } from '../core/hex.ts';
import type { cpuSummary, machineSummary, spivFields } from '../core/inspect.ts';

/** A vCPU as the worker's view carries it: the core's summary with SPIV decoded by the core. */
type Lapic = ReturnType<typeof cpuSummary> & { spivBits: ReturnType<typeof spivFields> };
type IoapicSummary = ReturnType<typeof machineSummary>['ioapic'];

const pad = (s: string, n: number) => s.padEnd(n);

const DM = ['Fixed', '...', 'SMI', '...', 'NMI', 'INIT', '...', 'ExtINT'];

function lvt(name: string, value: number, timer: boolean): string {
  const dm = (value >> 8) & 7;
  const timerMode = !timer
    ? ''
    : value & (1 << 17)
      ? 'periodic'
      : value & (1 << 18)
        ? 'tsc-deadline'
        : 'one-shot';
  const line = `${name}\t ${hex(value >>> 0, 8)} ${value & (1 << 13) ? 'active-lo' : 'active-hi'} ${pad(value & (1 << 15) ? 'level' : 'edge', 5)} ${pad(value & (1 << 16) ? 'masked' : '', 6)} ${pad(value & (1 << 12) ? 'pending' : '', 7)} ${pad(timerMode, 12)} ${pad(DM[dm], 6)}`;
  return dm === 4 ? line : `${line} (vec ${value & 0xff})`;
}

function interrupts(name: string, vectors: number[], tmr: number[]): string {
  const level = new Set(tmr);
  return `${name}\t ${vectors.map((v) => `${v}${level.has(v) ? '(level)' : ''} `).join('')}${vectors.length ? '' : '(none)'}`;
}

/** `info lapic N` for one vCPU. */
export function infoLapic(c: Lapic): string {
  const dfr = c.dfr >>> 28;
  const logDest = (c.ldr >>> 24) & 0xff;
  const lines = [
    `dumping local APIC state for CPU ${String(c.cpu).padEnd(2)}`,
    '',
    lvt('LVT0', c.cpu === 0 ? 0x00010700 : 0x00010000, false),
    lvt('LVT1', 0x00010000, false),
    lvt('LVTPC', 0x00010000, false),
    lvt('LVTERR', 0x00010000, false),
    lvt('LVTTHMR', 0x00010000, false),
    lvt('LVTT', 0x00010000, true),
    'Timer\t DCR=0x0 (divide by 2) initial_count = 0 current_count = 0',
    `SPIV\t ${hex(c.spiv >>> 0, 8)} APIC ${c.spivBits.enabled ? 'enabled' : 'disabled'}, focus=${c.spivBits.focus ? 'on' : 'off'}, spurious vec ${c.spivBits.vector}`,
    `ICR\t ${hex(0 >>> 0, 8)} physical edge de-assert no-shorthand`,
    `ICR2\t ${hex(0 >>> 0, 8)} cpu 0 (${c.mode === 'x2apic' ? 'X2APIC ID' : 'APIC ID'})`,
    `ESR\t ${hex(0 >>> 0, 8)}`,
    interrupts('ISR', c.isr, c.tmr),
    interrupts('IRR', c.irr, c.tmr),
    '',
    `APR 0x00 TPR ${hex(c.tpr & 0xff, 2)} DFR ${hex(dfr & 0xff, 2)} LDR ${hex(logDest & 0xff, 2)}${dfr === 0 ? `(cluster ${logDest >> 4}: id ${logDest & 0xf})` : ''} PPR ${hex(c.ppr & 0xff, 2)}`,
  ];
  return `${lines.join('\n')}\n`;
}

const DELM = ['fixed', 'lowest', 'SMI', '...', 'NMI', 'INIT', '...', 'extINT'];

function pinList(name: string, bits: number): string {
  const pins: string[] = [];
  for (let i = 0; i < 24; i++) if (bits & (1 << i)) pins.push(`${String(i).padEnd(2)} `);
  return `${name.padEnd(10)} ${pins.length ? pins.join('') : '(none)'}`;
}

/** The IOAPIC part of `info pic`. */
export function infoPic(io: IoapicSummary, version: number): string {
  const lines = [`ioapic0: ver=0x${(version & 0xff).toString(16)} id=0x00 sel=0x00`];
  let remote = 0;
  for (const p of io.pins) {
    const destMode = p.destMode === 'logical' ? 1 : 0;
    const low =
      (p.vector |
        ((p.delivery === 'lowest' ? 1 : 0) << 8) |
        (destMode << 11) |
        ((p.polarity === 'low' ? 1 : 0) << 13) |
        (p.remoteIrr << 14) |
        ((p.trigger === 'level' ? 1 : 0) << 15) |
        (p.mask << 16)) >>>
      0;
    const entry = `${(p.dest & 0xff).toString(16).padStart(2, '0')}000000${low.toString(16).padStart(8, '0')}`;
    const dest = p.dest & (destMode ? 0xff : 0xf);
    lines.push(
      `  pin ${String(p.pin).padEnd(2)} 0x${entry} dest=${dest.toString(16)} vec=${String(p.vector).padEnd(3)} ${p.polarity === 'low' ? 'active-lo' : 'active-hi'} ${pad(p.trigger, 5)} ${pad(p.mask ? 'masked' : '', 6)} ${pad(DELM[p.delivery === 'lowest' ? 1 : 0], 6)} ${destMode ? 'logical' : 'physical'}`,
    );
    if (p.trigger === 'level' && p.remoteIrr) remote |= 1 << p.pin;
  }
  lines.push(pinList('  IRR', io.irr), pinList('  Remote IRR', remote));
  return `${lines.join('\n')}\n`;
}
