/**
 * The delivery lanes, loaded apart from the page's first scripts: LanesView and D3 (its
 * selection, zoom and their transitions) are about 22 KB of gzipped JavaScript that step 0
 * never shows (issue 13.5). The chunk is fetched while the page is idle after its first paint
 * (`prefetchLanes`), so it is there by the time a step has events to draw.
 */
import { lazy, Suspense } from 'react';

const load = () => import('./LanesView.tsx');
const LanesView = lazy(() => load().then((m) => ({ default: m.LanesView })));

export function prefetchLanes(): void {
  const go = () => void load();
  if (typeof requestIdleCallback === 'function') requestIdleCallback(go, { timeout: 2000 });
  else setTimeout(go, 200);
}

export function Lanes({ title }: { title?: string }) {
  return (
    <Suspense fallback={null}>
      <LanesView title={title} />
    </Suspense>
  );
}
