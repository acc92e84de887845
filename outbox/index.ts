/** The outbox: queue logic (queue.ts), store operations (store.ts) and the transport seam. */
export {
  enqueue,
  enqueueAdded,
  queuedEntry,
  drainOutbox,
  sendAlone,
  retry,
  discard,
  withdraw,
  TARGET_NOT_SENT,
} from './queue';
export { OUTBOX_LOCK, OUTBOX_SYNC_TAG } from './names';
export type { EnqueueInput, OutboxAction, DrainOptions, DrainReport } from './queue';
export { sendBody, sendPayload } from './wire';
export { countEntries, listEntries, conversationEntriesIn, getAttachmentBlob, nextOrder } from './store';
export type { AddedEntry } from './store';
export { deleteUpload, encodeMetadata } from './tus';
export type { UploadOutcome } from './upload';

/**
 * Uploads a message's file (upload.ts): its code is fetched with the first file to send, so it
 * stays out of the bundles of the page and the hub.
 */
export const uploadAttachment = async (
  ...args: Parameters<typeof import('./upload').uploadAttachment>
): ReturnType<typeof import('./upload').uploadAttachment> =>
  (await import('./upload')).uploadAttachment(...args);
export type { OutboxTransport } from './transport';

let queueCode: Promise<typeof import('./onDemand')> | undefined;

/**
 * The queue's code for the page and the hub (onDemand.ts), fetched once: at the first thing
 * queued or sent, or earlier as a prefetch (the page calls it when the composer gets focus, so a
 * Send does not wait for the network). A failed fetch (offline, chunk missing) is tried again
 * at the next call.
 */
export function loadQueue(): Promise<typeof import('./onDemand')> {
  queueCode ??= import('./onDemand').catch((err: unknown) => {
    queueCode = undefined;
    throw err;
  });
  return queueCode;
}
