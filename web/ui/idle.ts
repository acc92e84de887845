/** Idle moments of the page's main thread. */

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
