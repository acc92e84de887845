/** The outbox: queue logic (queue.ts), store operations (store.ts) and the transport seam. */
export {
  enqueue,
  queuedEntry,
  drainOutbox,
  retry,
  discard,
  withdraw,
  OUTBOX_LOCK,
  OUTBOX_SYNC_TAG,
  TARGET_NOT_SENT,
} from './queue';
export type { EnqueueInput, OutboxAction, DrainOptions, DrainReport } from './queue';
export { sendBody, sendPayload } from './wire';
export { listEntries, getAttachmentBlob, nextOrder } from './store';
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
