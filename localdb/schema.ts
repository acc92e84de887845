/**
 * The browser's local store: one IndexedDB database shared by the page, the SharedWorker (or
 * elected tab) and the Service Worker. This file owns the schema, its version and its upgrades
 * (as workbox-background-sync's QueueDb.ts does); everything else goes through openFerryDb().
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import {
  fullMessage,
  type ConversationSummary,
  type EntryKind,
  type Member,
  type Message,
  type User,
  type WireError,
} from '../contract/index';

export const DB_NAME = 'ferry';
export const DB_VERSION = 5;

/** A conversation as cached locally. */
export interface LocalConversation extends Omit<ConversationSummary, 'members'> {
  /**
   * The catch-up cursor: every message from the oldest one stored locally up to syncedSeq is
   * stored (a new device starts from the newest page, so older ones may be missing until loaded).
   */
  syncedSeq: number;
  /** Last activity (ms): newest message's createdAt, or createdAt. Sort key of the list. */
  activityAt: number;
  /**
   * `unreadCount` (from ConversationSummary) is kept true locally: others' entries of kind
   * 'message', not deleted, with seq > readSeq (see localdb/unread.ts). serverUnread is the
   * server's own count as last listed, the base for what this device does not hold.
   */
  serverUnread?: { count: number; readSeq: number; lastSeq: number };
}

/** A member as cached locally, keyed by [conversationId, userId]. */
export interface LocalMember extends Member {
  conversationId: string;
}

export type OutboxState = 'queued' | 'failed';

/** The file a queued message carries, as the outbox knows it (its bytes are in `attachments`). */
export interface OutboxAttachment {
  /** The upload's id (UUID, made when the file was picked): names the tus upload and the blob. */
  id: string;
  name: string;
  size: number;
  /** The type the browser gave the file (the server reads the real one from the bytes). */
  type: string;
  /** Images: size in pixels as the browser decoded it (the preview's box, so the list never jumps). */
  width?: number;
  height?: number;
  /** Bytes the server holds so far (the drainer writes it after each chunk); missing: none yet. */
  uploaded?: number;
}

/**
 * A queued file's bytes, keyed by the upload id. Written in the same transaction as its outbox
 * entry, removed with it (sent, withdrawn or discarded): never evicted while queued.
 */
export interface LocalAttachment {
  id: string;
  /** The outbox entry (a message) that carries it. */
  entryId: string;
  conversationId: string;
  blob: Blob;
}

/**
 * A log entry made on this device (a message, or an edit, deletion or reaction change) and not yet
 * acknowledged by the server. Entries written before operations existed have no `kind`: messages.
 */
export interface OutboxEntry {
  /** The entry id (UUID), made when the person acted: the server dedupes by it. */
  id: string;
  conversationId: string;
  /** Missing means 'message'. */
  kind?: EntryKind;
  /** message and edit: the text; '' for delete and reaction. */
  text: string;
  /** message: the message it answers. */
  replyTo?: string;
  /** message: the file it carries (uploaded before the message is sent). */
  attachment?: OutboxAttachment;
  /** edit, delete, reaction: the message acted on (possibly still in this outbox). */
  targetId?: string;
  /** reaction: the emoji. */
  emoji?: string;
  /** reaction: true adds it, false takes it back. */
  on?: boolean;
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
  /**
   * Log entries acknowledged by the server (every kind: the catch-up cursor walks every seq),
   * keyed by id. Messages hold their current state (operations applied: localdb/entries.ts).
   */
  messages: {
    key: string;
    value: Message;
    indexes: { 'by-conv-seq': [string, number]; 'by-target': string };
  };
  members: {
    key: [string, string];
    value: LocalMember;
    indexes: { 'by-conv': string };
  };
  outbox: {
    key: string;
    value: OutboxEntry;
    indexes: { 'by-order': number; 'by-conv-order': [string, number]; 'by-sender': string };
  };
  /** The search index over 'messages', saved whole under the key 'messages'. */
  search: { key: string; value: SavedSearchIndex };
  /** Bytes of files queued with outbox messages, keyed by upload id. */
  attachments: { key: string; value: LocalAttachment };
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
    upgrade(db, oldVersion, _newVersion, transaction) {
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
      if (oldVersion < 3) {
        // Operations point at their message; entries of a message are found by this index.
        const messages = transaction.objectStore('messages');
        messages.createIndex('by-target', 'targetId');
        // Rows of v2 are all messages: give them the fields every entry has now. The upgrade
        // transaction stays open while these requests chain.
        void (async () => {
          for (let cursor = await messages.openCursor(); cursor; cursor = await cursor.continue())
            await cursor.update(fullMessage(cursor.value));
        })();
        // v2 had no unread count; its entries were all messages, so lastSeq - readSeq was it.
        const conversations = transaction.objectStore('conversations');
        void (async () => {
          for (let cursor = await conversations.openCursor(); cursor; cursor = await cursor.continue()) {
            const conversation = cursor.value;
            if (typeof conversation.unreadCount !== 'number')
              await cursor.update({
                ...conversation,
                unreadCount: Math.max(0, conversation.lastSeq - conversation.readSeq),
              });
          }
        })();
      }
      if (oldVersion < 4) {
        // Files queued with messages: written with their outbox entry, in one transaction.
        db.createObjectStore('attachments', { keyPath: 'id' });
      }
      if (oldVersion < 5) {
        // The unsent count is counted by this index, without reading every entry (the outbox
        // keeps other accounts' entries, so the whole store's count is not it).
        transaction.objectStore('outbox').createIndex('by-sender', 'senderId');
      }
    },
  });
  return opening.then((opened) => (connection = opened));
}
