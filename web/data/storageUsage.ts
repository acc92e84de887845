/**
 * How much this device stores and may still store: for the storage panel and before a file is
 * queued. Apart from storage.ts, which the first screen needs (asking for persistence, sign-out).
 */
import { useCallback, useEffect, useState } from 'preact/hooks';

export interface StorageInfo {
  /** null where the browser cannot tell (no StorageManager). */
  persistent: boolean | null;
  usage: number | null;
  quota: number | null;
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

/** Whether storage is persistent, with usage and quota, read when shown and on `refresh()`. */
export function useStorageInfo(): { info: StorageInfo | null; refresh(): void } {
  const [info, setInfo] = useState<StorageInfo | null>(null);
  const refresh = useCallback(() => {
    void storageInfo().then(setInfo);
  }, []);
  useEffect(refresh, [refresh]);
  return { info, refresh };
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
