/**
 * A 256-bit vector register as a 16×16 grid (row = priority class, column = low nibble),
 * drawn with D3. Bits the last step flipped are ringed; empty cells of classes PPR blocks are darker.
 * Screen readers get the set vectors as a list.
 */
import { select } from 'd3-selection';
import { useEffect, useRef } from 'react';
import { hex2, vectorList } from '../common/hex.ts';

const CELL = 11;
const GAP = 1;
const LABEL = 14;
const SIZE = LABEL + 16 * (CELL + GAP);

export interface BitGridProps {
  label: string;
  /** Longer explanation on hover. */
  hint?: string;
  /** Tailwind-independent fill, so that D3 can set it: a CSS variable name. */
  color: string;
  vectors: number[];
  changed?: number[];
  /** Classes ≤ this are shaded (blocked by PPR); -1 for none. */
  blockedClass?: number;
  /** Tells what else holds a vector, for the hover text. */
  describe?: (v: number) => string;
}

export function BitGrid({
  label,
  hint,
  color,
  vectors,
  changed = [],
  blockedClass = -1,
  describe,
}: BitGridProps) {
  const ref = useRef<SVGSVGElement>(null);
  useEffect(() => {
    const svg = select(ref.current!);
    const set = new Set(vectors);
    const flipped = new Set(changed);
    const cells = Array.from({ length: 256 }, (_, v) => v);
    svg
      .selectAll<SVGRectElement, number>('rect.bit')
      .data(cells)
      .join('rect')
      .attr('class', 'bit')
      .attr('x', (v) => LABEL + (v & 15) * (CELL + GAP))
      .attr('y', (v) => LABEL + (15 - (v >> 4)) * (CELL + GAP))
      .attr('width', CELL)
      .attr('height', CELL)
      .attr('rx', 2)
      .attr('fill', (v) =>
        set.has(v) ? `var(${color})` : v >> 4 <= blockedClass ? 'var(--grid-blocked)' : 'var(--grid-empty)',
      )
      .attr('stroke', (v) => (flipped.has(v) ? 'var(--grid-changed)' : 'none'))
      .attr('stroke-width', (v) => (flipped.has(v) ? 2 : 0))
      .selectAll('title')
      .data((v) => [v])
      .join('title')
      .text((v) => `vector ${hex2(v)} (class ${v >> 4})${describe ? `: ${describe(v)}` : ''}`);
  }, [vectors, changed, blockedClass, color, describe]);

  return (
    <figure className="m-0">
      <figcaption
        title={hint}
        className="mb-0.5 flex items-baseline justify-between text-[11px] font-semibold tracking-wide text-slate-600 dark:text-slate-300"
      >
        <span>{label}</span>
        <span className="font-normal tabular-nums text-slate-500 dark:text-slate-400">
          {vectors.length ? vectors.map(hex2).join(' ') : '—'}
        </span>
      </figcaption>
      <svg
        ref={ref}
        width={SIZE}
        height={SIZE}
        viewBox={`0 0 ${SIZE} ${SIZE}`}
        role="img"
        aria-label={`${label}: ${vectorList(vectors)}`}
        className="block max-w-full"
      >
        <g fontSize="8" fill="var(--grid-label)" fontFamily="ui-monospace, monospace">
          {Array.from({ length: 16 }, (_, i) => (
            <text key={`c${i}`} x={LABEL + i * (CELL + GAP) + CELL / 2} y={10} textAnchor="middle">
              {i.toString(16)}
            </text>
          ))}
          {Array.from({ length: 16 }, (_, c) => (
            <text key={`r${c}`} x={LABEL - 4} y={LABEL + (15 - c) * (CELL + GAP) + 8.5} textAnchor="end">
              {c.toString(16)}
            </text>
          ))}
        </g>
      </svg>
      <ul className="sr-only">
        {vectors.map((v) => (
          <li key={v}>{hex2(v)}</li>
        ))}
      </ul>
    </figure>
  );
}
