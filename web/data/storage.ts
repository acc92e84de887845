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
