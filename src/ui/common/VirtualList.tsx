/**
 * A fixed-row-height list that renders only the rows in view (plus a margin), so that 100 000
 * steps or 4096 vCPUs cost what a screenful costs. Optionally keeps one row scrolled into view.
 */
import type { ReactNode } from 'react';
import { useEffect, useRef, useState } from 'react';

export function VirtualList({
  count,
  rowHeight,
  height,
  label,
  row,
  follow,
  testId,
}: {
  count: number;
  rowHeight: number;
  height: number;
  label: string;
  row: (index: number) => ReactNode;
  /** A row to keep in view (the current step). */
  follow?: number;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState(0);
  // The scroll offset as last reported, not el.scrollTop: reading that forces a layout of the
  // whole page in the middle of a step's commit (the largest single cost of a step at 4096 vCPUs).
  const at = useRef(0);
  at.current = scroll;
  useEffect(() => {
    const el = box.current;
    if (!el || follow === undefined) return;
    const top = follow * rowHeight;
    if (top < at.current || top > at.current + height - rowHeight) {
      const to = Math.max(0, top - height / 2);
      el.scrollTop = to;
      at.current = to;
    }
  }, [follow, rowHeight, height]);
  const first = Math.max(0, Math.floor(scroll / rowHeight) - 5);
  const last = Math.min(count, first + Math.ceil(height / rowHeight) + 10);
  const items: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    items.push(
      <li key={i} style={{ position: 'absolute', top: i * rowHeight, height: rowHeight, left: 0, right: 0 }}>
        {row(i)}
      </li>,
    );
  }
  return (
    <div
      ref={box}
      onScroll={(e) => setScroll(e.currentTarget.scrollTop)}
      style={{ height }}
      className="overflow-y-auto"
      data-testid={testId}
    >
      <ol
        aria-label={label}
        style={{ position: 'relative', height: count * rowHeight }}
        className="m-0 list-none p-0"
      >
        {items}
      </ol>
    </div>
  );
}
