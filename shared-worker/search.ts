/**
 * The hub's search requests: the device's index (localdb/searchIndex.ts) answers at once and
 * offline; the server answers for everything the user can read; and a message found on the
 * server but not on the device is loaded with the page around it, so the conversation can open
 * there.
 */
import { type Message, ClientEvent } from '../contract/index';
import { type GetFerryDb, putMessages } from '../localdb/index';
import type { DeferredSearchIndex } from './deferredSearch';
import type { Connection } from './connection';
import type { HubEvents } from './protocol';
import { offlineAware, type Handlers } from './requests';

/** Most device results per query: the best ones. */
const LOCAL_RESULTS_MAX = 50;
/** Messages loaded on each side of a message opened from a search result. */
const AROUND = 25;

export interface SearchRequestDeps {
  getDb: GetFerryDb;
  connection: Connection;
  index: DeferredSearchIndex;
  meId(): string | undefined;
  notify(change: HubEvents['changed']): void;
}

/** Handlers of the search methods. */
export function searchRequests(
  deps: SearchRequestDeps,
): Pick<Handlers, 'search' | 'searchServer' | 'loadAround'> {
  const { getDb, connection, index, notify } = deps;
  return {
    search: async ({ query, conversationId, senderId }) => {
      const matches = await index.search(query, { conversationId, senderId, limit: LOCAL_RESULTS_MAX });
      const db = await getDb();
      const conversations = new Set(await db.getAllKeys('conversations'));
      const hits: Array<{ message: Message; terms: string[] }> = [];
      const gone: string[] = [];
      for (const match of matches) {
        const message = await db.get('messages', match.id);
        // Only what is stored now, in a conversation the user is still in, is shown: the index
        // may lag behind a delete or a leave by a moment.
        // A deleted message (or an operation, never indexed but defensive) is not a result either.
        if (
          !message ||
          !conversations.has(message.conversationId) ||
          message.deleted ||
          (message.kind ?? 'message') !== 'message'
        )
          gone.push(match.id);
        else hits.push({ message, terms: match.terms });
      }
      if (gone.length > 0) void index.remove(gone);
      return { ok: true, hits };
    },
    searchServer: offlineAware(async (params) => connection.call(ClientEvent.search, params)),
    loadAround: offlineAware(async ({ conversationId, seq }) => {
      const ack = await connection.call(ClientEvent.messagesBefore, {
        conversationId,
        beforeSeq: seq + AROUND + 1,
        limit: 2 * AROUND + 1,
      });
      if (ack.ok) {
        await putMessages(await getDb(), ack.messages, { meId: deps.meId() });
        notify({ stores: ['messages'], conversationIds: [conversationId] });
      }
      return ack;
    }),
  };
}
