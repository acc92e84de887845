/**
 * The outbox's names other contexts use. A file of their own: the page and the hub need them at
 * start, the queue's code (queue.ts) only once something is queued or sent.
 */

/** Web Lock held while draining: one drainer in the whole browser (tabs, hub and Service Worker). */
export const OUTBOX_LOCK = 'ferry-outbox';
/** Background Sync tag the Service Worker replays the outbox on. */
export const OUTBOX_SYNC_TAG = 'ferry-outbox';
