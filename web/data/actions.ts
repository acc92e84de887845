/** Everything the UI can do. Sending writes the outbox first; the rest goes through the hub or HTTP. */
import {
  HttpPath,
  MESSAGE_TEXT_MAX,
  mutePath,
  textLength,
  type Ack,
  type ConversationSummary,
  type User,
} from '../../contract/index';
import { getMe } from '../../localdb/meta';
import { setMutedLocally } from '../../localdb/pushMeta';
import type { OutboxEntry } from '../../localdb/schema';
import { discard as discardEntry, enqueue, OUTBOX_SYNC_TAG, retry as retryEntry } from '../../outbox/queue';
import { getDb } from './db';
import { postJson } from './http';
import { hubClient } from './hubClient';

type ConversationAck = Ack<{ conversation: ConversationSummary }>;

/** Asks the Service Worker to replay the outbox over HTTP when the browser is back online. */
function requestBackgroundSync(): void {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  void navigator.serviceWorker.ready
    .then((registration) => {
      const sync = (
        registration as ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } }
      ).sync;
      return sync?.register(OUTBOX_SYNC_TAG);
    })
    .catch(() => {
      // No Background Sync here: the Service Worker replays on start, on `online`, on app open.
    });
}

/** Tells this tab at once, and the hub (which tells the other tabs and drains). */
function outboxChanged(conversationId: string): void {
  const client = hubClient();
  client.emitLocal('changed', { stores: ['outbox'], conversationIds: [conversationId] });
  void client.request('outboxChanged', {});
}

async function signedIn(answer: Ack<{ user: User }>): Promise<Ack<{ user: User }>> {
  if (answer.ok) await hubClient().request('signedIn', { user: answer.user });
  return answer;
}

const lastTyping = new Map<string, boolean>();

export const actions = {
  signUp: async (username: string, password: string) =>
    signedIn(await postJson<{ user: User }>(HttpPath.signup, { username, password })),
  signIn: async (username: string, password: string) =>
    signedIn(await postJson<{ user: User }>(HttpPath.signin, { username, password })),
  /** Signs out on the server (when reachable) and forgets this account's cached data. */
  async signOut(): Promise<void> {
    await postJson(HttpPath.signout, {});
    await hubClient().request('signedOut', {});
  },
  /** Queues a message (IndexedDB first, before any network) and returns its outbox entry. */
  async send(conversationId: string, text: string): Promise<OutboxEntry> {
    if (text.trim().length === 0) throw new Error('A message cannot be empty.');
    // The server refuses it for good: keep it out of the outbox (the composer says why).
    if (textLength(text) > MESSAGE_TEXT_MAX) {
      throw new Error(`A message can have at most ${MESSAGE_TEXT_MAX} characters.`);
    }
    const client = hubClient();
    const db = await getDb();
    const me = client.status?.user ?? (await getMe(db));
    if (!me) throw new Error('Sign in to send messages.');
    const entry = await enqueue(db, { conversationId, text, senderId: me.id });
    outboxChanged(conversationId);
    if (client.status?.connection !== 'online') requestBackgroundSync();
    return entry;
  },
  async retry(id: string): Promise<void> {
    const db = await getDb();
    const entry = await db.get('outbox', id);
    await retryEntry(db, id);
    if (entry) outboxChanged(entry.conversationId);
    if (hubClient().status?.connection !== 'online') requestBackgroundSync();
  },
  async discard(id: string): Promise<void> {
    const db = await getDb();
    const entry = await db.get('outbox', id);
    await discardEntry(db, id);
    if (entry) outboxChanged(entry.conversationId);
  },
  createRoom: (name: string): Promise<ConversationAck> => hubClient().request('createRoom', { name }),
  joinRoom: (inviteCode: string): Promise<ConversationAck> => hubClient().request('joinRoom', { inviteCode }),
  startDirect: (username: string): Promise<ConversationAck> =>
    hubClient().request('startDirect', { username }),
  leave: (conversationId: string): Promise<Ack> => hubClient().request('leave', { conversationId }),
  /** Marks messages up to `seq` as seen (every tab clears the unread count at once). */
  /** Mutes or unmutes push notifications for a conversation (this user, every device). */
  async setMuted(conversationId: string, muted: boolean): Promise<Ack<{ muted: boolean }>> {
    const answer = await postJson<{ muted: boolean }>(mutePath(conversationId, muted), {});
    if (answer.ok) await setMutedLocally(await getDb(), conversationId, muted);
    return answer;
  },
  async markRead(conversationId: string, seq: number): Promise<void> {
    await hubClient().request('markRead', { conversationId, seq });
  },
  /** Tells others whether the user is typing (dropped when offline; repeated "stopped" is not sent). */
  setTyping(conversationId: string, typing: boolean): void {
    if (!typing && !lastTyping.get(conversationId)) return;
    lastTyping.set(conversationId, typing);
    void hubClient().request('typing', { conversationId, typing });
  },
};
