/**
 * How log entries of every kind change the messages they point at, on this device. A conversation
 * is one log (messages, edits, deletions, reaction changes, each with its own seq); the messages
 * store keeps every entry, and each message row holds its current state.
 *
 * Why a rebase instead of "apply the new entry": entries reach a device out of seq order (a history
 * page brings old edits after live newer ones; a message read from the server already carries the
 * effect of entries stored here before it). So whenever a message or an entry pointing at it is
 * stored, every stored entry pointing at it is applied again, in seq order, on top of what the row
 * holds. Each effect is decided by the last entry of its kind: the newest edit sets the text, a
 * deletion is final, and each (emoji, user) pair follows its newest reaction change. Applying a
 * suffix of the log again therefore changes nothing, and once every later entry is stored the row
 * equals the server's, whatever order things arrived in.
 */
import type { IDBPObjectStore, StoreNames } from 'idb';
import type { Message, Reaction } from '../contract/index';
import type { FerryDbSchema, LocalConversation } from './schema';

type Stores = ArrayLike<StoreNames<FerryDbSchema>>;
export type MessagesStore<T extends Stores> = IDBPObjectStore<FerryDbSchema, T, 'messages', 'readwrite'>;
type ReadMessagesStore<T extends Stores> = IDBPObjectStore<
  FerryDbSchema,
  T,
  'messages',
  'readwrite' | 'readonly'
>;

/** True for an entry shown as a message (not an operation on one). */
export function isMessageEntry(entry: Pick<Message, 'kind'>): boolean {
  return (entry.kind ?? 'message') === 'message';
}

/** One entry's effect on the message it points at. */
export function applyEntry(target: Message, entry: Message): Message {
  switch (entry.kind) {
    case 'edit':
      // Deletion is final: a late edit does not bring the text back.
      if (target.deleted) return target;
      return { ...target, text: entry.text, editedAt: entry.createdAt };
    case 'delete':
      // As the server keeps it: the text goes, the reactions made before stay (none can follow).
      return { ...target, text: '', deleted: true };
    case 'reaction':
      if (target.deleted || !entry.emoji) return target;
      return {
        ...target,
        reactions: setReaction(target.reactions, entry.emoji, entry.senderId, !!entry.reactionOn),
      };
    default:
      return target;
  }
}

/** Reactions with `userId` added to (or taken from) `emoji`; an emoji nobody uses is dropped. */
function setReaction(reactions: readonly Reaction[], emoji: string, userId: string, on: boolean): Reaction[] {
  const out: Reaction[] = [];
  let found = false;
  for (const r of reactions) {
    if (r.emoji !== emoji) {
      out.push(r);
      continue;
    }
    found = true;
    const has = r.userIds.includes(userId);
    const userIds = on ? (has ? r.userIds : [...r.userIds, userId]) : r.userIds.filter((u) => u !== userId);
    if (userIds.length > 0) out.push({ emoji, userIds });
  }
  if (!found && on) out.push({ emoji, userIds: [userId] });
  return out;
}

/**
 * Applies every stored entry pointing at `message` (as it is about to be stored, or as stored) in
 * seq order and writes the result. A deleted message's edits lose their text too (the text is
 * removed from the device, not hidden). Returns the message as stored now.
 */
export async function rebaseMessage<T extends Stores>(
  store: MessagesStore<T>,
  message: Message,
  /** The row stored now, when the caller has read it (null: none); read here when undefined. */
  stored?: Message | null,
): Promise<Message> {
  const entries = (await store.index('by-target').getAll(message.id))
    .filter((e) => e.conversationId === message.conversationId)
    .sort((a, b) => a.seq - b.seq);
  let state = message;
  for (const entry of entries) state = applyEntry(state, entry);
  if (state.deleted)
    for (const entry of entries)
      if (entry.kind === 'edit' && entry.text !== '') await store.put({ ...entry, text: '' });
  const current = stored === undefined ? await store.get(message.id) : stored;
  if (!current || JSON.stringify(current) !== JSON.stringify(state)) await store.put(state);
  return state;
}

