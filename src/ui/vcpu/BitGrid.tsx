/**
 * A 256-bit vector register as a 16×16 grid (row = priority class, column = low nibble),
 * drawn as five paths (set, blocked and empty cells, the two outlines) rather than 256 elements,
 * so that a page of cards stays light to lay out. Bits the last step flipped are ringed; empty
 * cells of classes PPR blocks are darker; an update rewrites only the paths that changed. It is an ARIA grid (rows = classes, high
 * first, as drawn): one Tab stop, the arrow keys move between cells, the focused cell is named
 * ("IRR vector 0x62 (class 6): set") and shows its tooltip on focus as on hover.
 */
import type { KeyboardEvent, MouseEvent } from 'react';
import { memo, useEffect, useRef, useState } from 'react';
import { hex } from '../../core/hex.ts';
import { sameVectors } from '../../worker/diff.ts';

const CELL = 11;
const GAP = 1;
const LABEL = 14;
const SIZE = LABEL + 16 * (CELL + GAP);

export interface BitGridProps {
  label: string;
  /** Longer explanation on hover. */
  hint?: string;
  /** A CSS variable name with the fill of set cells (D3 sets it, so no Tailwind class). */
  color: string;
  vectors: number[];
  changed?: number[];
  /** Compare view: vectors set in one column and not in the other (dashed amber outline). */
  differs?: number[];
  /** Classes ≤ this are blocked by PPR; -1 for none. */
  blockedClass?: number;
  /** Tells what else holds a vector, for the hover text. */
  describe?: (v: number) => string;
}

const x = (v: number) => LABEL + (v & 15) * (CELL + GAP);
const y = (v: number) => LABEL + (15 - (v >> 4)) * (CELL + GAP);

/** The grid's drawn layers, in paint order: set, blocked and empty cells, then the two outlines. */
const LAYERS = ['s', 'b', 'e', 'c', 'd'] as const;
type Layer = (typeof LAYERS)[number];

/** One cell as a rounded square (rx 2), a subpath of its layer's path. */
function cell(v: number): string {
  return `M${x(v) + 2},${y(v)}h${CELL - 4}a2,2 0 0 1 2,2v${CELL - 4}a2,2 0 0 1 -2,2h${4 - CELL}a2,2 0 0 1 -2,-2v${4 - CELL}a2,2 0 0 1 2,-2z`;
}

/** A cell's accessible name, from its look (so it is rewritten only when the look changes). */
function cellName(reg: string, v: number, l: string): string {
  const state = l[0] === 's' ? 'set' : l[0] === 'b' ? 'clear, class blocked by PPR' : 'clear';
  const mark = l.endsWith('c')
    ? ', changed by this step'
    : l.endsWith('d')
      ? ', differs from the other column'
      : '';
  return `${reg} vector ${hex(v, 2)} (class ${v >> 4}): ${state}${mark}`;
}

/** Where an arrow key goes from vector v (rows are classes, the highest drawn first). */
function moveFrom(v: number, key: string, ctrl: boolean): number | null {
  const cls = v >> 4;
  const col = v & 15;
  switch (key) {
    case 'ArrowRight':
      return col < 15 ? v + 1 : v;
    case 'ArrowLeft':
      return col > 0 ? v - 1 : v;
    case 'ArrowUp':
      return cls < 15 ? v + 16 : v;
    case 'ArrowDown':
      return cls > 0 ? v - 16 : v;
    case 'Home':
      return ctrl ? 0xf0 : v & 0xf0;
    case 'End':
      return ctrl ? 0x0f : v | 15;
    default:
      return null;
  }
}

/** One cell's look, as a small string so that unchanged cells can be skipped. */
function look(
  set: Set<number>,
  flipped: Set<number>,
  differs: Set<number>,
  blocked: number,
  v: number,
): string {
  return `${set.has(v) ? 's' : v >> 4 <= blocked ? 'b' : 'e'}${flipped.has(v) ? 'c' : differs.has(v) ? 'd' : ''}`;
}

