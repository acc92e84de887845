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
export { uploadAttachment, deleteUpload, encodeMetadata, type UploadOutcome } from './upload';
export type { OutboxTransport } from './transport';
