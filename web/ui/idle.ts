/** Idle moments of the page's main thread. */

/**
 * The performance mark the page sets as it starts fetching what its first content did not need
 * (web/ui/firstContent.ts). What it fetched before is what showing that content took: the
 * first-load bench counts it from this mark, on the page's own clock.
 */
export const IDLE_LOADS_MARK = 'ferry:idle-loads';

/** Longest wait for an idle moment. */
const IDLE_TIMEOUT_MS = 1_000;

/** Calls `fn` when the page is idle (a timer where requestIdleCallback is missing); returns the cancel. */
export function whenIdle(fn: () => void): () => void {
  if (typeof requestIdleCallback === 'function') {
    const id = requestIdleCallback(fn, { timeout: IDLE_TIMEOUT_MS });
    return () => cancelIdleCallback(id);
  }
  const timer = setTimeout(fn, 50);
  return () => clearTimeout(timer);
}
