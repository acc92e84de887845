import type { IDBPTransaction } from 'idb';
import type { Message } from '../contract/index';
import { newerMessage } from './conversations';
import { reportMessageWrite } from './messageWrites';
import type { FerryDb, FerryDbSchema } from './schema';

type MessageTx = IDBPTransaction<
  FerryDbSchema,
  Array<'messages' | 'conversations' | 'members' | 'outbox'>,
  'readwrite'
>;

/** Key range of one conversation's messages in the 'by-conv-seq' index. */
export function conversationRange(
  conversationId: string,
  fromSeq = -Infinity,
  toSeq = Infinity,
): IDBKeyRange {
  return IDBKeyRange.bound([conversationId, fromSeq], [conversationId, toSeq]);
}

export interface PutMessagesResult {
  /** Each touched conversation's catch-up cursor afterwards (0 when it is not cached). */
  syncedSeq: Map<string, number>;
  /** The messages that were not stored before. */
  added: Message[];
}

/**
 * Stores acknowledged messages in one transaction and keeps everything that depends on them
 * consistent: each conversation's lastSeq, preview, activity time and catch-up cursor (syncedSeq
 * advances only over messages stored with no gap), the sender's own receipts when `meId` sent them,
 * and the outbox (an entry whose message is stored is done, whoever stored it). Idempotent: storing
 * a message twice changes nothing.
 */
export async function putMessages(
  db: FerryDb,
  messages: readonly Message[],
  { meId }: { meId?: string } = {},
): Promise<PutMessagesResult> {
  const result: PutMessagesResult = { syncedSeq: new Map(), added: [] };
  if (messages.length === 0) return result;
  const tx: MessageTx = db.transaction(['messages', 'conversations', 'members', 'outbox'], 'readwrite');
  const byConversation = new Map<string, Message[]>();
  for (const m of messages) {
    const list = byConversation.get(m.conversationId) ?? [];
    list.push(m);
    byConversation.set(m.conversationId, list);
  }
  for (const [conversationId, list] of byConversation) {
    result.syncedSeq.set(
      conversationId,
      await storeConversationMessages(tx, conversationId, list, meId, result.added),
    );
  }
  await tx.done;
  reportMessageWrite({ kind: 'stored', messages: result.added });
  return result;
}

async function storeConversationMessages(
  tx: MessageTx,
  conversationId: string,
  list: Message[],
  meId: string | undefined,
  added: Message[],
): Promise<number> {
  const store = tx.objectStore('messages');
  const bySeq = store.index('by-conv-seq');
  const outbox = tx.objectStore('outbox');
  let newest: Message | null = null;
  let ownSeq = 0;
  for (const m of list) {
    // Defensive: a different id at the same seq (a reset server) must not abort the transaction.
    const atSeq = await bySeq.getKey([conversationId, m.seq]);
    if (atSeq !== undefined && atSeq !== m.id) await store.delete(atSeq);
    if (atSeq !== m.id) added.push(m);
    await store.put(m);
    await outbox.delete(m.id);
    newest = newerMessage(newest, m);
    if (meId && m.senderId === meId) ownSeq = Math.max(ownSeq, m.seq);
  }

  const conversations = tx.objectStore('conversations');
  const conversation = await conversations.get(conversationId);
  if (!conversation) return 0;
  const seqs = new Set(list.map((m) => m.seq));
  let syncedSeq = conversation.syncedSeq;
  while (seqs.has(syncedSeq + 1) || (await bySeq.getKey([conversationId, syncedSeq + 1])) !== undefined)
    syncedSeq++;
  const lastMessage = newerMessage(conversation.lastMessage, newest);
  await conversations.put({
    ...conversation,
    syncedSeq,
    lastSeq: Math.max(conversation.lastSeq, newest?.seq ?? 0),
    lastMessage,
    activityAt: Math.max(conversation.activityAt, lastMessage?.createdAt ?? 0),
    // The server advances a sender's own receipts with each message sent.
    readSeq: Math.max(conversation.readSeq, ownSeq),
    deliveredSeq: Math.max(conversation.deliveredSeq, ownSeq),
  });
  if (meId && ownSeq > 0) {
    const members = tx.objectStore('members');
    const me = await members.get([conversationId, meId]);
    if (me)
      await members.put({
        ...me,
        readSeq: Math.max(me.readSeq, ownSeq),
        deliveredSeq: Math.max(me.deliveredSeq, ownSeq),
      });
  }
  return syncedSeq;
}

/**
 * Moves the catch-up cursor forward to `seq` (never back). Used after storing a conversation's
 * newest page on a device that had none of it: older messages load on demand.
 */
export async function advanceSyncedSeq(db: FerryDb, conversationId: string, seq: number): Promise<void> {
  const tx = db.transaction('conversations', 'readwrite');
  const conversation = await tx.store.get(conversationId);
  if (conversation && seq > conversation.syncedSeq) await tx.store.put({ ...conversation, syncedSeq: seq });
  await tx.done;
}

/** The newest `limit` stored messages of a conversation, ascending by seq. */
export async function newestMessages(db: FerryDb, conversationId: string, limit: number): Promise<Message[]> {
  const out: Message[] = [];
  const tx = db.transaction('messages');
  let cursor = await tx.store.index('by-conv-seq').openCursor(conversationRange(conversationId), 'prev');
  while (cursor && out.length < limit) {
    out.push(cursor.value);
    cursor = await cursor.continue();
  }
  await tx.done;
  return out.reverse();
}

/** The lowest seq stored for a conversation, or null when none is. */
export async function oldestStoredSeq(db: FerryDb, conversationId: string): Promise<number | null> {
  const tx = db.transaction('messages');
  const cursor = await tx.store.index('by-conv-seq').openKeyCursor(conversationRange(conversationId));
  const key = cursor?.key ?? null;
  await tx.done;
  return key ? key[1] : null;
}
