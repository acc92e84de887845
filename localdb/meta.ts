import type { User } from '../contract/index';
import { reportMessageWrite } from './messageWrites';
import type { FerryDb } from './schema';

/** The signed-in user remembered on this device, or null. */
export async function getMe(db: FerryDb): Promise<User | null> {
  return ((await db.get('meta', 'me')) as User | undefined) ?? null;
}

/** The signed-in user's id as read inside a transaction that includes 'meta'. */
export async function meIdIn(meta: { get(key: 'me'): Promise<unknown> }): Promise<string | undefined> {
  return ((await meta.get('me')) as User | undefined)?.id;
}

/** Remembers the signed-in user. */
export async function setMe(db: FerryDb, user: User): Promise<void> {
  await db.put('meta', { id: user.id, username: user.username }, 'me');
}

/** Forgets the signed-in user. */
export async function clearMe(db: FerryDb): Promise<void> {
  await db.delete('meta', 'me');
}

/**
 * Removes everything cached for an account (conversations, messages, members), e.g. on sign-out
 * or when another account signs in. The outbox stays: typed messages are never dropped, and
 * entries carry their senderId, so they are only ever sent with their own account's session.
 */
export async function clearAccountData(db: FerryDb): Promise<void> {
  const tx = db.transaction(['conversations', 'messages', 'members', 'search'], 'readwrite');
  await Promise.all([
    tx.objectStore('conversations').clear(),
    tx.objectStore('messages').clear(),
    tx.objectStore('members').clear(),
    // The search index holds words of those messages: it goes with them.
    tx.objectStore('search').clear(),
  ]);
  await tx.done;
  reportMessageWrite({ kind: 'cleared' });
}
