/**
 * A view loaded when first shown (React.lazy over a dynamic import). If its chunk cannot be
 * fetched (the app's host went away, a deploy replaced the hashed files), the view says so where
 * it would have been, instead of an uncaught error that would take the whole page, and the
 * session, with it.
 */
import type { ComponentType } from 'react';
import { lazy } from 'react';

export function lazyView<P extends object>(
  load: () => Promise<ComponentType<P>>,
  what: string,
): ComponentType<P> {
  return lazy(() =>
    load().then(
      (view) => ({ default: view }),
      (e: unknown) => ({
        default: () => (
          <p role="alert" className="px-4 py-3 text-sm text-red-700 dark:text-red-300">
            {what} could not be loaded from the app's host ({e instanceof Error ? e.message : String(e)}).
            Reload the page to try again; the session is kept in the link.
          </p>
        ),
      }),
    ),
  );
}
