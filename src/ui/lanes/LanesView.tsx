/**
 * The delivery lanes (D3): one lane for devices and the IOAPIC, one for KVM / QEMU, one per
 * vCPU involved; each event of the step a node on its lane, in order; an arrow from each
 * event's cause to it. Click a node for its sub-step; zoom and pan; repeated rounds collapse
 * into "×N" groups; a filter dims what does not match.
 */
import { select } from 'd3-selection';
import type { ZoomBehavior } from 'd3-zoom';
import { zoom, zoomIdentity, zoomTransform } from 'd3-zoom';
import { memo, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { TraceEvent } from '../../core/events.ts';
import { grouped } from '../common/format.ts';
import { useViz } from '../context.ts';
import { showEventText } from '../timeline/eventText.ts';
import type { LanesLayout } from './layout.ts';
import { layoutLanes } from './layout.ts';

const LANE_H = 34;
const COL_W = 40;
const LEFT = 112;
const TOP = 18;

const LANE_COLOURS: Record<string, string> = {
  ioapic: 'fill-emerald-500 dark:fill-emerald-400',
  kvm: 'fill-amber-500 dark:fill-amber-400',
};
const colourOf = (key: string) => LANE_COLOURS[key] ?? 'fill-violet-500 dark:fill-violet-400';

/** Zoomed out as far as it goes, about this many columns are on screen (and drawn). */
const MAX_VISIBLE_COLS = 600;
const NO_EVENTS: TraceEvent[] = [];
/**
 * The columns to draw for a view of width `w` at transform (x, k): those on screen and half a
 * screen either side. Drawing more costs every step its style and layout (a 64-vCPU route step
 * drew 80 columns, about 370 SVG elements, where about 20 are on screen).
 */
function columnsFor(w: number, x: number, k: number): [number, number] {
  const [first, last] = onScreen(w, x, k);
  const margin = Math.ceil((last - first) / 2);
  return [Math.max(0, first - margin), last + margin];
}
function onScreen(w: number, x: number, k: number): [number, number] {
  return [Math.floor((-x / k - LEFT) / COL_W), Math.ceil(((w - x) / k - LEFT) / COL_W)];
}
/** Before the first measurement: a view about as wide as the main column at 1440 px. */
const INITIAL_WIDTH = 900;
/** Lanes drawn until "Show all lanes" (a step of a 4096-vCPU VM can touch every vCPU). */
const MAX_LANES = 24;
const minScale = (width: number) => width / ((MAX_VISIBLE_COLS + 4) * COL_W);

const cx = (col: number) => LEFT + 12 + col * COL_W;
const cy = (lane: number) => TOP + lane * LANE_H + LANE_H / 2;

/** Draws the layout into the SVG's content group: nodes, arrows, group brackets. */
function draw(
  g: SVGGElement,
  layout: LanesLayout,
  events: readonly TraceEvent[],
  selected: number | null,
  onPick: (i: number) => void,
  onExpand: (start: number) => void,
  markerId: string,
  window: [number, number],
): void {
  const root = select(g);
  root.selectAll('*').remove();
  const pos = new Map(layout.nodes.map((n) => [n.index, n]));
  // Only the columns in the window are drawn (a 10 000-event step stays cheap); an arrow is drawn
  // when one of its ends is.
  const [c0, c1] = window;
  const inWin = (col: number) => col >= c0 && col <= c1;
  const nodes = layout.nodes.filter((n) => inWin(n.col));
  const arrows = layout.arrows.filter((a) => inWin(pos.get(a.from)!.col) || inWin(pos.get(a.to)!.col));
  const groups = layout.groups.filter((d) => d.col1 >= c0 && d.col0 <= c1);
  const laneKeys = layout.lanes.map((l) => l.key);
  root
    .append('g')
    .attr('class', 'arrows')
    .selectAll('path')
    .data(arrows)
    .join('path')
    .attr('data-from', (a) => a.from)
    .attr('data-to', (a) => a.to)
    .attr('d', (a) => {
      const p = pos.get(a.from)!;
      const q = pos.get(a.to)!;
      const x0 = cx(p.col);
      const y0 = cy(p.lane);
      const x1 = cx(q.col);
      const y1 = cy(q.lane);
      const mx = (x0 + x1) / 2;
      return `M${x0},${y0} C${mx},${y0} ${mx},${y1} ${x1 - 8},${y1}`;
    })
    .attr('class', (a) =>
      a.to === selected || a.from === selected
        ? 'fill-none stroke-violet-600 dark:stroke-violet-300'
        : 'fill-none stroke-slate-400 dark:stroke-slate-500',
    )
    .attr('stroke-width', (a) => (a.to === selected || a.from === selected ? 2 : 1))
    .attr('marker-end', `url(#${markerId})`)
    .attr('opacity', (a) => (pos.get(a.to)!.match && pos.get(a.from)!.match ? 0.9 : 0.15));
  root
    .append('g')
    .attr('class', 'groups')
    .selectAll('g')
    .data(groups)
    .join('g')
    .attr('data-group', (d) => d.start)
    .attr('cursor', 'pointer')
    .on('click', (_e, d) => onExpand(d.start))
    .call((sel) =>
      sel
        .append('rect')
        .attr('x', (d) => cx(d.col0) - 14)
        .attr('y', 2)
        .attr('width', (d) => cx(d.col1) - cx(d.col0) + 28)
        .attr('height', TOP + layout.lanes.length * LANE_H - 2)
        .attr('rx', 6)
        .attr('class', 'fill-sky-500/5 stroke-sky-500 dark:fill-sky-400/10')
        .attr('stroke-dasharray', '4 3'),
    )
    .call((sel) =>
      sel
        .append('text')
        .attr('x', (d) => cx(d.col0) - 10)
        .attr('y', 13)
        .attr('class', 'fill-sky-800 text-[10px] font-semibold dark:fill-sky-200')
        .text((d) => `×${d.repeats} rounds (click to expand)`),
    );
  const node = root
    .append('g')
    .attr('class', 'nodes')
    .selectAll('g')
    .data(nodes)
    .join('g')
    .attr('data-event', (n) => n.index)
    .attr('transform', (n) => `translate(${cx(n.col)},${cy(n.lane)})`)
    .attr('cursor', 'pointer')
    .attr('opacity', (n) => (n.match ? 1 : 0.2))
    .on('click', (_e, n) => onPick(n.index));
  node
    .append('circle')
    .attr('r', (n) => (n.index === selected ? 9 : 7))
    .attr(
      'class',
      (n) =>
        `${colourOf(laneKeys[n.lane])} ${n.index === selected ? 'stroke-violet-900 dark:stroke-white' : 'stroke-white dark:stroke-slate-900'}`,
    )
    .attr('stroke-width', (n) => (n.index === selected ? 3 : 1.5));
  node
    .append('title')
    .text(
      (n) =>
        `#${n.index} ${events[n.index].type}: ${showEventText(events[n.index].text)}\n${events[n.index].why}`,
    );
  node
    .filter((n) => n.index === 0 || n.index === selected)
    .append('text')
    .attr('y', -11)
    .attr('text-anchor', 'start')
    .attr('class', 'fill-slate-800 text-[10px] font-mono dark:fill-slate-100')
    .text((n) => events[n.index].type);
}

export const LanesView = memo(function LanesView({ title = 'Delivery lanes' }: { title?: string }) {
  const events = useViz((s) => s.frame?.events);
  // Live frames of a run carry no events: one constant empty list, so nothing is laid out again.
  const shown = events?.length ? events : NO_EVENTS;
  const step = useViz((s) => s.frame?.step ?? 0);
  const visible = events !== undefined && step !== 0;
  const selected = useViz((s) => s.frame?.event ?? null);
  const seekEvent = useViz((s) => s.seekEvent);
  const [query, setQuery] = useState('');
  // Two lanes views can be on screen (compare): each needs its own arrowhead id.
  const markerId = `lane-arrow-${useId().replace(/:/g, '')}`;
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());
  const svg = useRef<SVGSVGElement>(null);
  const content = useRef<SVGGElement>(null);
  const zoomer = useRef<ZoomBehavior<SVGSVGElement, unknown> | null>(null);
  /** The columns drawn: what is on screen, and half a screen either side. */
  const [win, setWin] = useState<[number, number]>(() => columnsFor(INITIAL_WIDTH, 0, 1));
  const winRef = useRef(win);
  winRef.current = win;
  /** Widens the drawn window when the view shows columns outside it. */
  const cover = (w: number, x: number, k: number) => {
    const [first, last] = onScreen(w, x, k);
    const [c0, c1] = winRef.current;
    if (first < c0 || last > c1) setWin(columnsFor(w, x, k));
  };
  // A new step starts collapsed and unzoomed.
  const [allLanes, setAllLanes] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on a new step or new events
  useEffect(() => {
    setExpanded(new Set());
    setAllLanes(false);
    // Only when zoomed: setting a transform measures the SVG, a forced layout of the whole page.
    const t = svg.current && zoomTransform(svg.current);
    if (t && zoomer.current && (t.k !== 1 || t.x !== 0 || t.y !== 0))
      select(svg.current!).call(zoomer.current.transform, zoomIdentity);
  }, [step, shown]);
  /** The SVG's width as last laid out (read from a ResizeObserver, never by forcing a layout). */
  const svgWidth = useRef(INITIAL_WIDTH);
  const layout = useMemo(
    () => layoutLanes(shown, { expanded, query, selected, maxLanes: allLanes ? undefined : MAX_LANES }),
    [shown, expanded, query, selected, allLanes],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: the svg exists only while `visible`
  useEffect(() => {
    if (!svg.current || !content.current) return;
    const g = content.current;
    // Drag pans; the wheel zooms only with Ctrl (a plain wheel keeps scrolling the page).
    const sized = new ResizeObserver(([e]) => {
      svgWidth.current = e.contentRect.width || INITIAL_WIDTH;
      zoomer.current?.scaleExtent([minScale(svgWidth.current), 4]);
      const { x, k } = zoomTransform(svg.current!);
      cover(svgWidth.current, x, k);
    });
    sized.observe(svg.current);
    zoomer.current = zoom<SVGSVGElement, unknown>()
      .extent(() => [
        [0, 0],
        [svgWidth.current, svg.current?.height.baseVal.value ?? 0],
      ])
      .scaleExtent([minScale(svgWidth.current), 4])
      .filter((e: Event) => {
        if (e.type === 'wheel') return (e as WheelEvent).ctrlKey || (e as WheelEvent).metaKey;
        return e.type !== 'dblclick' && !(e as MouseEvent).button;
      })
      .on('zoom', (e) => {
        g.setAttribute('transform', e.transform.toString());
        cover(svgWidth.current, e.transform.x, e.transform.k);
      });
    select(svg.current).call(zoomer.current);
    return () => sized.disconnect();
    // Attached when the svg appears (it is not there at step 0), and again after it comes back.
  }, [visible]);
  useEffect(() => {
    if (!content.current) return;
    draw(
      content.current,
      layout,
      shown,
      selected,
      (i) => seekEvent(i === selected ? null : i),
      (start) => setExpanded((x) => new Set([...x, start])),
      markerId,
      win,
    );
  }, [layout, shown, selected, seekEvent, markerId, win]);
  const height = TOP + layout.lanes.length * LANE_H + 6;
  const width = LEFT + 24 + layout.cols * COL_W;
  const zoomBy = (k: number) => {
    if (svg.current && zoomer.current) select(svg.current).call(zoomer.current.scaleBy, k);
  };
  const fitAll = () => {
    if (!svg.current || !zoomer.current) return;
    // Fit the whole step, or as much of it as stays readable (MAX_VISIBLE_COLS columns).
    const w = svgWidth.current;
    const k = Math.min(1, w / width, Math.max(w / ((MAX_VISIBLE_COLS + 4) * COL_W), 0));
    select(svg.current).call(zoomer.current.transform, zoomIdentity.scale(Math.max(k, minScale(w))));
  };
  if (!events || step === 0) return null;
  return (
    <section
      aria-label={title}
      className="skip-offscreen rounded-lg border border-slate-200 bg-white p-2 dark:border-slate-700 dark:bg-slate-900"
    >
      <div className="mb-1 flex flex-wrap items-center gap-2">
        <h2 className="m-0 text-sm font-semibold">{title}</h2>
        <span className="text-xs text-slate-600 dark:text-slate-400">
          {events.length} events · click a node for the state after it · drag to pan, Ctrl+wheel to zoom
        </span>
        <span className="flex gap-1">
          {(
            [
              ['−', 'Zoom out', () => zoomBy(0.5)],
              ['+', 'Zoom in', () => zoomBy(2)],
              ['Fit', 'Fit the whole step', () => fitAll()],
            ] as const
          ).map(([label, title, f]) => (
            <button
              key={label}
              type="button"
              onClick={f}
              aria-label={title}
              title={title}
              className="rounded border border-slate-300 px-1.5 text-xs hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-600 dark:hover:bg-slate-800"
            >
              {label}
            </button>
          ))}
        </span>
        <label className="ml-auto flex items-center gap-1 text-xs">
          <span className="text-slate-600 dark:text-slate-400">Filter</span>
          <input
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="type, cpu:1, pin:10, vec:0x62"
            aria-label="Filter the lanes by event type, cpu:N, pin:N or vec:V"
            className="w-52 rounded border border-slate-300 bg-white px-1 py-0.5 font-mono text-xs dark:border-slate-600 dark:bg-slate-800"
          />
        </label>
      </div>
      <div className="relative overflow-hidden rounded border border-slate-100 dark:border-slate-800">
        <svg
          ref={svg}
          role="img"
          aria-label={`Delivery lanes of step ${step}: ${layout.nodes.length} events shown on ${layout.lanes.length} lanes, ${layout.arrows.length} cause arrows`}
          width="100%"
          height={height}
          className="block touch-none select-none"
          data-testid="lanes"
        >
          <defs>
            <marker
              id={markerId}
              viewBox="0 0 10 10"
              refX="8"
              refY="5"
              markerWidth="6"
              markerHeight="6"
              orient="auto"
            >
              <path d="M0,0 L10,5 L0,10 z" className="fill-slate-500 dark:fill-slate-400" />
            </marker>
          </defs>
          <g>
            {layout.lanes.map((l, i) => (
              <g key={l.key}>
                <rect
                  x={0}
                  y={TOP + i * LANE_H}
                  width="100%"
                  height={LANE_H}
                  className={i % 2 ? 'fill-slate-50 dark:fill-slate-800/40' : 'fill-transparent'}
                />
                <text
                  x={6}
                  y={cy(i) + 4}
                  className="fill-slate-700 text-[11px] font-semibold dark:fill-slate-200"
                >
                  {l.label}
                </text>
              </g>
            ))}
          </g>
          <g ref={content} />
        </svg>
      </div>
      {layout.hiddenLanes > 0 && (
        <p className="m-0 mt-1 flex flex-wrap items-center gap-2 text-xs text-slate-600 dark:text-slate-400">
          {grouped(layout.hiddenLanes)} more vCPU lanes and their events are not drawn (the filter and the
          selected event choose which lanes come first).
          <button
            type="button"
            onClick={() => setAllLanes(true)}
            className="rounded border border-slate-300 px-1.5 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-600 dark:hover:bg-slate-800"
          >
            Show all lanes
          </button>
        </p>
      )}
    </section>
  );
});
