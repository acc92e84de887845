/**
 * Outbox store operations: how entries are kept in IndexedDB (the schema itself lives in
 * localdb/schema.ts). The queue logic in queue.ts decides what to do; this file only does it.
 */
import type { WireError } from '../contract/index';
import type { FerryDb, OutboxEntry } from '../localdb/index';

/**
 * The typing-order place of an entry typed at `typedAt` after the entry at `lastOrder`: typedAt in
 * microsecond-like units leaves room for a tie-breaker within one millisecond, and an order never
 * goes back (a clock set back still queues behind what was typed before).
 */
export function nextOrder(typedAt: number, lastOrder?: number): number {
  return Math.max(typedAt * 1000, lastOrder === undefined ? 0 : lastOrder + 1);
}

/** An entry as added, and whether it was then its conversation's only one in the outbox. */
export interface AddedEntry {
  entry: OutboxEntry;
  /**
   * No other entry of its conversation (of any state) was in the outbox when it was added: nothing
   * typed before it there is still unacknowledged, so sending it at once keeps the order.
   */
  alone: boolean;
}

/**
 * Adds an entry, giving it the next place in typing order. The order is read and written in one
 * transaction, so two tabs typing in the same millisecond still get distinct, increasing orders.
 * A file's bytes (`blob`, for entry.attachment) are written in that same transaction: a full
 * quota (QuotaExceededError) or a crash leaves neither the entry nor half a file behind.
 */
export async function addEntry(
  db: FerryDb,
  entry: Omit<OutboxEntry, 'order'>,
  blob?: Blob,
): Promise<AddedEntry> {
  const tx = db.transaction(['outbox', 'attachments'], 'readwrite');
  const outbox = tx.objectStore('outbox');
  try {
    // Both requests go out together: one transaction, no extra round trip for the count.
    const [last, before] = await Promise.all([
      outbox.index('by-order').openCursor(null, 'prev'),
      outbox
        .index('by-conv-order')
        .count(IDBKeyRange.bound([entry.conversationId, -Infinity], [entry.conversationId, Infinity])),
    ]);
    const order = nextOrder(entry.typedAt, last?.value.order);
    const stored: OutboxEntry = { ...entry, order };
    if (entry.attachment && blob)
      await tx.objectStore('attachments').add({
        id: entry.attachment.id,
        entryId: entry.id,
        conversationId: entry.conversationId,
        blob,
      });
    await outbox.add(stored);
    await tx.done;
    return { entry: stored, alone: before === 0 };
  } catch (err) {
    // The request's error may come before the transaction's (QuotaExceededError is often only
    // reported at commit): wait for the abort so the caller sees the real reason.
    await tx.done.catch((txError: unknown) => {
      throw txError ?? err;
    });
    throw err;
  }
}

/** The bytes of a queued file, or undefined once it was sent or withdrawn. */
export async function getAttachmentBlob(db: FerryDb, id: string): Promise<Blob | undefined> {
  return (await db.get('attachments', id))?.blob;
}

/** One entry, or undefined once it was sent or discarded. */
export function getEntry(db: FerryDb, id: string): Promise<OutboxEntry | undefined> {
  return db.get('outbox', id);
}

/** Several entries read in one transaction, in the order of `ids` (undefined where gone). */
export async function getEntries(
  db: FerryDb,
  ids: readonly string[],
): Promise<Array<OutboxEntry | undefined>> {
  const tx = db.transaction('outbox');
  const entries = await Promise.all(ids.map((id) => tx.store.get(id)));
  await tx.done;
  return entries;
}

/** A sender's entries (queued and failed) in typing order, optionally of one conversation. */
export async function listEntries(
  db: FerryDb,
  senderId: string,
  conversationId?: string,
): Promise<OutboxEntry[]> {
  const all =
    conversationId === undefined
      ? await db.getAllFromIndex('outbox', 'by-order')
      : await conversationEntriesIn(db.transaction('outbox').store, conversationId);
  return all.filter((e) => e.senderId === senderId);
}

/**
 * Every entry of a conversation, of every sender, in typing order, read through `outbox` (the
 * store in a transaction the caller made, so it can be read beside other stores at one moment).
 */
