import type { Member, Receipt } from '../contract/index';
import { unreadCountIn } from './entries';
import type { IDBPTransaction } from 'idb';
import type { FerryDb, FerryDbSchema, LocalConversation, LocalMember } from './schema';

/** A conversation's cached members, by username. */
export async function listMembers(db: FerryDb, conversationId: string): Promise<LocalMember[]> {
  const members = await db.getAllFromIndex('members', 'by-conv', conversationId);
  // Usernames are lowercase ASCII (USERNAME_PATTERN): compared as they are, without a collator,
  // whose first use costs tens of milliseconds on the way to a conversation's first screen.
  return members.sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
}

/** The parts of the 'members' object store that replaceMembersIn needs (any transaction's). */
export interface MembersStoreLike {
  index(name: 'by-conv'): { getAll(query: string): Promise<LocalMember[]> };
  put(value: LocalMember): Promise<unknown>;
  delete(key: [string, string]): Promise<void>;
}

/** The rows a conversation's members are stored as, merged with the cached ones (receipts never go back). */
export function mergeMembers(
  conversationId: string,
  members: Member[],
  cached: LocalMember[],
): LocalMember[] {
  const old = new Map(cached.map((m) => [m.userId, m]));
  return members.map((member) => ({
    ...member,
    conversationId,
    deliveredSeq: Math.max(member.deliveredSeq, old.get(member.userId)?.deliveredSeq ?? 0),
    readSeq: Math.max(member.readSeq, old.get(member.userId)?.readSeq ?? 0),
  }));
}

/** Replaces a conversation's cached members inside an open transaction (receipts never go back). */
export async function replaceMembersIn(
  store: MembersStoreLike,
  conversationId: string,
  members: Member[],
): Promise<void> {
  const cached = await store.index('by-conv').getAll(conversationId);
  const merged = mergeMembers(conversationId, members, cached);
  const listed = new Set(merged.map((m) => m.userId));
  for (const member of merged) await store.put(member);
  for (const gone of cached) if (!listed.has(gone.userId)) await store.delete([conversationId, gone.userId]);
}

/** Replaces a conversation's cached member list with the server's. */
export async function saveMembers(db: FerryDb, conversationId: string, members: Member[]): Promise<void> {
  const tx = db.transaction('members', 'readwrite');
  await replaceMembersIn(tx.store, conversationId, members);
  await tx.done;
}

/** Adds or updates one member. */
export async function putMember(db: FerryDb, conversationId: string, member: Member): Promise<void> {
  await db.put('members', { ...member, conversationId });
}

/** Removes one member. */
export async function removeMember(db: FerryDb, conversationId: string, userId: string): Promise<void> {
  await db.delete('members', [conversationId, userId]);
}

/**
 * Applies a receipt (monotonic: never lowers). When it is the signed-in user's own, the
 * conversation's receipts (its unread count) follow too.
 */
export async function applyReceipt(db: FerryDb, receipt: Receipt, meId: string | undefined): Promise<void> {
  await applyReceipts(db, [receipt], meId);
}

/** Applies receipts in one transaction (each conversation's side by side, in the given order). */
export async function applyReceipts(
  db: FerryDb,
  receipts: readonly Receipt[],
  meId: string | undefined,
): Promise<void> {
  const tx = db.transaction(['members', 'conversations', 'messages'], 'readwrite');
  const byConversation = new Map<string, Receipt[]>();
  for (const receipt of receipts)
    byConversation.set(receipt.conversationId, [
      ...(byConversation.get(receipt.conversationId) ?? []),
      receipt,
    ]);
  await Promise.all(
    [...byConversation.values()].map(async (list) => {
      for (const receipt of list) await applyReceiptIn(tx, receipt, meId);
    }),
  );
  await tx.done;
}

type ReceiptTx = IDBPTransaction<FerryDbSchema, Array<'members' | 'conversations' | 'messages'>, 'readwrite'>;

async function applyReceiptIn(tx: ReceiptTx, receipt: Receipt, meId: string | undefined): Promise<void> {
  const members = tx.objectStore('members');
  const member = await members.get([receipt.conversationId, receipt.userId]);
  if (member)
    await members.put({
      ...member,
      deliveredSeq: Math.max(member.deliveredSeq, receipt.deliveredSeq),
      readSeq: Math.max(member.readSeq, receipt.readSeq),
    });
  if (receipt.userId === meId) {
    const conversations = tx.objectStore('conversations');
    const conversation = await conversations.get(receipt.conversationId);
    if (conversation) {
      const updated: LocalConversation = {
        ...conversation,
        deliveredSeq: Math.max(conversation.deliveredSeq, receipt.deliveredSeq),
        readSeq: Math.max(conversation.readSeq, receipt.readSeq),
      };
      if (updated.readSeq !== conversation.readSeq)
        updated.unreadCount = await unreadCountIn(tx.objectStore('messages'), updated, meId);
      await conversations.put(updated);
    }
  }
}

/** Sets a user's presence in every conversation they share; returns those conversations' ids. */
export async function setPresence(db: FerryDb, userId: string, online: boolean): Promise<string[]> {
  const changed: string[] = [];
  const tx = db.transaction('members', 'readwrite');
  let cursor = await tx.store.openCursor();
  while (cursor) {
    if (cursor.value.userId === userId && cursor.value.online !== online) {
      await cursor.update({ ...cursor.value, online });
      changed.push(cursor.value.conversationId);
    }
    cursor = await cursor.continue();
  }
  await tx.done;
  return changed;
}
