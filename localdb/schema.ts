/**
 * The browser's local store: one IndexedDB database shared by the page, the SharedWorker (or
 * elected tab) and the Service Worker. This file owns the schema, its version and its upgrades
 * (as workbox-background-sync's QueueDb.ts does); everything else goes through openFerryDb().
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { ConversationSummary, Member, Message, User, WireError } from '../contract/index';

export const DB_NAME = 'ferry';
export const DB_VERSION = 2;

/** A conversation as cached locally. */
export interface LocalConversation extends Omit<ConversationSummary, 'members'> {
  /**
   * The catch-up cursor: every message from the oldest one stored locally up to syncedSeq is
   * stored (a new device starts from the newest page, so older ones may be missing until loaded).
   */
  syncedSeq: number;
  /** Last activity (ms): newest message's createdAt, or createdAt. Sort key of the list. */
  activityAt: number;
}

/** A member as cached locally, keyed by [conversationId, userId]. */
export interface LocalMember extends Member {
  conversationId: string;
}

export type OutboxState = 'queued' | 'failed';

/** A message typed on this device and not yet acknowledged by the server. */
export interface OutboxEntry {
  /** The message id (UUID), made when typed: the server dedupes by it. */
  id: string;
  conversationId: string;
  text: string;
  typedAt: number;
  /** Who typed it: entries of another account are never sent with this session. */
  senderId: string;
  /** Total order of typing on this device (typedAt plus a tie-breaker); replay follows it. */
  order: number;
  state: OutboxState;
  attempts: number;
  /** Earliest time of the next attempt (transient failures back off). */
  nextAttemptAt: number;
  /** Why it failed permanently, or the last transient error. */
  error?: WireError;
}

/** The device's search index as saved (localdb/searchIndex.ts), so a reload does not rebuild it. */
export interface SavedSearchIndex {
  /** Format of the saved index and its tokenizer: another format is rebuilt from the messages. */
  format: number;
  /** When this index was built from scratch (kept across saves: tells a rebuild from an update). */
  builtAt: number;
  savedAt: number;
  /** MiniSearch's JSON. */
  json: string;
}

export interface FerryDbSchema extends DBSchema {
  /**
   * Small key-value facts: 'me' (the signed-in User); 'lang' (the page's UI language, for the
   * Service Worker's notifications); 'pendingReads' (read receipts waiting for the network).
   */
  meta: { key: 'me' | 'lang' | 'pendingReads'; value: User | string | Record<string, number> };
  conversations: {
    key: string;
    value: LocalConversation;
    indexes: { 'by-activity': number };
  };
  /** Messages acknowledged by the server, keyed by id. */
  messages: {
    key: string;
    value: Message;
    indexes: { 'by-conv-seq': [string, number] };
  };
  members: {
    key: [string, string];
    value: LocalMember;
    indexes: { 'by-conv': string };
  };
  outbox: {
    key: string;
    value: OutboxEntry;
    indexes: { 'by-order': number; 'by-conv-order': [string, number] };
  };
  /** The search index over 'messages', saved whole under the key 'messages'. */
  search: { key: string; value: SavedSearchIndex };
}

export type FerryDb = IDBPDatabase<FerryDbSchema>;

export interface OpenFerryDbOptions {
  /** Called once this connection is closed: by a newer version elsewhere, or by the browser. */
  onClose?: () => void;
}

/**
 * Opens (and creates or upgrades) the local database. The connection closes itself when another
 * context (a tab or worker running a newer build) needs a version upgrade, so the upgrade is never
 * blocked; callers reopen lazily (see lazyFerryDb in connection.ts).
 */
export function openFerryDb(name: string = DB_NAME, options: OpenFerryDbOptions = {}): Promise<FerryDb> {
  let connection: FerryDb | undefined;
  const opening = openDB<FerryDbSchema>(name, DB_VERSION, {
    blocking() {
      connection?.close();
      options.onClose?.();
    },
    terminated() {
      options.onClose?.();
    },
    upgrade(db, oldVersion) {
      // Each step upgrades from the version before it; add new steps below, never edit old ones.
      if (oldVersion < 1) {
        db.createObjectStore('meta');
        const conversations = db.createObjectStore('conversations', { keyPath: 'id' });
        conversations.createIndex('by-activity', 'activityAt');
        const messages = db.createObjectStore('messages', { keyPath: 'id' });
        messages.createIndex('by-conv-seq', ['conversationId', 'seq'], { unique: true });
        const members = db.createObjectStore('members', { keyPath: ['conversationId', 'userId'] });
        members.createIndex('by-conv', 'conversationId');
        const outbox = db.createObjectStore('outbox', { keyPath: 'id' });
        outbox.createIndex('by-order', 'order');
        outbox.createIndex('by-conv-order', ['conversationId', 'order']);
      }
      if (oldVersion < 2) {
        db.createObjectStore('search');
      }
    },
  });
  return opening.then((opened) => (connection = opened));
}
