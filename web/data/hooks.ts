/**
 * Preact hooks over IndexedDB and the hub that the first screen renders from (those of an open
 * conversation are in conversationHooks.ts, which takes what primeConversation here primes).
 */
import { useEffect, useState } from 'preact/hooks';
import { PAGE_SIZE_DEFAULT, type Message, type User } from '../../contract/index';
import {
  getConversation,
  listConversations,
  listMembers,
  meIdIn,
  newestMessagesIn,
  getMe,
  type FerryDb,
  type LocalConversation,
  type MessagesIndex,
  type OutboxEntry,
} from '../../localdb/index';
import { conversationEntriesIn, countEntries } from '../../outbox/index';
import type { HubStatus } from '../../shared-worker/protocol';
import { hubClient } from './hubClient';
import { prime, primedValue, sharedRead, touches, useLiveQuery } from './live';

/** Until the hub first answers, nobody is known to be signed in or out. */
const STARTING: HubStatus = { connection: 'connecting', queued: 0, user: undefined };

/** Connection state, messages waiting and the hub's user. */
export function useHubStatus(): HubStatus {
  const client = hubClient();
  const [status, setStatus] = useState<HubStatus>(client.status ?? STARTING);
  useEffect(() => {
    let alive = true;
    if (client.status) setStatus(client.status);
    else {
      // Until the hub answers, count what waits from IndexedDB, so the number shown is true.
      void sharedRead('status', async (db) => {
        const me = await getMe(db);
        return { me, queued: me ? await countEntries(db, me.id) : 0 };
      })
        .then(({ me, queued }) => {
          // Nobody remembered here is not "signed out" yet: the hub may still find a session.
          if (alive && !client.status) setStatus({ connection: 'connecting', queued, user: me ?? undefined });
          // Something to send: the hub starts now, whatever the page is drawing (see HubClient).
          if (queued > 0) client.start();
        })
        .catch(() => {});
    }
    const off = client.on('status', setStatus);
    return () => {
      alive = false;
      off();
    };
  }, [client]);
  return status;
}

/**
 * The signed-in user; null when signed out; undefined while loading, and while the hub has not
 * yet learnt whether this device's session cookie signs someone in.
 */
export function useMe(): User | null | undefined {
  const client = hubClient();
  const [me, setMe] = useState<User | null | undefined>(() =>
    client.status ? client.status.user : (primedValue<User | null>(ME_KEY)?.value ?? undefined),
  );
  useEffect(() => {
    let alive = true;
    if (client.status) setMe(client.status.user);
    // IndexedDB answers before the hub does (it may still be starting, or being elected). When it
    // remembers nobody, wait for the hub: the session cookie may still sign someone in.
    else
      void sharedRead(ME_KEY, getMe)
        .then((stored) => {
          if (alive && !client.status && stored) setMe(stored);
          // Nobody remembered: only the hub can tell, and a page opened on a conversation (which
          // starts it late, see HubClient) has nothing to draw until it does.
          else if (!stored) client.start();
        })
        .catch(() => {});
    const off = client.on('status', (status) => setMe(status.user));
    return () => {
      alive = false;
      off();
    };
  }, [client]);
  return me;
}

/** Keys of the hooks' reads (a key names one read: hooks and the boot's priming share them). */
const ME_KEY = 'me';
export const conversationKey = (id: string) => `conversation:${id}`;
export const membersKey = (id: string) => `members:${id}`;
export const newestKey = (id: string) => `newest:${id}`;

/**
 * Starts, at the page's start, the reads that show conversation `id`: who is signed in, the
 * conversation, its members and its newest messages, side by side. The hooks take them as they
 * mount, so the newest messages are on screen one read after the page starts, not after a read
 * per component level (user, then conversation, then messages). The user is given once the others
 * are there: the render that first has a user then finds them all and shows the conversation
 * whole, instead of its header first and the messages a frame or two later (a hook that mounts
 * before its read is there takes it in an effect, after the next frame).
 */
export function primeConversation(id: string): void {
  const shown = Promise.allSettled([
    prime(conversationKey(id), (db) => getConversation(db, id)),
    prime(membersKey(id), (db) => listMembers(db, id)),
    prime(newestKey(id), (db) => readNewest(db, id)),
  ]);
  prime(ME_KEY, async (db) => {
    const me = await getMe(db);
    await shown;
    return me;
  });
}

/** Conversation `id`'s name as stored ('' when it is not, or IndexedDB fails). */
export const storedName = (id: string): Promise<string> =>
  sharedRead(conversationKey(id), (db) => getConversation(db, id)).then(
    (c) => c?.name ?? '',
    () => '',
  );

const NO_CONVERSATIONS: LocalConversation[] = [];

/**
 * Every cached conversation, newest activity first. `wanted` false: not read yet (none given), e.g.
 * while a big account's hundreds of rows would hold back the open conversation's first frame.
 */
export function useConversations(wanted = true): LocalConversation[] {
  return useConversationsRead(wanted) ?? NO_CONVERSATIONS;
}

/** The same list, but undefined until it has been read (so an empty list means none). */
export function useConversationsRead(wanted = true): LocalConversation[] | undefined {
  return useLiveQuery<LocalConversation[] | undefined>(
    wanted ? 'conversations' : 'conversations:not-yet',
    wanted ? listConversations : notYetRead,
    undefined,
    (c) => wanted && touches(c, ['conversations']),
  );
}

/** The read of a list not wanted yet: nothing, and no IndexedDB work. */
const notYetRead = async (): Promise<undefined> => undefined;

/** The messages read for one conversation, and its unsent entries. */
export interface LoadedWindow {
  conversationId: string;
  messages: Message[];
  outbox: OutboxEntry[];
}

/**
 * A conversation's newest page and unsent entries (the window before it is widened): one
 * transaction, its three requests side by side, so the open conversation's first frame waits on
 * one round trip, and messages and outbox are seen at one moment (an entry acknowledged meanwhile
 * is in exactly one of them).
 */
export function readNewest(db: FerryDb, conversationId: string): Promise<LoadedWindow> {
  return readAtOnce(db, conversationId, (index) =>
    newestMessagesIn(index, conversationId, PAGE_SIZE_DEFAULT),
  );
}

/** Messages (as `read` takes them), the user and their unsent entries, in one read transaction. */
export async function readAtOnce(
  db: FerryDb,
  conversationId: string,
  read: (index: MessagesIndex) => Promise<Message[]>,
): Promise<LoadedWindow> {
  const tx = db.transaction(['meta', 'messages', 'outbox']);
  const [messages, meId, entries] = await Promise.all([
    read(tx.objectStore('messages').index('by-conv-seq')),
    meIdIn(tx.objectStore('meta')),
    conversationEntriesIn(tx.objectStore('outbox'), conversationId),
  ]);
  const ids = new Set(messages.map((m) => m.id));
  const outbox = meId ? entries.filter((e) => e.senderId === meId && !ids.has(e.id)) : [];
  return { conversationId, messages, outbox };
}
