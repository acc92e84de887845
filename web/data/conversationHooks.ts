/**
 * The hooks of an open conversation (its header, members, messages and files): kept out of hooks.ts, which the first screen needs, so they come with the views that use
 * them (and with the conversation's code when the page opens on one).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { PAGE_SIZE_DEFAULT, type Message } from '../../contract/index';
import {
  getConversation,
  listMembers,
  getMessage,
  messagesFromIn,
  newestMessages,
  oldestStoredSeq,
  type FerryDb,
  type LocalConversation,
  type LocalMember,
  type OutboxEntry,
} from '../../localdb/index';
import { getAttachmentBlob } from '../../outbox/index';
import { getDb } from './db';
import { hubClient } from './hubClient';
import { conversationKey, membersKey, newestKey, readAtOnce, readNewest, type LoadedWindow } from './hooks';
import { coalescedReads, primedValue, sharedRead, touches, useLiveQuery } from './live';
import { stillLive, withLive } from './liveMessages';
import { onQueuedHere, stillHanded, withHanded, type HandedEntry } from './ownEcho';

const NO_MEMBERS: LocalMember[] = [];

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

const NO_MESSAGES: Message[] = [];
const NO_LIVE = { conversationId: '', messages: NO_MESSAGES };
const NO_OUTBOX: OutboxEntry[] = [];
const NO_HANDED: { conversationId: string; entries: HandedEntry[] } = { conversationId: '', entries: [] };

/** The window from `fromSeq` up once widened, and the unsent entries, read as readNewest reads. */
function readWindow(db: FerryDb, conversationId: string, fromSeq: number): Promise<LoadedWindow> {
  return readAtOnce(db, conversationId, (index) => messagesFromIn(index, conversationId, fromSeq));
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
