import type { IDBPIndex, IDBPTransaction, StoreNames } from 'idb';
import { fullMessage, type Message } from '../contract/index';
import { newerMessage } from './conversations';
import { reportMessageWrite } from './messageWrites';
import { isMessageEntry, rebaseMessage, unreadCountAfterAdding, unreadCountIn } from './entries';
import type { FerryDb, FerryDbSchema, LocalConversation } from './schema';
import { meIdIn } from './meta';

type MessageTx = IDBPTransaction<
  FerryDbSchema,
  Array<'messages' | 'conversations' | 'members' | 'outbox' | 'meta' | 'attachments'>,
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
  /** The entries (of every kind) that were not stored before. */
  added: Message[];
  /**
   * With `fromOutbox`: acknowledged messages that were new here but no longer in the outbox, i.e.
   * withdrawn (deleted by the person) while their send was already under way. They reached the
   * server: the caller deletes them with an operation.
   */
  withdrawn: Message[];
}

/** What one putMessages changed for the search index (messages only, as stored afterwards). */
interface SearchChanges {
  stored: Message[];
  updated: Message[];
  removed: string[];
}

/**
 * Stores acknowledged log entries in one transaction and keeps everything that depends on them
 * consistent: operations are applied to the messages they point at (localdb/entries.ts), each
 * conversation's lastSeq (any kind), preview and activity time (messages only), unread count and
 * catch-up cursor (syncedSeq advances only over entries stored with no gap, of every kind), the
 * sender's own receipts when `meId` sent them, and the outbox (an entry that is stored is done,
 * whoever stored it). Idempotent: storing an entry twice changes nothing.
 */
export async function putMessages(
  db: FerryDb,
  messages: readonly Message[],
  { meId, fromOutbox = false }: { meId?: string; fromOutbox?: boolean } = {},
): Promise<PutMessagesResult> {
  const result: PutMessagesResult = { syncedSeq: new Map(), added: [], withdrawn: [] };
  if (messages.length === 0) return result;
  const tx: MessageTx = db.transaction(
    ['messages', 'conversations', 'members', 'outbox', 'meta', 'attachments'],
    'readwrite',
  );
  const me = meId ?? (await meIdIn(tx.objectStore('meta')));
  const byConversation = new Map<string, Message[]>();
  for (const m of messages) {
    const list = byConversation.get(m.conversationId) ?? [];
    list.push(fullMessage(m));
    byConversation.set(m.conversationId, list);
  }
  const search: SearchChanges = { stored: [], updated: [], removed: [] };
  // Conversations side by side: each one's requests still run in its own order (they touch only
  // its rows), and a batch of catch-up pages costs the requests of its longest page, not of all
  // its pages one after another.
  await Promise.all(
    [...byConversation].map(async ([conversationId, list]) => {
      list.sort((a, b) => a.seq - b.seq);
      result.syncedSeq.set(
        conversationId,
        await storeConversationMessages(tx, conversationId, list, me, result, search, fromOutbox),
      );
    }),
  );
  await tx.done;
  reportMessageWrite({ kind: 'stored', messages: search.stored });
  reportMessageWrite({ kind: 'updated', messages: search.updated });
  reportMessageWrite({ kind: 'removed', ids: search.removed });
  return result;
}

/** Records how a message's searchable text changed between `before` (undefined: new) and `after`. */
function noteSearchChange(search: SearchChanges, before: Message | undefined, after: Message): void {
  if (after.deleted) {
    if (before && !before.deleted) search.removed.push(after.id);
  } else if (!before) search.stored.push(after);
  else if (before.text !== after.text || before.deleted) search.updated.push(after);
}

