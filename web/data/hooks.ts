/** Preact hooks over IndexedDB and the hub: what the UI renders from. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { PAGE_SIZE_DEFAULT, type Message, type User } from '../../contract/index';
import {
  getConversation,
  listConversations,
  listMembers,
  getMessage,
  messagesFromIn,
  meIdIn,
  newestMessages,
  newestMessagesIn,
  oldestStoredSeq,
  getMe,
  type FerryDb,
  type LocalConversation,
  type LocalMember,
  type MessagesIndex,
  type OutboxEntry,
} from '../../localdb/index';
import { conversationEntriesIn, countEntries, getAttachmentBlob } from '../../outbox/index';
import type { HubStatus } from '../../shared-worker/protocol';
import { getDb } from './db';
import { hubClient } from './hubClient';
import { coalescedReads, prime, primedValue, sharedRead, touches, useLiveQuery } from './live';
import { stillLive, withLive } from './liveMessages';
import { onQueuedHere, stillHanded, withHanded, type HandedEntry } from './ownEcho';
import { storageInfo, type StorageInfo } from './storage';

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
const conversationKey = (id: string) => `conversation:${id}`;
const membersKey = (id: string) => `members:${id}`;
const newestKey = (id: string) => `newest:${id}`;

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

const NO_CONVERSATIONS: LocalConversation[] = [];
const NO_MEMBERS: LocalMember[] = [];

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

/** One cached conversation (undefined while loading or when unknown). */
export function useConversation(id: string): LocalConversation | undefined {
  return useLiveQuery(
    conversationKey(id),
    (db) => getConversation(db, id),
    undefined,
    (c) => touches(c, ['conversations'], id),
  );
}

/** A conversation's cached members. */
export function useMembers(conversationId: string): LocalMember[] {
  return useLiveQuery(
    membersKey(conversationId),
    (db) => listMembers(db, conversationId),
    NO_MEMBERS,
    (c) => touches(c, ['members'], conversationId),
  );
}

/**
 * One stored message by id (e.g. the one a reply quotes), live: it follows edits, deletion and
 * reactions. Undefined while loading, or when this device does not hold it.
 */
export function useMessage(id: string): Message | undefined {
  return useLiveQuery(
    `message:${id}`,
    (db) => getMessage(db, id),
    undefined,
    (c) => touches(c, ['messages']),
  );
}

export interface MessagesView {
  /**
   * Acknowledged messages (kind 'message'), ascending seq, from IndexedDB (the newest window of
   * them), each as the server's operations left it (text, editedAt, deleted, reactions); with
   * them, new messages the hub relayed live that no read holds yet (liveMessages.ts).
   */
  messages: Message[];
  /**
   * This conversation's queued/failed entries of every kind (messages, edits, deletions,
   * reaction changes), in the order acted; their effect is not in `messages` until acknowledged.
   */
  outbox: OutboxEntry[];
  /** The window has been read once (until then `messages` holds only what arrived live). */
  loaded: boolean;
  hasOlder: boolean;
  loadingOlder: boolean;
  loadOlder(): Promise<void>;
  /** Widens the window down to `seq` (a stored message shown from a search result). */
  reach(seq: number): Promise<void>;
}

/** The messages read for one conversation, and its unsent entries. */
interface LoadedWindow {
  conversationId: string;
  messages: Message[];
  outbox: OutboxEntry[];
}

const NO_MESSAGES: Message[] = [];
const NO_LIVE = { conversationId: '', messages: NO_MESSAGES };
const NO_OUTBOX: OutboxEntry[] = [];
const NO_HANDED: { conversationId: string; entries: HandedEntry[] } = { conversationId: '', entries: [] };

/**
 * A conversation's newest page and unsent entries (the window before it is widened): one
 * transaction, its three requests side by side, so the open conversation's first frame waits on
 * one round trip, and messages and outbox are seen at one moment (an entry acknowledged meanwhile
 * is in exactly one of them).
 */
function readNewest(db: FerryDb, conversationId: string): Promise<LoadedWindow> {
  return readAtOnce(db, conversationId, (index) =>
    newestMessagesIn(index, conversationId, PAGE_SIZE_DEFAULT),
  );
}

