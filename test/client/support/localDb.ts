/** Ferry's IndexedDB (localdb) over fake-indexeddb, set up as the hub leaves it, for client tests. */
import 'fake-indexeddb/auto';
import type { ConversationSummary } from '../../../contract/index';
import { openFerryDb, saveConversations, setMe, type FerryDb } from '../../../localdb/index';

let opened = 0;

/**
 * A new database (its own name, so tests do not share one) signed in as `meId`, listing one empty
 * room `conversationId`. Close it after the test.
 */
export async function openDbWithRoom(meId: string, conversationId: string): Promise<FerryDb> {
  const db = await openFerryDb(`client-test-${++opened}`);
  await setMe(db, { id: meId, username: 'me' });
  await saveRooms(db, conversationId);
  return db;
}

/** Lists empty rooms by id, as the hub does for conversations the user is in. */
export async function saveRooms(db: FerryDb, ...conversationIds: string[]): Promise<void> {
  const summaries = conversationIds.map((id): ConversationSummary => ({
    id,
    kind: 'room',
    name: 'Room',
    inviteCode: 'x',
    lastSeq: 0,
    lastMessage: null,
    createdAt: 1,
    deliveredSeq: 0,
    readSeq: 0,
    unreadCount: 0,
    members: [],
    muted: false,
  }));
  await saveConversations(db, summaries);
}
