/** The outbox: queue logic (queue.ts), store operations (store.ts) and the transport seam. */
export { enqueue, drainOutbox, retry, discard, OUTBOX_LOCK, OUTBOX_SYNC_TAG } from './queue';
export type { EnqueueInput, DrainOptions, DrainReport } from './queue';
export { listEntries } from './store';
export { OfflineError, type OutboxTransport } from './transport';
export { backoffDelay, type BackoffOptions } from './backoff';
