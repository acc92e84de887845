import type { ConversationSummary, Message } from '../contract/index';
import type { IDBPTransaction } from 'idb';
import { sameValue } from '../client-kit/index';
import { unreadCountIn } from './entries';
import { mergeMembers } from './members';
import { reportMessageWrite } from './messageWrites';
import type { FerryDb, FerryDbSchema, LocalConversation, LocalMember } from './schema';
import { meIdIn } from './meta';

/** Every conversation cached on this device, newest activity first. */
export async function listConversations(db: FerryDb): Promise<LocalConversation[]> {
  const oldestFirst = await db.getAllFromIndex('conversations', 'by-activity');
  return oldestFirst.reverse();
}

/** One cached conversation, or undefined. */
export function getConversation(db: FerryDb, id: string): Promise<LocalConversation | undefined> {
  return db.get('conversations', id);
}

/** The newer of two messages (by seq), either of which may be missing. */
export function newerMessage(a: Message | null, b: Message | null): Message | null {
  if (!a) return b;
  if (!b) return a;
  return b.seq > a.seq ? b : a;
}

/** Merges what the server says with what this device knows (cursors and receipts never go back). */
function merge(summary: ConversationSummary, local: LocalConversation | undefined): LocalConversation {
  const { members: _members, ...rest } = summary;
  const lastMessage = newerMessage(local?.lastMessage ?? null, summary.lastMessage);
  return {
    ...rest,
    lastSeq: Math.max(summary.lastSeq, local?.lastSeq ?? 0),
    lastMessage,
    syncedSeq: local?.syncedSeq ?? 0,
    // A read made while offline is ahead of the server until its receipt is sent.
    readSeq: Math.max(summary.readSeq, local?.readSeq ?? 0),
    deliveredSeq: Math.max(summary.deliveredSeq, local?.deliveredSeq ?? 0),
    activityAt: Math.max(lastMessage?.createdAt ?? summary.createdAt, local?.activityAt ?? 0),
    // Recounted against the device's messages before it is stored (unreadCountIn).
    serverUnread: { count: summary.unreadCount, readSeq: summary.readSeq, lastSeq: summary.lastSeq },
  };
}

export interface SaveConversationsReport {
  /** Conversations whose local readSeq is ahead of the server's: send these read receipts. */
  pendingReads: Array<{ conversationId: string; readSeq: number }>;
  /** Conversations removed because the server no longer lists them (left on another device). */
  removed: string[];
  /** Conversations whose stored row or members changed (stored again); the others were left as they were. */
  written: string[];
}

type SaveStores = Array<'conversations' | 'members' | 'messages' | 'meta'>;
type SaveTx<Mode extends 'readonly' | 'readwrite'> = IDBPTransaction<FerryDbSchema, SaveStores, Mode>;

/** What one summary makes of a stored conversation and its members. */
interface Merged {
  conversation: LocalConversation;
  members: LocalMember[];
  /** Stored members the server no longer lists. */
  goneMembers: string[];
  /** Whether any of it differs from what is stored. */
  changed: boolean;
}

/** Merges `summary` with what the transaction holds, and says whether that differs from it. */
async function mergeIn<Mode extends 'readonly' | 'readwrite'>(
  tx: SaveTx<Mode>,
  summary: ConversationSummary,
  meId: string | undefined,
): Promise<Merged> {
  const local = await tx.objectStore('conversations').get(summary.id);
  const messages = tx.objectStore('messages');
  const conversation = merge(summary, local);
  // The preview shows the newest message as this device holds it (edits and deletion applied).
  if (conversation.lastMessage)
    conversation.lastMessage = (await messages.get(conversation.lastMessage.id)) ?? conversation.lastMessage;
  conversation.unreadCount = await unreadCountIn(messages, conversation, meId);
  const cached = await tx.objectStore('members').index('by-conv').getAll(summary.id);
  const members = mergeMembers(summary.id, summary.members, cached);
  const listed = new Set(members.map((m) => m.userId));
  const goneMembers = cached.filter((m) => !listed.has(m.userId)).map((m) => m.userId);
  const before = new Map(cached.map((m) => [m.userId, m]));
  const changed =
    !local ||
    !sameValue(local, conversation) ||
    goneMembers.length > 0 ||
    members.some((m) => !sameValue(before.get(m.userId), m));
  return { conversation, members, goneMembers, changed };
}

/**
 * Stores conversations and their members from the server. With `complete`, the list is the
 * user's whole set: conversations missing from it are removed with their messages and members.
 *
 * A pass that only reads comes first, and only what differs is written: a readwrite transaction
 * over `messages` would hold back every page's read of messages until it ends, and the list
 * (hundreds of conversations at each start of the hub) normally changes nothing at all.
 */
