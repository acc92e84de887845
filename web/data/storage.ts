/**
 * Storage the browser will not take away: what waits in the outbox (messages, queued files) exists
 * only on this device, so Ferry asks for persistent storage at sign-in, at the first queued item
 * and at install. The settings panel shows the answer with usage and quota (storageUsage.ts).
 */
import { ATTACHMENT_CACHE } from '../../sw/protocol';

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

/** Drops the cached attachments (at sign-out: they are another account's files). */
export async function forgetCachedAttachments(): Promise<void> {
  if (typeof caches === 'undefined') return;
  await caches.delete(ATTACHMENT_CACHE).catch(() => false);
}