async function storeConversationMessages(
  tx: MessageTx,
  conversationId: string,
  list: Message[],
  meId: string | undefined,
  result: PutMessagesResult,
  search: SearchChanges,
  fromOutbox: boolean,
): Promise<number> {
  const store = tx.objectStore('messages');
  const bySeq = store.index('by-conv-seq');
  const outbox = tx.objectStore('outbox');
  const conversations = tx.objectStore('conversations');
  // Read in this transaction: a conversation left (removeConversation) before it began keeps
  // none of its entries, however late a catch-up page or a live message for it comes; one left
  // after it deletes what this stored. Joining again catches up from the start.
  const conversation = await conversations.get(conversationId);
  if (!conversation) {
    await dropEntriesOfGoneConversation(tx, list, meId);
    return 0;
  }
  let newest: Message | null = null;
  let newestSeq = 0;
  let ownSeq = 0;
  /** Messages whose stored state changed here, as stored now (for the preview). */
  const touched = new Map<string, Message>();
  const fresh = await onlyFreshMessages(tx, conversationId, list, meId);
  for (const m of fresh ? [] : list) {
    // Defensive: a different id at the same seq (a reset server) must not abort the transaction.
    const atSeq = await bySeq.getKey([conversationId, m.seq]);
    if (atSeq !== undefined && atSeq !== m.id) await store.delete(atSeq);
    const isNew = atSeq !== m.id;
    if (isNew) result.added.push(m);
    if (fromOutbox && isNew && isMessageEntry(m) && (await outbox.getKey(m.id)) === undefined)
      result.withdrawn.push(m);
    // Only this user's entries wait in the outbox: someone else's costs no request (a catch-up
    // stores thousands of them).
    if (!meId || m.senderId === meId) await outbox.delete(m.id);
    // A sent file's bytes leave the device with its outbox entry (the server serves them now).
    if (m.attachment) await tx.objectStore('attachments').delete(m.attachment.id);
    newestSeq = Math.max(newestSeq, m.seq);
    if (meId && m.senderId === meId) ownSeq = Math.max(ownSeq, m.seq);
    if (isMessageEntry(m)) {
      const before = isNew ? undefined : await store.get(m.id);
      // The server's copy, with whatever stored entries point at it applied on top.
      const state = await rebaseMessage(store, m, before ?? null);
      noteSearchChange(search, before, state);
      touched.set(state.id, state);
      newest = newerMessage(newest, state);
      continue;
    }
    await store.put(m);
    if (!isNew || !m.targetId) continue;
    // A message not stored here is skipped: when it is loaded, it comes with its server state.
    const target = await store.get(m.targetId);
    if (!target || target.conversationId !== conversationId) continue;
    const state = await rebaseMessage(store, target, target);
    noteSearchChange(search, target, state);
    touched.set(state.id, state);
  }

  if (fresh) {
    // Nothing stored at these seqs or pointing at these messages: each is stored as it came, the
    // writes queued together instead of one round trip each (a catch-up, or a replay's acks,
    // stores thousands). Requests run in the order made: an ack's outbox key is read before
    // its entry is deleted, so a withdrawn one is still told apart.
    const writes: Array<Promise<unknown>> = [];
    for (const m of list) {
      writes.push(store.put(m));
      if (m.senderId === meId) {
        if (fromOutbox)
          writes.push(
            outbox.getKey(m.id).then((key) => {
              if (key === undefined) result.withdrawn.push(m);
            }),
          );
        writes.push(outbox.delete(m.id));
        if (m.attachment) writes.push(tx.objectStore('attachments').delete(m.attachment.id));
        ownSeq = Math.max(ownSeq, m.seq);
      }
      result.added.push(m);
      noteSearchChange(search, undefined, m);
      touched.set(m.id, m);
      newest = newerMessage(newest, m);
      newestSeq = Math.max(newestSeq, m.seq);
    }
    await Promise.all(writes);
  }

  const seqs = new Set(list.map((m) => m.seq));
  let syncedSeq = conversation.syncedSeq;
  while (seqs.has(syncedSeq + 1) || (await bySeq.getKey([conversationId, syncedSeq + 1])) !== undefined)
    syncedSeq++;
  let lastMessage = newerMessage(conversation.lastMessage, newest);
  // An edit or deletion of the newest message changes the preview too.
  if (lastMessage) lastMessage = touched.get(lastMessage.id) ?? lastMessage;
  const updated: LocalConversation = {
    ...conversation,
    syncedSeq,
    lastSeq: Math.max(conversation.lastSeq, newestSeq),
    lastMessage,
    activityAt: Math.max(conversation.activityAt, lastMessage?.createdAt ?? 0),
    // The server advances a sender's own receipts with each entry sent.
    readSeq: Math.max(conversation.readSeq, ownSeq),
    deliveredSeq: Math.max(conversation.deliveredSeq, ownSeq),
  };
  updated.unreadCount = fresh
    ? await unreadCountAfterAdding(store, conversation, updated, list, meId)
    : await unreadCountIn(store, updated, meId);
  await conversations.put(updated);
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
 * Entries of a conversation this device is no longer in are not stored; the user's own still end
 * their outbox entries (and any file kept for them): the server has them, nothing is left to send.
 */
async function dropEntriesOfGoneConversation(
  tx: MessageTx,
  list: readonly Message[],
  meId: string | undefined,
): Promise<void> {
  const own = list.filter((m) => meId !== undefined && m.senderId === meId);
  await Promise.all(
    own.flatMap((m) => [
      tx.objectStore('outbox').delete(m.id),
      ...(m.attachment ? [tx.objectStore('attachments').delete(m.attachment.id)] : []),
    ]),
  );
}

/** Stored entries above a batch examined for operations on it; more sends the batch the slow way. */
const FRESH_CHECK_MAX = 500;

/**
 * True when `list` (one conversation's entries, ascending seq) holds only messages that can be
 * stored as they are: nothing is stored at their seqs (no duplicate, no reset server) and no
 * stored entry (an edit, deletion or reaction, always at a higher seq) points at one of them.
 * The sign-in user must be known (their own messages leave the outbox).
 */
async function onlyFreshMessages(
  tx: MessageTx,
  conversationId: string,
  list: readonly Message[],
  meId: string | undefined,
): Promise<boolean> {
  if (!meId || list.length === 0 || !list.every(isMessageEntry)) return false;
  // The same entry twice (a repeated live delivery) is stored once, the careful way.
  if (list.some((m, i) => i > 0 && m.seq <= list[i - 1]!.seq)) return false;
  const bySeq = tx.objectStore('messages').index('by-conv-seq');
  const first = list[0]!.seq;
  const last = list[list.length - 1]!.seq;
  if ((await bySeq.count(IDBKeyRange.bound([conversationId, first], [conversationId, last]))) > 0)
    return false;
  const above = IDBKeyRange.bound([conversationId, last], [conversationId, Infinity], true);
  if ((await bySeq.count(above)) > FRESH_CHECK_MAX) return false;
  const ids = new Set(list.map((m) => m.id));
  return (await bySeq.getAll(above)).every((e) => !e.targetId || !ids.has(e.targetId));
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

/**
 * The newest `limit` stored messages (kind 'message') of a conversation below `belowSeq`,
 * ascending by seq.
 *
 * One getAllRecords, newest first, where the browser has it (IndexedDB 3.0: Chromium 141+):
 * a page is one request. Elsewhere, getAll over a key range found by a key cursor (advance skips
 * `limit` keys in one step): three requests. Never a cursor walked message by message: each step
 * waits its turn behind everything else the database is doing, and the open conversation's first
 * paint waits on this read.
 */
export function newestMessages(
  db: FerryDb,
  conversationId: string,
  limit: number,
  belowSeq = Infinity,
): Promise<Message[]> {
  return newestMessagesIn(
    db.transaction('messages').store.index('by-conv-seq'),
    conversationId,
    limit,
    belowSeq,
  );
}

/**
 * The same page read through `index` (the messages' by-conv-seq index of a transaction the caller
 * made), so it can be read beside other stores at one moment.
 */
export async function newestMessagesIn(
  index: MessagesIndex,
  conversationId: string,
  limit: number,
  belowSeq = Infinity,
): Promise<Message[]> {
  const newestFirst = recordsReader(index);
  let upper: [string, number] = [conversationId, belowSeq];
  let out: Message[] = [];
  while (out.length < limit) {
    const wanted = limit - out.length;
    const range = IDBKeyRange.bound([conversationId, -Infinity], upper, false, true);
    const page = newestFirst ? await newestFirst(range, wanted) : await keyRangePage(index, range, wanted);
    out = [...page.entries.filter(isMessageEntry).map(fullMessage), ...out];
    // Operations took some of the places: read on below what was read.
    if (!page.lowest) break;
    upper = page.lowest;
  }
  return out.slice(-limit);
}

/** The messages' by-conv-seq index, in a read transaction over the messages and maybe more stores. */
export type MessagesIndex = IDBPIndex<
  FerryDbSchema,
  ArrayLike<StoreNames<FerryDbSchema>>,
  'messages',
  'by-conv-seq',
  'readonly'
>;
type Entry = FerryDbSchema['messages']['value'];

/** Up to `count` entries of `range`, ascending, and the lowest key read when more may lie below. */
interface NewestPage {
  entries: Entry[];
  lowest: [string, number] | null;
}

/** The index's getAllRecords, when the browser has it, as a newest-first page reader. */
function recordsReader(index: MessagesIndex) {
  const raw = index as unknown as {
    getAllRecords?: (options: {
      query: IDBKeyRange;
      count: number;
      direction: IDBCursorDirection;
    }) => Promise<{ key: [string, number]; value: Entry }[]>;
  };
  if (typeof raw.getAllRecords !== 'function') return null;
  return async (range: IDBKeyRange, count: number): Promise<NewestPage> => {
    const records = await raw.getAllRecords!({ query: range, count, direction: 'prev' });
    const full = records.length === count;
    return {
      entries: records.map((r) => r.value).reverse(),
      lowest: full ? records[records.length - 1]!.key : null,
    };
  };
}

/** The same page without getAllRecords: a key cursor finds its lowest key, getAll reads it. */
async function keyRangePage(index: MessagesIndex, range: IDBKeyRange, count: number): Promise<NewestPage> {
  let cursor = await index.openKeyCursor(range, 'prev');
  if (!cursor) return { entries: [], lowest: null };
  if (count > 1) cursor = await cursor.advance(count - 1);
  // Fewer entries than wanted in the range: read them all.
  const lowest = cursor ? (cursor.key as [string, number]) : null;
  const entries = await index.getAll(
    IDBKeyRange.bound(lowest ?? range.lower, range.upper, false, range.upperOpen),
  );
  return { entries, lowest };
}

/** A conversation's stored messages (kind 'message') from `fromSeq` up, ascending seq (one read). */
export async function messagesFrom(db: FerryDb, conversationId: string, fromSeq: number): Promise<Message[]> {
  return messagesFromIn(db.transaction('messages').store.index('by-conv-seq'), conversationId, fromSeq);
}

/** The same read through `index` (see newestMessagesIn), beside other stores at one moment. */
export async function messagesFromIn(
  index: MessagesIndex,
  conversationId: string,
  fromSeq: number,
): Promise<Message[]> {
  const entries = await index.getAll(conversationRange(conversationId, fromSeq));
  return entries.filter(isMessageEntry).map(fullMessage);
}

/** The lowest seq stored for a conversation, or null when none is. */
export async function oldestStoredSeq(db: FerryDb, conversationId: string): Promise<number | null> {
  const tx = db.transaction('messages');
  const cursor = await tx.store.index('by-conv-seq').openKeyCursor(conversationRange(conversationId));
  const key = cursor?.key ?? null;
  await tx.done;
  return key ? key[1] : null;
}

/** One stored entry by id (with every field of the current shape), or undefined. */
export async function getMessage(db: FerryDb, id: string): Promise<Message | undefined> {
  const stored = await db.get('messages', id);
  return stored && fullMessage(stored);
}