/** The window from `fromSeq` up once widened, and the unsent entries, read as readNewest reads. */
function readWindow(db: FerryDb, conversationId: string, fromSeq: number): Promise<LoadedWindow> {
  return readAtOnce(db, conversationId, (index) => messagesFromIn(index, conversationId, fromSeq));
}

/** Messages (as `read` takes them), the user and their unsent entries, in one read transaction. */
async function readAtOnce(
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

/**
 * A conversation's messages and unsent entries; loadOlder() widens the window (or fetches).
 *
 * The window is the newest page until it is widened, then every stored message from its lowest
 * seq up. Widening reads only the page below and prepends it: re-reading the whole window on each
 * page would grow to re-reading thousands of messages per page while scrolling back. A change
 * notification re-reads the whole window, so edits, deletions and reactions of older messages in
 * it still show.
 */
export function useMessages(conversationId: string): MessagesView {
  const [loaded, setLoaded] = useState<LoadedWindow | null>(
    () => primedValue<LoadedWindow>(newestKey(conversationId))?.value ?? null,
  );
  // Relayed messages not yet read back from IndexedDB (see liveMessages.ts).
  const [live, setLive] = useState<{ conversationId: string; messages: Message[] }>(NO_LIVE);
  // Entries this tab just queued here, not read back yet (see ownEcho.ts).
  const [handed, setHanded] = useState<{ conversationId: string; entries: HandedEntry[] }>(NO_HANDED);
  // The window's lowest seq once widened (null: the newest page), and how to read it again.
  const from = useRef<{ conversationId: string; seq: number | null }>({ conversationId, seq: null });
  const reread = useRef<() => void>(() => {});
  const [loadingOlder, setLoadingOlder] = useState(false);
  const loading = useRef(false);
  // The seq below which the server could not be asked (offline): no endless retries on scroll.
  const [unavailableBelow, setUnavailableBelow] = useState<number | null>(null);

  useEffect(() => {
    let alive = true;
    let latest = 0;
    from.current = { conversationId, seq: null };
    const load = (): Promise<void> => {
      const ticket = ++latest;
      const fromSeq = from.current.seq;
      const read =
        fromSeq === null
          ? sharedRead(newestKey(conversationId), (db) => readNewest(db, conversationId))
          : getDb().then((db) => readWindow(db, conversationId, fromSeq));
      return read
        .then((window) => {
          if (!alive || ticket !== latest) return;
          // Widened while reading: this read misses the page below, read the wider window.
          if (from.current.seq !== fromSeq) return load();
          else {
            setLoaded((prev) => (prev === window ? prev : window));
            setLive((prev) =>
              prev.conversationId === conversationId
                ? { conversationId, messages: stillLive(prev.messages, window.messages) }
                : prev,
            );
            setHanded((prev) => {
              if (prev.conversationId !== conversationId) return prev;
              const entries = stillHanded(prev.entries, ticket);
              return entries === prev.entries ? prev : { conversationId, entries };
            });
          }
        })
        .catch((err: unknown) => console.warn('ferry: reading the local store failed', err));
    };
    reread.current = () => void load();
    void load();
    // A burst of changes (a replay's acks) is read once a frame, one read at a time.
    const changes = coalescedReads(load);
    const client = hubClient();
    const offChanged = client.on('changed', (change) => {
      if (touches(change, ['messages', 'outbox'], conversationId)) changes.soon();
    });
    // Shown as it comes off the socket; the read its `changed` starts takes over from there.
    const offLive = client.on('live', ({ message }) => {
      if (message.conversationId !== conversationId) return;
      setLive((prev) => {
        const here = prev.conversationId === conversationId ? prev.messages : NO_MESSAGES;
        // A repeated delivery is the same message.
        if (here.some((m) => m.id === message.id)) return prev;
        return { conversationId, messages: [...here, message] };
      });
    });
    // Shown as its write commits; the read the write's `changed` starts takes over from there.
    const offQueued = onQueuedHere((entry) => {
      if (entry.conversationId !== conversationId) return;
      const afterTicket = latest;
      setHanded((prev) => {
        const here = prev.conversationId === conversationId ? prev.entries : [];
        return { conversationId, entries: [...here, { entry, afterTicket }] };
      });
    });
    return () => {
      alive = false;
      changes.stop();
      offChanged();
      offLive();
      offQueued();
    };
  }, [conversationId]);

  useEffect(
    () => hubClient().on('status', (s) => s.connection === 'online' && setUnavailableBelow(null)),
    [],
  );

  const current = loaded && loaded.conversationId === conversationId ? loaded : null;
  const liveHere = live.conversationId === conversationId ? live.messages : NO_MESSAGES;
  const stored = current ? current.messages : NO_MESSAGES;
  const messages = useMemo(() => withLive(stored, liveHere), [stored, liveHere]);
  const handedHere = handed.conversationId === conversationId ? handed.entries : NO_HANDED.entries;
  const readOutbox = current ? current.outbox : NO_OUTBOX;
  const outbox = useMemo(
    () => withHanded(readOutbox, handedHere, messages),
    [readOutbox, handedHere, messages],
  );
  const lowest = messages[0]?.seq;
  const lowestRef = useRef(lowest);
  lowestRef.current = lowest;

  const loadOlder = useCallback(async () => {
    if (loading.current || lowest === undefined || lowest <= 1) return;
    loading.current = true;
    setLoadingOlder(true);
    try {
      const db = await getDb();
      const oldestLocal = await oldestStoredSeq(db, conversationId);
      if (oldestLocal === null || oldestLocal >= lowest) {
        const answer = await hubClient().request('loadOlder', { conversationId, beforeSeq: lowest });
        if (!answer.ok) {
          setUnavailableBelow(lowest);
          return;
        }
      }
      const page = await newestMessages(db, conversationId, PAGE_SIZE_DEFAULT, lowest);
      if (page.length === 0 || from.current.conversationId !== conversationId) return;
      from.current.seq = page[0]!.seq;
      if (lowestRef.current === lowest)
        setLoaded((prev) =>
          prev && prev.conversationId === conversationId && prev.messages[0]?.seq === lowest
            ? { ...prev, messages: [...page, ...prev.messages] }
            : prev,
        );
      // The window moved meanwhile (a newer page replaced it): read it whole, with the page below.
      else reread.current();
    } finally {
      loading.current = false;
      setLoadingOlder(false);
    }
  }, [conversationId, lowest]);

  const reach = useCallback(
    async (seq: number) => {
      const db = await getDb();
      // A little context above the message, too.
      const above = await newestMessages(db, conversationId, PAGE_SIZE_DEFAULT / 4, seq);
      const target = Math.min(above[0]?.seq ?? seq, seq, lowestRef.current ?? seq);
      const window = from.current;
      if (window.conversationId !== conversationId) return;
      if (window.seq === null || target < window.seq) {
        window.seq = target;
        reread.current();
      }
    },
    [conversationId],
  );

  return {
    reach,
    messages,
    outbox,
    loaded: current !== null,
    hasOlder: lowest !== undefined && lowest > 1 && unavailableBelow !== lowest,
    loadingOlder,
    loadOlder,
  };
}

/**
 * An object URL of a queued file's bytes (still in this device's outbox), for its preview in
 * every tab; null while loading or once it left the outbox. Revoked when no longer shown.
 */
export function useLocalFileUrl(attachmentId: string | null): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!attachmentId) return;
    let alive = true;
    let made: string | null = null;
    void getDb()
      .then((db) => getAttachmentBlob(db, attachmentId))
      .then((blob) => {
        if (!alive || !blob) return;
        made = URL.createObjectURL(blob);
        setUrl(made);
      })
      .catch(() => {});
    return () => {
      alive = false;
      if (made) URL.revokeObjectURL(made);
      setUrl(null);
    };
  }, [attachmentId]);
  return url;
}

/** Whether storage is persistent, with usage and quota, read when shown and on `refresh()`. */
export function useStorageInfo(): { info: StorageInfo | null; refresh(): void } {
  const [info, setInfo] = useState<StorageInfo | null>(null);
  const refresh = useCallback(() => {
    void storageInfo().then(setInfo);
  }, []);
  useEffect(refresh, [refresh]);
  return { info, refresh };
}
