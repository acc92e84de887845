/**
 * Storage the browser will not take away: what waits in the outbox (messages, queued files) exists
 * only on this device, so Ferry asks for persistent storage at sign-in, at the first queued item
 * and at install. The settings panel shows the answer with usage and quota.
 */
import { ATTACHMENT_CACHE } from '../../sw/protocol';

export interface StorageInfo {
  /** null where the browser cannot tell (no StorageManager). */
  persistent: boolean | null;
  usage: number | null;
  quota: number | null;
}

/**
 * Asks for persistent storage (browsers grant or refuse without a prompt in Chromium, from
 * engagement and installation, so asking again later can succeed). Never throws.
 */
export async function askPersistentStorage(): Promise<boolean> {
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
  if (!storage?.persist) return false;
  try {
    return (await storage.persisted()) || (await storage.persist());
  } catch {
    return false;
  }
}

/** Whether storage is persistent, with usage and quota in bytes. */
export async function storageInfo(): Promise<StorageInfo> {
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
  if (!storage) return { persistent: null, usage: null, quota: null };
  const [persistent, estimate] = await Promise.all([
    storage.persisted ? storage.persisted().catch(() => null) : Promise.resolve(null),
    storage.estimate ? storage.estimate().catch(() => null) : Promise.resolve(null),
  ]);
  return { persistent, usage: estimate?.usage ?? null, quota: estimate?.quota ?? null };
}

/** Drops the cached attachments (at sign-out: they are another account's files). */
export async function forgetCachedAttachments(): Promise<void> {
  if (typeof caches === 'undefined') return;
  await caches.delete(ATTACHMENT_CACHE).catch(() => false);
}

/** Room left beside a file for the IndexedDB records and indexes written with it. */
const WRITE_OVERHEAD_BYTES = 64 * 1024;

/**
 * Refuses a file the browser's quota has no room for, before anything is written: a transaction
 * that Chromium aborts for quota with a large file in it can leave that file counted against the
 * quota afterwards, so that every later write (even a short text) is refused too. Throws a
 * QuotaExceededError like the write would. Where the estimate is missing, the write decides.
 */
export async function ensureRoomFor(bytes: number): Promise<void> {
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
  const estimate = storage?.estimate ? await storage.estimate().catch(() => null) : null;
  if (!estimate?.quota || estimate.usage === undefined) return;
  if (estimate.usage + bytes + WRITE_OVERHEAD_BYTES > estimate.quota)
    throw new DOMException('This device’s storage is full.', 'QuotaExceededError');
}
