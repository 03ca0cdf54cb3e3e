/**
 * A small picture of the machine: the devices' lines into the IOAPIC pins, the message fabric,
 * KVM between the IOAPIC and the LAPICs, each LAPIC with its IRR / ISR / TMR and PPR, each guest
 * CPU. The selected event animates its hop (a message out, an EOI back, stopping where KVM does
 * not forward it); with prefers-reduced-motion the path is only highlighted.
 */
import { memo, useEffect, useState } from 'react';
import type { TraceEvent } from '../../core/events.ts';
import type { CpuDetail, KvmView } from '../../worker/protocol.ts';
import { useViz } from '../context.ts';
import type { Part } from './hops.ts';
import { hopOf } from './hops.ts';

const W = 900;
const ROW = 22;
const X = { device: 18, ioapic: 120, fabric: 330, kvm: 380, lapic: 560, cpu: 770 } as const;
const BOX = { device: 82, ioapic: 170, kvm: 140, lapic: 190, cpu: 120 } as const;

const hex = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;
const set = (v: number[]) => (v.length ? v.map(hex).join(' ') : '–');

function useReducedMotion(): boolean {
  const [reduced, setReduced] = useState(
    () => typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches,
  );
  useEffect(() => {
    if (typeof matchMedia !== 'function') return;
    const q = matchMedia('(prefers-reduced-motion: reduce)');
    const on = () => setReduced(q.matches);
    q.addEventListener('change', on);
    return () => q.removeEventListener('change', on);
  }, []);
  return reduced;
}

interface Geometry {
  pins: number[];
  cpus: number[];
  height: number;
  pinY: (pin: number | null) => number;
  cpuY: (cpu: number) => number;
}

function geometry(pins: number[], cpus: number[]): Geometry {
  const cpuH = 64;
  const height = Math.max(40 + pins.length * ROW, 30 + cpus.length * (cpuH + 8), 150);
  const pinY = (pin: number | null) => {
    const i = pin === null ? -1 : pins.indexOf(pin);
    return i < 0 ? 30 + (pins.length * ROW) / 2 : 40 + i * ROW;
  };
  const cpuY = (cpu: number) => 30 + Math.max(cpus.indexOf(cpu), 0) * (cpuH + 8) + cpuH / 2;
  return { pins, cpus, height, pinY, cpuY };
}

/** Where a part's connector is, coming from the left (`in`) or leaving to the right. */
function anchor(g: Geometry, p: Part, side: 'in' | 'out'): [number, number] {
  switch (p.kind) {
    case 'device':
      return [X.device + (side === 'out' ? BOX.device : 0), p.pin < 0 ? g.height - 24 : g.pinY(p.pin)];
    case 'ioapic':
      return [X.ioapic + (side === 'out' ? BOX.ioapic : 0), g.pinY(p.pin)];
    case 'fabric':
      return [X.fabric, g.height / 2];
    case 'kvm':
      return [X.kvm + BOX.kvm / 2, g.height / 2];
    case 'lapic':
      return [X.lapic + (side === 'out' ? BOX.lapic : 0), g.cpuY(p.cpu)];
    case 'cpu':
      return [X.cpu + (side === 'out' ? BOX.cpu : 0), g.cpuY(p.cpu)];
  }
}

function hopPath(g: Geometry, e: TraceEvent): { d: string; end: [number, number]; stop?: string } | null {
  const h = hopOf(e);
  if (!h) return null;
  const order = ['device', 'ioapic', 'fabric', 'kvm', 'lapic', 'cpu'];
  const forward = order.indexOf(h.from.kind) <= order.indexOf(h.to.kind);
  const [x0, y0] = anchor(g, h.from, forward ? 'out' : 'in');
  const [x1, y1] = anchor(g, h.to, forward ? 'in' : 'out');
  const mx = (x0 + x1) / 2;
  const d =
    h.from.kind === h.to.kind && x0 === x1
      ? `M${x0},${y0 - 14} L${x1},${y1}`
      : `M${x0},${y0} C${mx},${y0} ${mx},${y1} ${x1},${y1}`;
  return { d, end: [x1, y1], stop: h.stop };
}

function Lapic({ c, y }: { c: CpuDetail; y: number }) {
  return (
    <g transform={`translate(${X.lapic},${y})`}>
      <rect
        width={BOX.lapic}
        height={64}
        rx={6}
        className="fill-violet-50 stroke-violet-400 dark:fill-violet-950 dark:stroke-violet-500"
      />
      <text x={8} y={14} className="fill-violet-900 text-[11px] font-semibold dark:fill-violet-100">
        vCPU {c.cpu} LAPIC · PPR {hex(c.ppr)}
      </text>
      <text x={8} y={29} className="fill-slate-700 font-mono text-[10px] dark:fill-slate-200">
        IRR {set(c.irr)}
      </text>
      <text x={8} y={42} className="fill-slate-700 font-mono text-[10px] dark:fill-slate-200">
        ISR {set(c.isr)} · TMR {set(c.tmr)}
      </text>
      <text x={8} y={55} className="fill-slate-600 font-mono text-[10px] dark:fill-slate-300">
        handled {set(c.handled)}
      </text>
    </g>
  );
}

