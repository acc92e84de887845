/**
 * When the Service Worker replays the outbox: on Background Sync (Chromium; fires even with every
 * tab closed), and, for browsers without it (Firefox, Safari), when the worker starts (activation
 * or the first fetch after it wakes) and when a tab asks (app open, back online, queued offline).
 * Workbox's own fallback only covers worker start (GoogleChrome/workbox#2386), hence our own.
 */
import { registerBackgroundSync } from '../client-kit/index';
import { OUTBOX_SYNC_TAG, isPageToSw, type ReplayReason } from './protocol';
import { replayOutbox } from './replay';
import { sw } from './scope';

/** Background Sync's event (https://wicg.github.io/background-sync/spec/), not in TS's lib. */
interface SyncEvent extends ExtendableEvent {
  readonly tag: string;
  readonly lastChance: boolean;
}

/** Sync handler: rejecting tells the browser to fire the sync again later, with back-off. */
async function replayForSync(): Promise<void> {
  const { pending } = await replayOutbox();
  if (pending) throw new Error('Some queued messages could not be sent yet; the browser will retry.');
}

/**
 * After "back online" or "app open", the network may not carry requests yet (the event can come
 * first, e.g. while an interface comes up): a replay that found no network tries again after these.
 */
const RETRY_WHEN_OFFLINE_MS: Partial<Record<ReplayReason, number[]>> = {
  online: [1_000, 3_000, 10_000],
  'app-open': [3_000, 10_000],
};

/** Replay outside a sync event; if something is left, ask for a sync so it runs even with no tab. */
export async function replayAndReschedule(retryDelaysMs: readonly number[] = []): Promise<void> {
  let { pending, report } = await replayOutbox();
  for (const delay of retryDelaysMs) {
    if (!pending || !report?.offline) break;
    await new Promise((resolve) => setTimeout(resolve, delay));
    ({ pending, report } = await replayOutbox());
  }
  if (pending) await registerBackgroundSync(sw.registration, OUTBOX_SYNC_TAG);
}

/** Registers the sync, message, activate and first-fetch triggers. */
export function installReplayTriggers(): void {
  sw.addEventListener('sync', (event) => {
    const sync = event as SyncEvent;
    if (sync.tag === OUTBOX_SYNC_TAG) sync.waitUntil(replayForSync());
  });

  sw.addEventListener('message', (event) => {
    const data = event.data;
    if (isPageToSw(data) && data.type === 'ferry:replay-outbox')
      event.waitUntil(replayAndReschedule(RETRY_WHEN_OFFLINE_MS[data.reason]).catch(reportFailure));
  });

  // Not awaited by activation: a slow network must not hold up the new version taking over.
  sw.addEventListener('activate', () => void replayAndReschedule().catch(reportFailure));

  let startedOnFetch = false;
  sw.addEventListener('fetch', (event) => {
    if (startedOnFetch) return;
    startedOnFetch = true;
    // Keeps the worker alive for the replay; does not delay the response.
    event.waitUntil(replayAndReschedule().catch(reportFailure));
  });
}

function reportFailure(err: unknown): void {
  console.warn('ferry sw: outbox replay failed', err);
}
