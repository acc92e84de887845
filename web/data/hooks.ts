/** Preact hooks over IndexedDB and the hub: what the UI renders from. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { PAGE_SIZE_DEFAULT, type Message, type User } from '../../contract/index';
import {
  getConversation,
  listConversations,
  listMembers,
  conversationRange,
  getMessage,
  newestMessages,
  oldestStoredSeq,
  getMe,
  type LocalConversation,
  type LocalMember,
  type OutboxEntry,
} from '../../localdb/index';
import { getAttachmentBlob, listEntries } from '../../outbox/index';
import type { HubStatus } from '../../shared-worker/protocol';
import { getDb } from './db';
import { hubClient } from './hubClient';
import { touches, useLiveQuery } from './live';
import { storageInfo, type StorageInfo } from './storage';

const STARTING: HubStatus = { connection: 'connecting', queued: 0, user: null };

/** Connection state, messages waiting and the hub's user. */
export function useHubStatus(): HubStatus {
  const client = hubClient();
  const [status, setStatus] = useState<HubStatus>(client.status ?? STARTING);
  useEffect(() => {
    let alive = true;
    if (client.status) setStatus(client.status);
    else {
      // Until the hub answers, count what waits from IndexedDB, so the number shown is true.
      void getDb()
        .then(async (db) => {
          const me = await getMe(db);
          const queued = me ? (await listEntries(db, me.id)).length : 0;
          if (alive && !client.status) setStatus({ connection: 'connecting', queued, user: me });
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

/** The signed-in user; null when signed out; undefined while loading. */
export function useMe(): User | null | undefined {
  const client = hubClient();
  const [me, setMe] = useState<User | null | undefined>(client.status ? client.status.user : undefined);
  useEffect(() => {
    let alive = true;
    if (client.status) setMe(client.status.user);
    // IndexedDB answers before the hub does (it may still be starting, or being elected). When it
    // remembers nobody, wait for the hub: the session cookie may still sign someone in.
    else
      void getDb()
        .then(getMe)
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

const NO_CONVERSATIONS: LocalConversation[] = [];
const NO_MEMBERS: LocalMember[] = [];

/** Every cached conversation, newest activity first. */
export function useConversations(): LocalConversation[] {
  return useLiveQuery('all', listConversations, NO_CONVERSATIONS, (c) => touches(c, ['conversations']));
}

/** One cached conversation (undefined while loading or when unknown). */
export function useConversation(id: string): LocalConversation | undefined {
  return useLiveQuery(
    id,
    (db) => getConversation(db, id),
    undefined,
    (c) => touches(c, ['conversations'], id),
  );
}

/** A conversation's cached members. */
export function useMembers(conversationId: string): LocalMember[] {
  return useLiveQuery(
    conversationId,
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
   * them), each as the server's operations left it (text, editedAt, deleted, reactions).
   */
  messages: Message[];
  /**
   * This conversation's queued/failed entries of every kind (messages, edits, deletions,
   * reaction changes), in the order acted; their effect is not in `messages` until acknowledged.
   */
  outbox: OutboxEntry[];
  hasOlder: boolean;
  loadingOlder: boolean;
  loadOlder(): Promise<void>;
  /** Widens the window down to `seq` (a stored message shown from a search result). */
  reach(seq: number): Promise<void>;
}

const NO_MESSAGES = { messages: [] as Message[], outbox: [] as OutboxEntry[] };

/** A conversation's messages and unsent entries; loadOlder() widens the window (or fetches). */
export function useMessages(conversationId: string): MessagesView {
  const [view, setView] = useState({ conversationId, limit: PAGE_SIZE_DEFAULT });
  const limit = view.conversationId === conversationId ? view.limit : PAGE_SIZE_DEFAULT;
  const [loadingOlder, setLoadingOlder] = useState(false);
  const loading = useRef(false);
  // The seq below which the server could not be asked (offline): no endless retries on scroll.
  const [unavailableBelow, setUnavailableBelow] = useState<number | null>(null);

  const data = useLiveQuery(
    conversationId,
    async (db) => {
      // Side by side: every `changed` that shows a new message waits on these reads. The outbox
      // is read after the messages, so an entry acknowledged meanwhile is in one of the two.
      const [me, messages] = await Promise.all([getMe(db), newestMessages(db, conversationId, limit)]);
      const stored = new Set(messages.map((m) => m.id));
      const outbox = me
        ? (await listEntries(db, me.id, conversationId)).filter((e) => !stored.has(e.id))
        : [];
      return { messages, outbox };
    },
    NO_MESSAGES,
    (c) => touches(c, ['messages', 'outbox'], conversationId),
    [limit],
  );

  useEffect(
    () => hubClient().on('status', (s) => s.connection === 'online' && setUnavailableBelow(null)),
    [],
  );

  const lowest = data.messages[0]?.seq;
  const loadOlder = useCallback(async () => {
    if (loading.current || lowest === undefined || lowest <= 1) return;
    loading.current = true;
    setLoadingOlder(true);
    try {
      const oldestLocal = await oldestStoredSeq(await getDb(), conversationId);
      if (oldestLocal === null || oldestLocal >= lowest) {
        const answer = await hubClient().request('loadOlder', { conversationId, beforeSeq: lowest });
        if (!answer.ok) {
          setUnavailableBelow(lowest);
          return;
        }
      }
      setView({ conversationId, limit: limit + PAGE_SIZE_DEFAULT });
    } finally {
      loading.current = false;
      setLoadingOlder(false);
    }
  }, [conversationId, lowest, limit]);

  const reach = useCallback(
    async (seq: number) => {
      const db = await getDb();
      const from = await db.countFromIndex('messages', 'by-conv-seq', conversationRange(conversationId, seq));
      // A little context above the message, too.
      const needed = from + PAGE_SIZE_DEFAULT / 4;
      setView((v) => ({
        conversationId,
        limit: Math.max(v.conversationId === conversationId ? v.limit : PAGE_SIZE_DEFAULT, needed),
      }));
    },
    [conversationId],
  );

  return {
    reach,
    messages: data.messages,
    outbox: data.outbox,
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