export async function saveConversations(
  db: FerryDb,
  summaries: ConversationSummary[],
  { complete = false }: { complete?: boolean } = {},
): Promise<SaveConversationsReport> {
  const stores: SaveStores = ['conversations', 'members', 'messages', 'meta'];
  const report: SaveConversationsReport = { pendingReads: [], removed: [], written: [] };
  const pendingRead = (c: LocalConversation, summary: ConversationSummary) => {
    if (c.readSeq > summary.readSeq)
      report.pendingReads.push({ conversationId: summary.id, readSeq: c.readSeq });
  };

  // Every summary's reads are asked for at once (each summary's in its own order): the
  // database answers them back to back instead of one round trip per read, hundreds of times.
  const look = db.transaction(stores, 'readonly');
  const lookMeId = await meIdIn(look.objectStore('meta'));
  const toWrite: ConversationSummary[] = [];
  const looked = await Promise.all(summaries.map((summary) => mergeIn(look, summary, lookMeId)));
  looked.forEach((merged, i) => {
    const summary = summaries[i]!;
    if (merged.changed) toWrite.push(summary);
    else pendingRead(merged.conversation, summary);
  });
  const listed = new Set(summaries.map((s) => s.id));
  const unlisted = complete
    ? (await look.objectStore('conversations').getAllKeys()).filter((id) => !listed.has(id))
    : [];
  await look.done;
  if (toWrite.length === 0 && unlisted.length === 0) return report;

  // Merged again inside the write: another context may have stored something since the look.
  const tx = db.transaction(stores, 'readwrite');
  const meId = await meIdIn(tx.objectStore('meta'));
  const conversations = tx.objectStore('conversations');
  const members = tx.objectStore('members');
  // Side by side as in the look; each summary touches only its own conversation's rows.
  const wrote = await Promise.all(
    toWrite.map(async (summary) => {
      const merged = await mergeIn(tx, summary, meId);
      pendingRead(merged.conversation, summary);
      if (!merged.changed) return false;
      await Promise.all([
        conversations.put(merged.conversation),
        ...merged.members.map((member) => members.put(member)),
        ...merged.goneMembers.map((userId) => members.delete([summary.id, userId])),
      ]);
      return true;
    }),
  );
  toWrite.forEach((summary, i) => {
    if (wrote[i]) report.written.push(summary.id);
  });
  const removedMessages: string[] = [];
  for (const id of unlisted) {
    // Listed by nobody since the look, or stored meanwhile by a newer list: still unlisted here.
    if (!(await conversations.getKey(id))) continue;
    removedMessages.push(...(await deleteConversationIn(tx, id)));
    report.removed.push(id);
  }
  await tx.done;
  reportMessageWrite({ kind: 'removed', ids: removedMessages });
  return report;
}

/** Removes a conversation with its members and messages (the user left it). */
export async function removeConversation(db: FerryDb, id: string): Promise<void> {
  const tx = db.transaction(['conversations', 'members', 'messages', 'meta'], 'readwrite');
  const ids = await deleteConversationIn(tx, id);
  await tx.done;
  reportMessageWrite({ kind: 'removed', ids });
}

type ConversationTx = IDBPTransaction<
  FerryDbSchema,
  Array<'conversations' | 'members' | 'messages' | 'meta'>,
  'readwrite'
>;

/** Deletes a conversation, its members and its messages inside an open transaction; returns the messages' ids. */
async function deleteConversationIn(tx: ConversationTx, id: string): Promise<string[]> {
  await tx.objectStore('conversations').delete(id);
  const members = tx.objectStore('members');
  for (const key of await members.index('by-conv').getAllKeys(id)) await members.delete(key);
  const messages = tx.objectStore('messages');
  const range = IDBKeyRange.bound([id, -Infinity], [id, Infinity]);
  const ids = await messages.index('by-conv-seq').getAllKeys(range);
  for (const key of ids) await messages.delete(key);
  return ids;
}

/**
 * Records locally that the user has seen a conversation up to `seq` (clamped to its last seq), so
 * every tab clears the unread count at once. Returns the new readSeq, or null if nothing changed.
 */
export async function markReadLocally(
  db: FerryDb,
  conversationId: string,
  seq: number,
): Promise<number | null> {
  const tx = db.transaction(['conversations', 'messages', 'meta'], 'readwrite');
  const conversations = tx.objectStore('conversations');
  const conversation = await conversations.get(conversationId);
  let result: number | null = null;
  if (conversation) {
    const readSeq = Math.min(seq, conversation.lastSeq);
    if (readSeq > conversation.readSeq) {
      const updated: LocalConversation = {
        ...conversation,
        readSeq,
        deliveredSeq: Math.max(conversation.deliveredSeq, readSeq),
      };
      const meId = await meIdIn(tx.objectStore('meta'));
      updated.unreadCount = await unreadCountIn(tx.objectStore('messages'), updated, meId);
      await conversations.put(updated);
      result = readSeq;
    }
  }
  await tx.done;
  return result;
}
