/**
 * Coordination primitives shared by the page, the hub and the Service Worker: written once,
 * generic, free of IndexedDB and of the wire contract, so each can be unit-tested in Node.
 */
export { rerunLatch, sharedRun, type RerunLatch } from './rerunLatch';
export { coalesce, type Coalescer, type CoalesceOptions } from './coalesce';
export { registerBackgroundSync } from './backgroundSync';
export { sameValue } from './sameValue';
