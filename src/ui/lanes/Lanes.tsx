/**
 * The delivery lanes, loaded apart from the page's first scripts: LanesView and D3 (its
 * selection, zoom and their transitions) are about 22 KB of gzipped JavaScript that step 0
 * never shows (issue 13.5). The chunk is fetched while the page is idle after its first paint
 * (`prefetchLanes`), so it is there by the time a step has events to draw.
 */
import { Suspense } from 'react';
import { lazyView } from '../common/lazyView.tsx';

const load = () => import('./LanesView.tsx');
const LanesView = lazyView(() => load().then((m) => m.LanesView), 'The delivery lanes');

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