function BitGridImpl({
  label,
  hint,
  color,
  vectors,
  changed = [],
  differs = [],
  blockedClass = -1,
  describe,
}: BitGridProps) {
  const ref = useRef<SVGGElement>(null);
  const cursorRef = useRef<SVGRectElement>(null);
  const drawn = useRef<string[]>([]);
  const [hover, setHover] = useState<number | null>(null);
  /** The grid's one focusable cell (row = class, high first; column = low nibble). */
  const [cursor, setCursor] = useState(0xf0);
  const [focused, setFocused] = useState(false);
  const reg = label.split(' (')[0];

  useEffect(() => {
    // Decoration (set here: the linter takes any SVG <g> for focusable): the drawn cells and the digits.
    ref.current!.setAttribute('aria-hidden', 'true');
    ref.current!.previousElementSibling!.setAttribute('aria-hidden', 'true');
  }, []);

  useEffect(() => {
    const set = new Set(vectors);
    const flipped = new Set(changed);
    const other = new Set(differs);
    const d: Record<Layer, string[]> = { s: [], b: [], e: [], c: [], d: [] };
    for (let v = 0; v < 256; v++) {
      const l = look(set, flipped, other, blockedClass, v);
      d[l[0] as Layer].push(cell(v));
      if (l.length > 1) d[l[1] as Layer].push(cell(v));
    }
    // Five paths in place of 256 rects: a card's grids were most of a 64-vCPU page's nodes.
    const paths = ref.current!.children;
    LAYERS.forEach((layer, i) => {
      const path = d[layer].join('');
      if (drawn.current[i] !== path) paths[i].setAttribute('d', path);
      drawn.current[i] = path;
    });
  }, [vectors, changed, differs, blockedClass]);

  useEffect(() => {
    (ref.current!.children[0] as SVGElement).setAttribute('fill', `var(${color})`);
  }, [color]);

  /** The cell under the pointer, from its position (the SVG may be drawn scaled down). */
  const cellAt = (e: MouseEvent<HTMLDivElement>): number | null => {
    const box = e.currentTarget.querySelector('svg')!.getBoundingClientRect();
    if (!box.width) return null;
    const scale = SIZE / box.width;
    const col = Math.floor(((e.clientX - box.left) * scale - LABEL) / (CELL + GAP));
    const row = Math.floor(((e.clientY - box.top) * scale - LABEL) / (CELL + GAP));
    return col < 0 || col > 15 || row < 0 || row > 15 ? null : ((15 - row) << 4) | col;
  };

  const moveTo = (v: number) => {
    setCursor(v);
    setHover(v);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.altKey || e.metaKey) return;
    const to = moveFrom(cursor, e.key, e.ctrlKey);
    if (to === null) return;
    // The app's ← → Home End step the timeline; inside the grid they move between cells.
    e.preventDefault();
    e.stopPropagation();
    moveTo(to);
  };
  const name = cellName(
    reg,
    cursor,
    look(new Set(vectors), new Set(changed), new Set(differs), blockedClass, cursor),
  );

  return (
    <figure className="relative m-0">
      <figcaption
        title={hint}
        className="mb-0.5 flex items-baseline justify-between gap-2 text-[11px] font-semibold tracking-wide text-slate-600 dark:text-slate-300"
      >
        <span className="truncate">{label}</span>
        <span className="truncate font-normal tabular-nums text-slate-600 dark:text-slate-400">
          {vectors.length ? vectors.map((v) => hex(v, 2)).join(' ') : '—'}
        </span>
      </figcaption>
      {/*
        A virtualized ARIA grid (aria-rowcount/colcount): of its 256 cells only the focused one is
        in the accessibility tree, as one Tab stop that the arrow keys move; the drawn cells are
        decoration. 256 named cells per grid made the page's accessibility tree 7× heavier.
      */}
      <div
        role="grid"
        aria-label={`${label}: ${vectors.length ? vectors.map((v) => hex(v, 2)).join(', ') : 'none'}`}
        aria-rowcount={16}
        aria-colcount={16}
        className="bit-grid"
        onKeyDown={onKeyDown}
        onMouseMove={(e) => {
          const v = cellAt(e);
          setHover(v === null ? (focused ? cursor : null) : v);
        }}
        onMouseLeave={() => setHover(focused ? cursor : null)}
        onClick={(e) => {
          const v = cellAt(e);
          if (v === null) return;
          moveTo(v);
          cursorRef.current?.focus();
        }}
      >
        <svg
          width={SIZE}
          height={SIZE}
          viewBox={`0 0 ${SIZE} ${SIZE}`}
          role="presentation"
          className="contain-card block h-auto max-w-full"
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
          <g ref={ref}>
            <path />
            <path fill="var(--grid-blocked)" />
            <path fill="var(--grid-empty)" />
            <path fill="none" stroke="var(--grid-changed)" strokeWidth={2} />
            <path fill="none" stroke="var(--grid-differs)" strokeWidth={2} strokeDasharray="2 1" />
          </g>
          <g role="row" aria-rowindex={16 - (cursor >> 4)}>
            <rect
              ref={cursorRef}
              role="gridcell"
              tabIndex={0}
              aria-colindex={(cursor & 15) + 1}
              aria-label={name}
              aria-selected={vectors.includes(cursor)}
              x={x(cursor) - 1}
              y={y(cursor) - 1}
              width={CELL + 2}
              height={CELL + 2}
              rx={3}
              fill="transparent"
              className="bit-grid-cursor"
              onFocus={() => {
                setFocused(true);
                setHover(cursor);
              }}
              onBlur={() => {
                setFocused(false);
                setHover(null);
              }}
            />
          </g>
        </svg>
      </div>
      {hover !== null && (
        <div
          role="tooltip"
          className="pointer-events-none absolute z-10 whitespace-nowrap rounded bg-slate-900 px-2 py-1 text-[11px] text-white shadow dark:bg-slate-100 dark:text-slate-900"
          style={{ left: Math.min(x(hover), SIZE - 120), top: y(hover) + 30 }}
        >
          {reg} vector {hex(hover, 2)}, class {hover >> 4}
          {describe ? `: ${describe(hover)}` : ''}
          {hover >> 4 <= blockedClass ? ' (class blocked by PPR)' : ''}
        </div>
      )}
    </figure>
  );
}

/** Re-renders only when what it draws changed, not when a new but equal array arrives. */
export const BitGrid = memo(
  BitGridImpl,
  (a, b) =>
    a.label === b.label &&
    a.color === b.color &&
    a.blockedClass === b.blockedClass &&
    sameVectors(a.vectors, b.vectors) &&
    sameVectors(a.changed, b.changed) &&
    a.describe === b.describe,
);
