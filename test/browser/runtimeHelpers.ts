/**
 * Helpers for the runtime tests: what the hub stored in a tab's IndexedDB, and which tab leads in
 * the elected-tab mode. Reading IndexedDB directly checks the runtime itself, independent of how
 * the UI renders it (what the server holds: serverMessages in ./support).
 */
import type { Page } from 'playwright-core';
import type { Message } from '../../contract/index';

export interface StoredMessage {
  id: string;
  seq: number;
  text: string;
}

export interface StoredOutboxEntry {
  id: string;
  conversationId: string;
  text: string;
  state: string;
}

/**
 * Reads one object store (optionally one conversation's range of an index) from the page's
 * `ferry` database. Never creates the database: if it does not exist yet, returns [].
 */
function readStore<T>(
  page: Page,
  store: 'messages' | 'outbox',
  index: 'by-conv-seq' | 'by-order',
  conversationId?: string,
): Promise<T[]> {
  return page.evaluate(
    async ({ store, index, conversationId }) => {
      const db = await new Promise<IDBDatabase | null>((resolve, reject) => {
        const request = indexedDB.open('ferry');
        // The app has not created it yet: do not create an empty one in its place.
        request.onupgradeneeded = () => request.transaction?.abort();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () =>
          request.error?.name === 'AbortError' ? resolve(null) : reject(request.error);
      });
      if (!db) return [];
      try {
        const source = db.transaction(store).objectStore(store).index(index);
        const range =
          conversationId === undefined
            ? undefined
            : IDBKeyRange.bound([conversationId, -Infinity], [conversationId, Infinity]);
        return await new Promise<unknown[]>((resolve, reject) => {
          const request = source.getAll(range);
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      } finally {
        db.close();
      }
    },
    { store, index, conversationId },
  ) as Promise<T[]>;
}

/** The messages the hub stored for a conversation, ascending by seq. */
export async function storedMessages(page: Page, conversationId: string): Promise<StoredMessage[]> {
  const all = await readStore<Message>(page, 'messages', 'by-conv-seq', conversationId);
  return all.map((m) => ({ id: m.id, seq: m.seq, text: m.text }));
}

/** The page's outbox, in typing order. */
export async function storedOutbox(page: Page): Promise<StoredOutboxEntry[]> {
  const all = await readStore<StoredOutboxEntry>(page, 'outbox', 'by-order');
  return all.map((e) => ({ id: e.id, conversationId: e.conversationId, text: e.text, state: e.state }));
}

/** True when the page loaded the hub's leader chunk, i.e. runs the hub in the elected-tab mode. */
export function isLeader(page: Page): Promise<boolean> {
  return page.evaluate(() =>
    performance.getEntriesByType('resource').some((entry) => /\/assets\/leader-[^/]*\.js$/.test(entry.name)),
  );
}
