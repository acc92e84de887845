/**
 * What the page and the hub need of the queue once something is queued or sent: loaded on demand
 * (outbox/index.ts: loadQueue), so that neither carries it in its first load.
 */
export { enqueue, enqueueAdded, retry, discard, withdraw, drainOutbox, sendAlone } from './queue';
export { socketTransport } from './transport';