export function conversationEntriesIn(
  outbox: { index(name: 'by-conv-order'): { getAll(range: IDBKeyRange): Promise<OutboxEntry[]> } },
  conversationId: string,
): Promise<OutboxEntry[]> {
  return outbox
    .index('by-conv-order')
    .getAll(IDBKeyRange.bound([conversationId, -Infinity], [conversationId, Infinity]));
}

/** How many entries (queued and failed) a sender has, counted by an index: no entry is read. */
export function countEntries(db: FerryDb, senderId: string): Promise<number> {
  return db.countFromIndex('outbox', 'by-sender', senderId);
}

/** Applies `change` to an entry if it still exists; returns the updated entry. */
export async function updateEntry(
  db: FerryDb,
  id: string,
  change: (entry: OutboxEntry) => OutboxEntry,
): Promise<OutboxEntry | undefined> {
  const tx = db.transaction('outbox', 'readwrite');
  const entry = await tx.store.get(id);
  const updated = entry ? change(entry) : undefined;
  if (updated) await tx.store.put(updated);
  await tx.done;
  return updated;
}

/** Marks an entry failed for good (shown with Retry/Delete). */
export function markFailed(db: FerryDb, id: string, error: WireError): Promise<OutboxEntry | undefined> {
  return updateEntry(db, id, (e) => ({ ...e, state: 'failed', attempts: e.attempts + 1, error }));
}

/** Records a transient failure and when to try again. */
export function markRetryAt(
  db: FerryDb,
  id: string,
  error: WireError,
  nextAttemptAt: number,
): Promise<OutboxEntry | undefined> {
  return updateEntry(db, id, (e) => ({ ...e, attempts: e.attempts + 1, error, nextAttemptAt }));
}

/** Removes an entry (and the bytes of its file, if it carries one). */
export async function deleteEntry(db: FerryDb, id: string): Promise<void> {
  const tx = db.transaction(['outbox', 'attachments'], 'readwrite');
  const entry = await tx.objectStore('outbox').get(id);
  await tx.objectStore('outbox').delete(id);
  if (entry?.attachment) await tx.objectStore('attachments').delete(entry.attachment.id);
  await tx.done;
}

/**
 * In one transaction: if the message `messageId` is in the outbox, removes it and every entry
 * pointing at it (edits, reactions, deletions), and drops `replyTo` from replies to it (a reply
 * to a message that never existed is sent as a plain message). Returns whether it was there.
 */
export async function withdrawEntries(
  db: FerryDb,
  conversationId: string,
  messageId: string,
): Promise<boolean> {
  const tx = db.transaction(['outbox', 'attachments'], 'readwrite');
  const store = tx.objectStore('outbox');
  const message = await store.get(messageId);
  if (!message || message.conversationId !== conversationId) {
    await tx.done;
    return false;
  }
  await store.delete(messageId);
  // Its file goes with it: a withdrawn message leaves nothing queued behind.
  if (message.attachment) await tx.objectStore('attachments').delete(message.attachment.id);
  const range = IDBKeyRange.bound([conversationId, -Infinity], [conversationId, Infinity]);
  for (const entry of await store.index('by-conv-order').getAll(range)) {
    if (entry.targetId === messageId) await store.delete(entry.id);
    else if (entry.replyTo === messageId) {
      const { replyTo: _replyTo, ...plain } = entry;
      await store.put(plain);
    }
  }
  await tx.done;
  return true;
}

/** Marks every entry pointing at `messageId` failed with `error`; returns how many. */
export async function failDependents(
  db: FerryDb,
  conversationId: string,
  messageId: string,
  error: WireError,
): Promise<OutboxEntry[]> {
  const tx = db.transaction('outbox', 'readwrite');
  const range = IDBKeyRange.bound([conversationId, -Infinity], [conversationId, Infinity]);
  const failed: OutboxEntry[] = [];
  for (const entry of await tx.store.index('by-conv-order').getAll(range)) {
    if (entry.targetId !== messageId || entry.state === 'failed') continue;
    const updated: OutboxEntry = { ...entry, state: 'failed', error };
    await tx.store.put(updated);
    failed.push(updated);
  }
  await tx.done;
  return failed;
}