/** Key range of one conversation's entries in the 'by-conv-seq' index. */
function range(conversationId: string, fromSeq: number): IDBKeyRange {
  return IDBKeyRange.bound([conversationId, fromSeq], [conversationId, Infinity]);
}

/** Entries read per request when counting unread ones. */
const COUNT_PAGE = 500;

/** Others' messages (not deleted) stored with seq > afterSeq. */
async function countStoredUnread<T extends Stores>(
  store: ReadMessagesStore<T>,
  conversationId: string,
  afterSeq: number,
  meId: string | undefined,
): Promise<number> {
  // Read in pages rather than a cursor step per entry: one round trip per COUNT_PAGE entries.
  let count = 0;
  for (let from = afterSeq + 1; ;) {
    const page = await store.index('by-conv-seq').getAll(range(conversationId, from), COUNT_PAGE);
    for (const m of page) if (isMessageEntry(m) && !m.deleted && m.senderId !== meId) count++;
    if (page.length < COUNT_PAGE) return count;
    from = page[page.length - 1]!.seq + 1;
  }
}

/**
 * The unread count of a conversation: others' messages, not deleted, with seq > readSeq. Counted
 * from the device's messages when it holds everything after readSeq; otherwise the server's count
 * as last listed (it covers what this device never loaded) plus what arrived here after it.
 */
export async function unreadCountIn<T extends Stores>(
  store: ReadMessagesStore<T>,
  conversation: LocalConversation,
  meId: string | undefined,
): Promise<number> {
  const { id, readSeq, serverUnread } = conversation;
  const oldest = await store.index('by-conv-seq').openKeyCursor(range(id, -Infinity));
  const oldestSeq = oldest?.key[1];
  if (
    (oldestSeq !== undefined && oldestSeq <= readSeq + 1) ||
    !serverUnread ||
    readSeq >= serverUnread.lastSeq
  )
    return countStoredUnread(store, id, readSeq, meId);
  return serverUnread.count + (await countStoredUnread(store, id, serverUnread.lastSeq, meId));
}

/**
 * The unread count after `added` were stored, from the count stored before instead of counting
 * every unread entry again (a catch-up adds pages to conversations holding hundreds unread).
 *
 * Exact only when nothing but `added` changed the count's inputs: `added` are new messages stored
 * as they came, at seqs nothing was stored at, with nothing stored pointing at them (so nothing
 * else was rewritten); readSeq is unchanged; and the count's basis (unreadCountIn's branch, which
 * depends on the oldest stored seq) is the same before and after, which holds when an entry older
 * than every added one was stored before. The stored count before was unreadCountIn's, as every
 * writer of its inputs stores (a listing recounts it before each catch-up). Otherwise: counted.
 */
export async function unreadCountAfterAdding<T extends Stores>(
  store: ReadMessagesStore<T>,
  before: LocalConversation,
  after: LocalConversation,
  added: readonly Message[],
  meId: string | undefined,
): Promise<number> {
  const { id, readSeq, serverUnread } = after;
  const lowestAdded = Math.min(...added.map((m) => m.seq));
  if (
    before.unreadCount === undefined ||
    before.readSeq !== readSeq ||
    !sameServerUnread(before.serverUnread, serverUnread)
  )
    return unreadCountIn(store, after, meId);
  const oldest = await store.index('by-conv-seq').openKeyCursor(range(id, -Infinity));
  const oldestSeq = oldest?.key[1];
  if (oldestSeq === undefined || oldestSeq >= lowestAdded) return unreadCountIn(store, after, meId);
  const fromStored = oldestSeq <= readSeq + 1 || !serverUnread || readSeq >= serverUnread.lastSeq;
  const above = fromStored ? readSeq : serverUnread.lastSeq;
  let count = before.unreadCount;
  for (const m of added) if (m.seq > above && isMessageEntry(m) && !m.deleted && m.senderId !== meId) count++;
  return count;
}

function sameServerUnread(
  a: LocalConversation['serverUnread'],
  b: LocalConversation['serverUnread'],
): boolean {
  return a === b || (!!a && !!b && a.count === b.count && a.readSeq === b.readSeq && a.lastSeq === b.lastSeq);
}
