/**
 * The current view as a standalone SVG figure (for slides, mails, bug reports): the step, each
 * shown vCPU's IRR / ISR / TMR / handled grids with its priorities, and the IOAPIC pins in use.
 * Every piece of text is escaped: scenario titles and notes are untrusted.
 */
import { hex } from '../core/hex.ts';
import type { cpuSummary, machineSummary } from '../core/inspect.ts';

/** What the figure draws of a vCPU and of the IOAPIC: the core's summaries (the worker's views extend them). */
type CpuSummary = ReturnType<typeof cpuSummary>;
type IoapicSummary = ReturnType<typeof machineSummary>['ioapic'];

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

export interface FigureInput {
  title: string;
  step: number;
  action: string;
  cpus: CpuSummary[];
  ioapic: IoapicSummary;
  pins: number[];
  dark: boolean;
}

const CELL = 9;
const GRID = 16 * CELL + 12;

function grid(
  x: number,
  y: number,
  label: string,
  vectors: number[],
  color: string,
  empty: string,
  text: string,
): string {
  const set = new Set(vectors);
  const cells: string[] = [];
  for (let v = 0; v < 256; v++) {
    cells.push(
      `<rect x="${x + 12 + (v & 15) * CELL}" y="${y + 14 + (15 - (v >> 4)) * CELL}" width="${CELL - 1}" height="${CELL - 1}" fill="${set.has(v) ? color : empty}"/>`,
    );
  }
  return `<text x="${x}" y="${y + 9}" fill="${text}" font-size="10" font-weight="600">${escapeXml(label)}</text>${cells.join('')}`;
}

export function figureSvg(f: FigureInput): string {
  const fg = f.dark ? '#e2e8f0' : '#0f172a';
  const bg = f.dark ? '#020617' : '#ffffff';
  const empty = f.dark ? '#1e293b' : '#e2e8f0';
  const colors = f.dark
    ? ['#fbbf24', '#fb7185', '#a78bfa', '#2dd4bf']
    : ['#d97706', '#e11d48', '#7c3aed', '#0d9488'];
  const width = 4 * (GRID + 16) + 20;
  const parts: string[] = [];
  let y = 24;
  parts.push(
    `<text x="12" y="${y}" fill="${fg}" font-size="14" font-weight="700">${escapeXml(f.title)}</text>`,
  );
  y += 18;
  parts.push(
    `<text x="12" y="${y}" fill="${fg}" font-size="11">${escapeXml(f.step === 0 ? 'start' : `step ${f.step}: ${f.action}`)}</text>`,
  );
  y += 14;
  for (const c of f.cpus) {
    y += 10;
    parts.push(
      `<text x="12" y="${y}" fill="${fg}" font-size="12" font-weight="700">${escapeXml(`vCPU ${c.cpu}`)}</text><text x="70" y="${y}" fill="${fg}" font-size="10">${escapeXml(`TPR ${hex(c.tpr, 2)}  PPR ${hex(c.ppr, 2)}  IF=${c.if}  stale ${c.stale}  handlers ${c.handlers.map((v) => hex(v, 2)).join(' ') || 'none'}`)}</text>`,
    );
    y += 6;
    const regs: [string, number[]][] = [
      ['IRR', c.irr],
      ['ISR', c.isr],
      ['TMR', c.tmr],
      ['handled', c.handled],
    ];
    regs.forEach(([label, vs], i) => {
      parts.push(
        grid(
          12 + i * (GRID + 16),
          y,
          `${label} ${vs.map((v) => hex(v, 2)).join(' ')}`,
          vs,
          colors[i],
          empty,
          fg,
        ),
      );
    });
    y += GRID + 14;
  }
  const pins = f.ioapic.pins.filter((p) => f.pins.includes(p.pin) || p.mask === 0 || p.remoteIrr || p.irr);
  if (pins.length) {
    y += 16;
    parts.push(`<text x="12" y="${y}" fill="${fg}" font-size="12" font-weight="700">IOAPIC</text>`);
    for (const p of pins) {
      y += 14;
      parts.push(
        `<text x="12" y="${y}" fill="${fg}" font-size="10" font-family="monospace">${escapeXml(`pin ${String(p.pin).padStart(2)}  line ${p.line}  vec ${hex(p.vector, 2)}  ${p.trigger.padEnd(5)}  dest ${p.dest} ${p.destMode}  ${p.delivery}  ${p.mask ? 'masked' : 'unmasked'}  remote IRR ${p.remoteIrr}  irr ${p.irr}`)}</text>`,
      );
    }
  }
  y += 16;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="ui-sans-serif, system-ui, sans-serif"><rect width="100%" height="100%" fill="${bg}"/>${parts.join('')}</svg>`;
}

/** Two figures side by side in one SVG (the compare view's A and B). */
export function figurePairSvg(a: FigureInput, b: FigureInput): string {
  const one = [figureSvg(a), figureSvg(b)];
  const size = one.map((svg) => {
    const m = /width="(\d+)" height="(\d+)"/.exec(svg)!;
    return [Number(m[1]), Number(m[2])];
  });
  const gap = 16;
  const width = size[0][0] + gap + size[1][0];
  const height = Math.max(size[0][1], size[1][1]);
  const bg = a.dark ? '#020617' : '#ffffff';
  const inner = one.map((svg, i) => svg.replace('<svg ', `<svg x="${i ? size[0][0] + gap : 0}" y="0" `));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="${bg}"/>${inner.join('')}</svg>`;
}
