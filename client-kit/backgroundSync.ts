/**
 * Background Sync registration, for the page and the Service Worker alike. Chromium fires the
 * sync when it is online (at once if it already is), even after every tab is closed, and again
 * later with back-off while the worker's handler rejects.
 */

/** Background Sync (https://wicg.github.io/background-sync/spec/), missing from TypeScript's libs. */
interface SyncManager {
  register(tag: string): Promise<void>;
}

/**
 * Registers the sync `tag`. False where the browser has no Background Sync (Firefox, Safari) or
 * refused it (turned off by the person: NotAllowedError): the caller falls back to its own trigger.
 */
export async function registerBackgroundSync(
  registration: ServiceWorkerRegistration | undefined,
  tag: string,
): Promise<boolean> {
  const sync = (registration as (ServiceWorkerRegistration & { sync?: SyncManager }) | undefined)?.sync;
  if (!sync) return false;
  try {
    await sync.register(tag);
    return true;
  } catch {
    return false;
  }
}
