/**
 * Bench-only page (built by vite for the big-account scenario, never shipped), served at Ferry's
 * own origin by the bench, so it opens the app's IndexedDB: stores messages through localdb's
 * putMessages, the function the hub stores every page and live message with. Driven from
 * bench/scenarios/bigAccount.ts.
 */
import type { Message } from '../../../contract/index';
import { announceChange, DB_NAME, lazyFerryDb, putMessages } from '../../../localdb/index';

const getDb = lazyFerryDb(DB_NAME);

const api = {
  /** Stores `messages` in one putMessages call (one transaction), as a catch-up page would be. */
  async store(messages: Message[], meId: string): Promise<number> {
    const result = await putMessages(await getDb(), messages, { meId });
    return result.added.length;
  },
  /**
   * Tells the hub these messages were stored beside it, as the Service Worker's replay does: the
   * hub reconciles its search index with the store and saves it, with no restart needed.
   */
  announce(conversationId: string): void {
    announceChange({ stores: ['messages'], conversationIds: [conversationId] });
  },
  /** Closes the connection, so the app's next open does not wait on it (version changes). */
  async close(): Promise<void> {
    (await getDb()).close();
  },
};

(globalThis as unknown as { __accountsBench: typeof api }).__accountsBench = api;
