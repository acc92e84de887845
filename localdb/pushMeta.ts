/**
 * What the Service Worker needs for push notifications when no tab is open: the UI language the
 * page last used, and the read receipts ("Mark as read" on a notification) that could not reach
 * the server yet. The latter is a small durable queue: one highest seq per conversation, sent
 * with the outbox replay (sw/pushReads.ts), so a receipt made offline arrives once it can.
 */
import { announceChange } from './changes';
import type { FerryDb } from './schema';

export type NotificationLang = 'en' | 'zh-CN';

/**
 * Remembers the page's UI language for the Service Worker. Every page says it as it starts: only a
 * different one is written (a readwrite transaction on `meta` holds back the starting page's reads
 * of who is signed in).
 */
export async function setNotificationLang(db: FerryDb, lang: NotificationLang): Promise<void> {
  if ((await db.get('meta', 'lang')) !== lang) await db.put('meta', lang, 'lang');
}

/** The language the page last used (English when it never said). */
export async function getNotificationLang(db: FerryDb): Promise<NotificationLang> {
  return (await db.get('meta', 'lang')) === 'zh-CN' ? 'zh-CN' : 'en';
}

/** Read receipts waiting to be sent: conversation id → read up to this seq. */
export async function pendingReads(db: FerryDb): Promise<Record<string, number>> {
  const value = await db.get('meta', 'pendingReads');
  return typeof value === 'object' && value !== null && !('id' in value)
    ? (value as Record<string, number>)
    : {};
}

/** Queues "read up to seq" for a conversation (keeps the highest). */
export async function queueRead(db: FerryDb, conversationId: string, readSeq: number): Promise<void> {
  const tx = db.transaction('meta', 'readwrite');
  const current = ((await tx.store.get('pendingReads')) as Record<string, number> | undefined) ?? {};
  if ((current[conversationId] ?? 0) < readSeq) current[conversationId] = readSeq;
  await tx.store.put(current, 'pendingReads');
  await tx.done;
}

/** Drops a queued receipt once the server has it (unless a higher one was queued meanwhile). */
export async function readSent(db: FerryDb, conversationId: string, readSeq: number): Promise<void> {
  const tx = db.transaction('meta', 'readwrite');
  const current = ((await tx.store.get('pendingReads')) as Record<string, number> | undefined) ?? {};
  if ((current[conversationId] ?? 0) <= readSeq) delete current[conversationId];
  await tx.store.put(current, 'pendingReads');
  await tx.done;
}

/** Records a conversation's mute locally (after the server took it), so every tab shows it. */
export async function setMutedLocally(db: FerryDb, conversationId: string, muted: boolean): Promise<void> {
  const tx = db.transaction('conversations', 'readwrite');
  const conversation = await tx.store.get(conversationId);
  if (conversation && conversation.muted !== muted) await tx.store.put({ ...conversation, muted });
  await tx.done;
  announceChange({ stores: ['conversations'], conversationIds: [conversationId] });
}
