/**
 * The elected-tab fallback for browsers without SharedWorker (Chrome for Android before 148, some
 * WebViews). Every tab asks for the Web Lock LEADER_LOCK; the holder loads the hub (and with it
 * socket.io-client, via a dynamic import, so other tabs never download it) and serves all tabs
 * over BroadcastChannel. Web Locks are released when their tab goes away, so when the leader
 * closes, the next tab in line takes over at once.
 */
import { LEADER_LOCK } from './broadcastWire';

const RETRY_AFTER_FAILURE_MS = 2_000;

/** This page's place in the election: aborted when the page is hidden (closed or cached). */
let membership: AbortController | null = null;
let lifecycleWatched = false;

/**
 * Joins the election for this tab (once; calling again while a member does nothing). Without Web
 * Locks every tab runs a hub for itself alone: several sockets, but nothing breaks.
 */
export function joinElection(tabId: string): void {
  if (membership) return;
  const controller = (membership = new AbortController());
  watchLifecycle(tabId);
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (!locks) {
    void lead(tabId, true, controller.signal);
    return;
  }
  locks
    .request(LEADER_LOCK, { signal: controller.signal }, () => lead(tabId, false, controller.signal))
    .catch((err: unknown) => {
      if (controller.signal.aborted) return;
      // The hub could not start here (e.g. its code could not load): the lock is free again for
      // another tab; this one tries again later.
      console.warn('ferry: could not run the hub in this tab', err);
      membership = null;
      setTimeout(() => joinElection(tabId), RETRY_AFTER_FAILURE_MS);
    });
}

/**
 * A page hidden for good or frozen in the back/forward cache must neither hold the lock nor wait
 * for it (a frozen page granted the lock would serve nobody); it rejoins when shown again.
 */
function watchLifecycle(tabId: string): void {
  if (lifecycleWatched) return;
  lifecycleWatched = true;
  addEventListener('pagehide', () => {
    membership?.abort();
    membership = null;
  });
  addEventListener('pageshow', (event) => {
    if ((event as Event & { persisted?: boolean }).persisted) joinElection(tabId);
  });
}

/** Runs the hub until `signal` aborts (the page is hidden). */
async function lead(tabId: string, onlyThisTab: boolean, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  const { serveAsLeader } = await import('./leader');
  if (signal.aborted) return;
  const stop = serveAsLeader(onlyThisTab ? tabId : undefined);
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  stop();
}
