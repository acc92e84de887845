/**
 * The page's part of offline replay: when messages wait and the hub's socket is down, ask the
 * Service Worker to send them over HTTP. Chromium gets a Background Sync (it fires even after every
 * tab is closed); elsewhere (Firefox, Safari) the worker is asked directly: on app open, when the
 * browser comes back online, and when a message is queued while offline.
 */
import { registerBackgroundSync } from '../../client-kit/index';
import { OUTBOX_SYNC_TAG, type PageToSw, type ReplayReason } from '../../sw/protocol';

async function activeWorker(): Promise<ServiceWorkerRegistration | undefined> {
  if (!('serviceWorker' in navigator)) return undefined;
  return navigator.serviceWorker.ready;
}

/** Asks the Service Worker to replay the outbox now. */
export async function askWorkerToReplay(reason: ReplayReason): Promise<void> {
  const registration = await activeWorker();
  const message: PageToSw = { type: 'ferry:replay-outbox', reason };
  registration?.active?.postMessage(message);
}

/**
 * Registers the outbox's Background Sync; where there is none, asks the worker to replay now.
 * The browser fires the sync when it is online (at once if it already is), and again later with
 * back-off while the worker reports failure.
 */
export async function requestOutboxReplay(): Promise<void> {
  if (await registerBackgroundSync(await activeWorker(), OUTBOX_SYNC_TAG)) return;
  // No Background Sync here, or turned off by the person: ask the worker directly.
  await askWorkerToReplay('queued-offline');
}

let started = false;

/** Replays on app open and whenever the browser comes back online. Call once per page. */
export function startReplayTriggers(): void {
  if (started) return;
  started = true;
  window.addEventListener('online', () => void askWorkerToReplay('online'));
  void askWorkerToReplay('app-open');
}