/**
 * What KVM's optimized APIC map and APICv are doing (R4.8, R11.1): valid, logical map disabled or
 * invalid, and why; APICv active, inhibited (with the reasons VMX records) or off.
 */
function KvmState({ kvm }: { kvm: KvmView }) {
  const map = kvm.apicMap;
  const mapText =
    map.state === 'invalid'
      ? `invalid: ${map.invalidWhy} (every delivery takes the slow path)`
      : map.state === 'logical-disabled'
        ? `valid, logical map disabled: ${map.logicalDisabledWhy} (logical messages take the slow path)`
        : `valid (logical mode ${map.logicalMode})`;
  const apicv = kvm.apicv === 'inhibited' ? `inhibited (${kvm.apicvInhibitReasons.join(', ')})` : kvm.apicv;
  return (
    <p className="m-0 mb-1 text-xs text-slate-700 dark:text-slate-300" data-testid="kvm-state">
      <span className="font-semibold">KVM</span> · APIC map {mapText} · APICv {apicv}
      {kvm.apicvInhibitsIgnoredByVmx.length > 0 &&
        ` (VMX ignores ${kvm.apicvInhibitsIgnoredByVmx.join(', ')})`}{' '}
      · SEOIB {kvm.seoib}
    </p>
  );
}

export const MachinePicture = memo(function MachinePicture() {
  const view = useViz((s) => s.frame?.view);
  const cpusDetail = useViz((s) => s.cpus);
  const event = useViz((s) => (s.frame?.event != null ? (s.frame.events[s.frame.event] ?? null) : null));
  const index = useViz((s) => s.frame?.event ?? null);
  const step = useViz((s) => s.frame?.step ?? 0);
  const split = useViz((s) => s.info?.config.irqchip === 'split');
  const usedPins = useViz((s) => s.info?.pins);
  const reduced = useReducedMotion();
  if (!view) return null;
  const io = view.ioapic;
  const pins = [
    ...new Set([
      ...(usedPins ?? []),
      ...io.pins.filter((p) => !p.mask || p.line || p.remoteIrr).map((p) => p.pin),
    ]),
  ]
    .sort((a, b) => a - b)
    .slice(0, 8);
  const cpus = Object.keys(cpusDetail)
    .map(Number)
    .sort((a, b) => a - b)
    .slice(0, 4);
  const g = geometry(pins, cpus);
  const hop = event ? hopPath(g, event) : null;
  return (
    <section
      aria-label="Machine picture"
      className="skip-offscreen rounded-lg border border-slate-200 bg-white p-2 dark:border-slate-700 dark:bg-slate-900"
    >
      <div className="mb-1 flex flex-wrap items-baseline gap-2">
        <h2 className="m-0 text-sm font-semibold">The machine</h2>
        <span className="text-xs text-slate-600 dark:text-slate-400" data-testid="picture-caption">
          {event && index !== null
            ? `step ${step}, event ${index}: ${event.type}${hop?.stop ? ` — stops here: ${hop.stop}` : ''}`
            : 'step through the events (. and ,) to watch each one travel'}
        </span>
      </div>
      <KvmState kvm={view.kvm} />
      {/* On a phone the picture keeps a readable size and scrolls sideways inside its card. */}
      {/* Focusable: on a narrow screen (or an embed) the picture scrolls sideways, by keyboard too. */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable (WCAG 2.1.1) */}
      <div className="overflow-x-auto focus-visible:outline-2 focus-visible:outline-sky-500" tabIndex={0}>
        <svg
          viewBox={`0 0 ${W} ${g.height}`}
          width="100%"
          role="img"
          aria-label={`The machine: ${pins.length} IOAPIC pins, ${split ? "QEMU's userspace IOAPIC" : "KVM's in-kernel IOAPIC"}, KVM, ${cpus.length} LAPICs${event ? `; event ${index} ${event.type}` : ''}`}
          className="block max-h-80 min-w-[640px]"
          data-testid="machine-picture"
        >
          {(
            [
              [X.device, 'devices'],
              [X.ioapic, split ? 'IOAPIC (QEMU, userspace)' : 'IOAPIC (KVM, in kernel)'],
              [X.kvm, 'KVM'],
              [X.lapic, 'LAPICs'],
              [X.cpu, 'guest CPUs'],
            ] as const
          ).map(([x, label]) => (
            <text
              key={x}
              x={x}
              y={16}
              className="fill-slate-500 text-[10px] font-semibold uppercase tracking-wide"
            >
              {label}
            </text>
          ))}
          {pins.map((pin) => {
            const p = io.pins[pin];
            const y = g.pinY(pin);
            return (
              <g key={pin} data-pin={pin}>
                <rect
                  x={X.device}
                  y={y - 8}
                  width={BOX.device}
                  height={16}
                  rx={3}
                  className={
                    p.line ? 'fill-amber-200 dark:fill-amber-700' : 'fill-slate-100 dark:fill-slate-800'
                  }
                />
                <text x={X.device + 6} y={y + 4} className="fill-slate-800 text-[10px] dark:fill-slate-100">
                  pin {pin} line {p.line ? 'high' : 'low'}
                </text>
                <line
                  x1={X.device + BOX.device}
                  y1={y}
                  x2={X.ioapic}
                  y2={y}
                  className="stroke-slate-300 dark:stroke-slate-600"
                />
                <rect
                  x={X.ioapic}
                  y={y - 9}
                  width={BOX.ioapic}
                  height={18}
                  rx={3}
                  className="fill-emerald-50 stroke-emerald-400 dark:fill-emerald-950 dark:stroke-emerald-600"
                />
                <text
                  x={X.ioapic + 6}
                  y={y + 4}
                  className="fill-slate-800 font-mono text-[10px] dark:fill-slate-100"
                >
                  {pin}: {hex(p.vector)} {p.trigger === 'level' ? 'level' : 'edge'}
                  {p.mask ? ' masked' : ''} rIRR {p.remoteIrr}
                </text>
              </g>
            );
          })}
          <line
            x1={X.fabric}
            y1={24}
            x2={X.fabric}
            y2={g.height - 8}
            strokeWidth={3}
            className="stroke-sky-300 dark:stroke-sky-700"
          />
          <text
            x={X.fabric - 6}
            y={g.height - 12}
            textAnchor="end"
            className="fill-sky-700 text-[9px] dark:fill-sky-300"
          >
            messages
          </text>
          <rect
            x={X.kvm}
            y={24}
            width={BOX.kvm}
            height={g.height - 32}
            rx={6}
            className="fill-amber-50 stroke-amber-400 dark:fill-amber-950 dark:stroke-amber-600"
          />
          <text x={X.kvm + 8} y={42} className="fill-amber-900 text-[10px] dark:fill-amber-100">
            map · scans · EOI forwarding
          </text>
          <text x={X.kvm + 8} y={56} className="fill-amber-900 text-[10px] dark:fill-amber-100">
            APICv {view.kvm.apicv} · SEOIB {view.kvm.seoib}
          </text>
          {split && (
            <text x={X.kvm + 8} y={70} className="fill-amber-900 text-[10px] dark:fill-amber-100">
              exits to QEMU: {view.counters['ioapic-eoi-exits']}
            </text>
          )}
          {cpus.map((c) => {
            const d = cpusDetail[c];
            const y = g.cpuY(c);
            return (
              <g key={c} data-cpu={c}>
                <Lapic c={d} y={y - 32} />
                <line
                  x1={X.lapic + BOX.lapic}
                  y1={y}
                  x2={X.cpu}
                  y2={y}
                  className="stroke-slate-300 dark:stroke-slate-600"
                />
                <rect
                  x={X.cpu}
                  y={y - 18}
                  width={BOX.cpu}
                  height={36}
                  rx={6}
                  className="fill-slate-50 stroke-slate-400 dark:fill-slate-800 dark:stroke-slate-500"
                />
                <text x={X.cpu + 8} y={y - 3} className="fill-slate-800 text-[10px] dark:fill-slate-100">
                  IF={d.if} {d.handlers.length ? `in ${d.handlers.map(hex).join(' ')}` : 'idle'}
                </text>
                <text x={X.cpu + 8} y={y + 11} className="fill-slate-600 text-[10px] dark:fill-slate-300">
                  TPR {hex(d.tpr)}
                </text>
              </g>
            );
          })}
          {hop && (
            <g data-hop={index ?? undefined} key={`${step}:${index}`}>
              <path
                d={hop.d}
                fill="none"
                strokeWidth={3}
                strokeDasharray={hop.stop ? '6 4' : undefined}
                className="stroke-violet-600 dark:stroke-violet-300"
              />
              {reduced ? (
                <circle
                  cx={hop.end[0]}
                  cy={hop.end[1]}
                  r={6}
                  className="fill-violet-600 dark:fill-violet-300"
                />
              ) : (
                <circle r={6} className="fill-violet-600 dark:fill-violet-300">
                  <animateMotion dur="0.9s" fill="freeze" path={hop.d} />
                </circle>
              )}
              {hop.stop && (
                <g transform={`translate(${hop.end[0]},${hop.end[1]})`} data-stop={hop.stop}>
                  <text
                    x={0}
                    y={22}
                    textAnchor="middle"
                    className="fill-rose-700 text-[11px] font-semibold dark:fill-rose-300"
                  >
                    ✕ {hop.stop}
                  </text>
                </g>
              )}
            </g>
          )}
        </svg>
      </div>
    </section>
  );
});
