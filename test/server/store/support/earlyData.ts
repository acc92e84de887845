/**
 * Data as an early schema version left it, for both stores' upgrade tests: each store writes the
 * rows in its own SQL, then both must show them the same way after migrating.
 */
import { expect } from 'vitest';
import { searchWords } from '../../../../contract/search.js';
import type { Store } from '../../../../server/store/Store.js';

/** One user, one room of two messages and its member, as the initial schema stores them. */
export const EARLY_ROOM_SQL = `INSERT INTO users VALUES ('u1', 'old', 'h', 1);
  INSERT INTO conversations (id, kind, name, invite_code, last_seq, created_at) VALUES ('c1', 'room', 'r', 'i', 2, 1);
  INSERT INTO members (conversation_id, user_id, joined_at) VALUES ('c1', 'u1', 1);`;

/** Ids of the messages user u1 finds with `query`, newest first. */
export const searchIds = async (store: Store, query: string): Promise<string[]> =>
  (await store.searchMessages({ userId: 'u1', terms: searchWords(query), limit: 10 })).map((m) => m.id);

/**
 * Messages m1 ('kestrel one') and m2 ('kestrel two'), stored before entry kinds existed, read as
 * messages and changed by a delete and an edit like any other.
 */
export async function expectEarlyMessagesTakeOperations(store: Store): Promise<void> {
  expect(await store.messagesAfter('c1', 0, 10)).toEqual([
    expect.objectContaining({ id: 'm1', kind: 'message', deleted: false, editedAt: null, reactions: [] }),
    expect.objectContaining({ id: 'm2', kind: 'message', replyTo: null, targetId: null }),
  ]);
  const op = { conversationId: 'c1', senderId: 'u1', senderName: 'old', typedAt: 1 };
  await store.appendMessage({ ...op, id: 'e1', kind: 'delete', targetId: 'm1', text: '' });
  await store.appendMessage({ ...op, id: 'e2', kind: 'edit', targetId: 'm2', text: 'falcon two' });
  expect(await searchIds(store, 'kestrel')).toEqual([]);
  expect(await searchIds(store, 'falcon')).toEqual(['m2']);
  expect(await store.lastMessage('c1')).toMatchObject({ id: 'm2', text: 'falcon two' });
}
