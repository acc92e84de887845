/**
 * When the page may fetch what first paint does not need (PWA controls, the Service Worker's
 * registration, the open conversation's code before anyone opens one): after the load event, once
 * the main thread is idle, so those downloads never compete with the list or sign-in appearing.
 */

/** Longest wait for an idle moment after load (a busy page still gets its PWA controls). */
const IDLE_TIMEOUT_MS = 2_000;

let after: Promise<void> | null = null;

/** Resolves once, after load and an idle moment; later calls share the same promise. */
export function afterFirstPaint(): Promise<void> {
  after ??= new Promise<void>((resolve) => {
    const idle = () =>
      typeof requestIdleCallback === 'function'
        ? requestIdleCallback(() => resolve(), { timeout: IDLE_TIMEOUT_MS })
        : setTimeout(resolve, 0);
    if (document.readyState === 'complete') idle();
    else window.addEventListener('load', idle, { once: true });
  });
  return after;
}
