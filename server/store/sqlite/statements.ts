/**
 * Every SQL statement the SQLite store runs, prepared once after migration. Reads and writes are
 * prepared apart: the read-only connections (the event loop's and the reader worker's) prepare
 * only the reads; the writer worker prepares both.
 */
import type Database from 'better-sqlite3';
import type { ConversationKind, EntryKind, Message } from '../../../contract/index.js';
import { preparePushReads, preparePushWrites } from './push.js';
import type { SearchRow } from './searchIndex.js';
import type {
  AttachmentRecord,
  ConversationRecord,
  MemberRecord,
  SessionRecord,
  UserRecord,
} from '../Store.js';

const USER = 'id, username, password_hash AS passwordHash, created_at AS createdAt';
const CONVERSATION =
  'id, kind, name, invite_code AS inviteCode, last_seq AS lastSeq, created_at AS createdAt';
const MESSAGE = `id, conversation_id AS conversationId, seq, sender_id AS senderId,
  sender_name AS senderName, kind, text, reply_to AS replyTo, target_id AS targetId, emoji,
  reaction_on AS reactionOn, edited_at AS editedAt, deleted, typed_at AS typedAt,
  created_at AS createdAt`;
const ATTACHMENT = `id, uploader_id AS uploaderId, conversation_id AS conversationId,
  message_id AS messageId, name, size, type, inline, width, height, sha256, thumbnail,
  created_at AS createdAt`;
const MEMBER = `m.conversation_id AS conversationId, m.user_id AS userId, u.username,
  m.delivered_seq AS deliveredSeq, m.read_seq AS readSeq, m.joined_at AS joinedAt`;

/** SQLite has no booleans: these fields are 0 or 1 in a row. */
type SqliteBooleans<T, K extends keyof T> = Omit<T, K> & {
  [P in K]: null extends T[P] ? number | null : number;
};

/**
 * A messages row as SQLite returns it: a Message without what other tables hold (reactions,
 * attachment), booleans as 0/1; messageRows.ts makes it a Message.
 */
export type MessageRow = SqliteBooleans<Omit<Message, 'reactions' | 'attachment'>, 'reactionOn' | 'deleted'>;

/** An attachments row (booleans are 0/1). */
export type AttachmentRow = SqliteBooleans<AttachmentRecord, 'inline' | 'thumbnail'>;

/** A new entry as inserted. */
export type NewEntryRow = Omit<MessageRow, 'deleted'>;

/** What the rules read of a target (and its rowid, the key of its search words). */
export interface TargetRow {
  rowid: number;
  conversationId: string;
  kind: EntryKind;
  senderId: string;
  deleted: number;
  createdAt: number;
}

/** A messages row the search index does not hold yet (searchBacklog.ts). */
export interface PendingSearchRow {
  rowid: number;
  kind: EntryKind;
  deleted: number;
  text: string;
  conversationId: string;
  senderId: string;
}

/** A conversation of a user's list, with its last message's id and the user's unread count. */
export interface UserConversationRow extends ConversationRecord {
  lastMessageId: string | null;
  unreadCount: number;
}

/** Named parameters of the search statement (null: no such filter). */
export interface SearchParams {
  userId: string;
  match: string;
  conversationId: string | null;
  senderId: string | null;
  afterCreatedAt: number | null;
  afterId: string | null;
  /** Only rows below this rowid (the cursor's end, or past the newest row). */
  below: number;
}

interface NewConversation {
  id: string;
  kind: ConversationKind;
  name: string | null;
  inviteCode: string | null;
  directKey: string | null;
  createdAt: number;
}

/** Prepares every statement the writer needs; the schema must already be migrated. */
export function prepareStatements(db: Database.Database) {
  return { ...prepareReads(db), ...prepareWrites(db) };
}

/** Prepares the statements that only read (safe on a read-only connection). */
export function prepareReads(db: Database.Database) {
  return {
    ...preparePushReads(db),
    userByUsername: db.prepare<[string], UserRecord>(`SELECT ${USER} FROM users WHERE username = ?`),
    userById: db.prepare<[string], UserRecord>(`SELECT ${USER} FROM users WHERE id = ?`),
    liveSession: db.prepare<[string, number], SessionRecord>(
      `SELECT token_hash AS tokenHash, user_id AS userId, created_at AS createdAt, expires_at AS expiresAt
       FROM sessions WHERE token_hash = ? AND expires_at > ?`,
    ),
    conversationById: db.prepare<[string], ConversationRecord>(
      `SELECT ${CONVERSATION} FROM conversations WHERE id = ?`,
    ),
    conversationByInvite: db.prepare<[string], ConversationRecord>(
      `SELECT ${CONVERSATION} FROM conversations WHERE invite_code = ?`,
    ),
    conversationByDirectKey: db.prepare<[string], ConversationRecord>(
      `SELECT ${CONVERSATION} FROM conversations WHERE direct_key = ?`,
    ),
    lastSeq: db.prepare<[string], number>('SELECT last_seq FROM conversations WHERE id = ?').pluck(),
    member: db.prepare<[string, string], MemberRecord>(
      `SELECT ${MEMBER} FROM members m JOIN users u ON u.id = m.user_id
       WHERE m.conversation_id = ? AND m.user_id = ?`,
    ),
    membersOf: db.prepare<[string], MemberRecord>(
      `SELECT ${MEMBER} FROM members m JOIN users u ON u.id = m.user_id
       WHERE m.conversation_id = ? ORDER BY m.joined_at, u.username`,
    ),
    /** Every member of every conversation the user is in (one query for the whole list). */
    membersOfUserConversations: db.prepare<[string], MemberRecord>(
      `SELECT ${MEMBER} FROM members m JOIN users u ON u.id = m.user_id
       WHERE m.conversation_id IN (SELECT conversation_id FROM members WHERE user_id = ?)
       ORDER BY m.conversation_id, m.joined_at, u.username`,
    ),
    /**
     * The list's order (newest activity first) is made by the caller, which has the messages.
     * messages_shown is named: without statistics the planner would walk the (conversation, seq)
     * key backwards through every operation after the last message.
     */
    userConversations: db.prepare<[string], UserConversationRow>(
      `SELECT c.id, c.kind, c.name, c.invite_code AS inviteCode, c.last_seq AS lastSeq,
              c.created_at AS createdAt,
              (SELECT x.id FROM messages x INDEXED BY messages_shown
                WHERE x.conversation_id = c.id AND x.kind = 'message'
                ORDER BY x.seq DESC LIMIT 1) AS lastMessageId,
              (SELECT count(*) FROM messages x
                WHERE x.conversation_id = c.id AND x.kind = 'message' AND x.seq > me.read_seq
                  AND x.deleted = 0 AND x.sender_id <> me.user_id) AS unreadCount
       FROM members me
       JOIN conversations c ON c.id = me.conversation_id
       WHERE me.user_id = ?`,
    ),
    countUnread: db
      .prepare<[string, string], number>(
        `SELECT count(*) FROM members me
         JOIN messages x ON x.conversation_id = me.conversation_id AND x.kind = 'message'
          AND x.seq > me.read_seq AND x.deleted = 0 AND x.sender_id <> me.user_id
         WHERE me.conversation_id = ? AND me.user_id = ?`,
      )
      .pluck(),
    lastMessage: db.prepare<[string], MessageRow>(
      `SELECT ${MESSAGE} FROM messages INDEXED BY messages_shown
       WHERE conversation_id = ? AND kind = 'message' ORDER BY seq DESC LIMIT 1`,
    ),
    /** `ids` is a JSON array of message ids. */
    messagesByIds: db.prepare<[string], MessageRow>(
      `SELECT ${MESSAGE} FROM messages WHERE id IN (SELECT value FROM json_each(?))`,
    ),
    /** Reactions of the messages in a JSON array of ids, in the order they were added. */
    reactionsOf: db.prepare<[string], { messageId: string; emoji: string; userId: string }>(
      `SELECT message_id AS messageId, emoji, user_id AS userId FROM reactions
       WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY seq, user_id, emoji`,
    ),
    /** Attachments of the messages in a JSON array of ids. */
    attachmentsOf: db.prepare<[string], AttachmentRow>(
      `SELECT ${ATTACHMENT} FROM attachments WHERE message_id IN (SELECT value FROM json_each(?))`,
    ),
    attachmentById: db.prepare<[string], AttachmentRow>(`SELECT ${ATTACHMENT} FROM attachments WHERE id = ?`),
    attachmentBytes: db
      .prepare<[string], number>('SELECT coalesce(sum(size), 0) FROM attachments WHERE uploader_id = ?')
      .pluck(),
    blobReferences: db.prepare<[string], number>('SELECT count(*) FROM attachments WHERE sha256 = ?').pluck(),
    unsentAttachmentsBefore: db.prepare<[number], AttachmentRow>(
      `SELECT ${ATTACHMENT} FROM attachments WHERE message_id IS NULL AND created_at < ?`,
    ),
    target: db.prepare<[string], TargetRow>(
      `SELECT rowid, conversation_id AS conversationId, kind, sender_id AS senderId, deleted,
              created_at AS createdAt
       FROM messages WHERE id = ?`,
    ),
    userConversationIds: db
      .prepare<[string], string>(
        'SELECT conversation_id FROM members WHERE user_id = ? ORDER BY conversation_id',
      )
      .pluck(),
    messageById: db.prepare<[string], MessageRow>(`SELECT ${MESSAGE} FROM messages WHERE id = ?`),
    messagesAfter: db.prepare<[string, number, number], MessageRow>(
      `SELECT ${MESSAGE} FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    /**
     * The matches below rowid @below, newest first, for reads.ts to take a page from and stop:
     * FTS5 walks its index backwards by rowid (no sort of every match), and rowid order is time
     * order (the writer never stamps a time older than the newest row). `match` is searchMatch()'s
     * FTS5 query.
     */
    searchMessages: db.prepare<[SearchParams], MessageRow>(
      `SELECT ${MESSAGE.replace(/(^|,\s*)(\w+)/g, '$1m.$2')}
       FROM message_search s
       JOIN messages m ON m.rowid = s.rowid
       WHERE message_search MATCH @match AND s.rowid < @below
         AND m.kind = 'message' AND m.deleted = 0
         AND (@conversationId IS NULL OR m.conversation_id = @conversationId)
         AND (@senderId IS NULL OR m.sender_id = @senderId)
         AND (@afterCreatedAt IS NULL OR m.created_at < @afterCreatedAt
              OR (m.created_at = @afterCreatedAt AND m.id < @afterId))
         AND EXISTS (SELECT 1 FROM members me
                     WHERE me.conversation_id = m.conversation_id AND me.user_id = @userId)
       ORDER BY s.rowid DESC`,
    ),
    /**
     * The first rowid after the search cursor's time: rows as old as the cursor are one run of
     * rowids (one commit stamps them all), so the walk starts below this one and skips nothing.
     */
    searchCursorEnd: db
      .prepare<[{ id: string; createdAt: number }], number>(
        `SELECT rowid FROM messages
         WHERE rowid > (SELECT rowid FROM messages WHERE id = @id) AND created_at > @createdAt
         ORDER BY rowid LIMIT 1`,
      )
      .pluck(),
    /** Newest first; the store reverses the page. */
    messagesBefore: db.prepare<[string, number, number], MessageRow>(
      `SELECT ${MESSAGE} FROM messages WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
    ),
  };
}

/** Prepares the statements that write. */
function prepareWrites(db: Database.Database) {
  return {
    ...preparePushWrites(db),
    insertUser: db.prepare<[UserRecord]>(
      `INSERT INTO users (id, username, password_hash, created_at)
       VALUES (@id, @username, @passwordHash, @createdAt)
       ON CONFLICT (username) DO NOTHING`,
    ),
    insertSession: db.prepare<[SessionRecord]>(
      `INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
       VALUES (@tokenHash, @userId, @createdAt, @expiresAt)`,
    ),
    deleteSession: db.prepare<[string]>('DELETE FROM sessions WHERE token_hash = ?'),

    /** Plain INSERT: a clashing room id or invite code must fail loudly, not be ignored. */
    insertRoom: db.prepare<[NewConversation]>(
      `INSERT INTO conversations (id, kind, name, invite_code, direct_key, created_at)
       VALUES (@id, @kind, @name, @inviteCode, @directKey, @createdAt)`,
    ),
    /** Does nothing when the pair already has its direct conversation. */
    insertDirect: db.prepare<[NewConversation]>(
      `INSERT INTO conversations (id, kind, name, invite_code, direct_key, created_at)
       VALUES (@id, @kind, @name, @inviteCode, @directKey, @createdAt)
       ON CONFLICT (direct_key) DO NOTHING`,
    ),
    setLastSeq: db.prepare<[number, string]>('UPDATE conversations SET last_seq = ? WHERE id = ?'),

    /** Receipts start at the conversation's current last seq: earlier history is not "unread". */
    insertMember: db.prepare<[string, number, string]>(
      `INSERT INTO members (conversation_id, user_id, delivered_seq, read_seq, joined_at)
       SELECT id, ?, last_seq, last_seq, ? FROM conversations WHERE id = ?
       ON CONFLICT (conversation_id, user_id) DO NOTHING`,
    ),
    deleteMember: db.prepare<[string, string]>(
      'DELETE FROM members WHERE conversation_id = ? AND user_id = ?',
    ),
    /** Raises receipts, never lowers them; callers clamp to last seq and keep read <= delivered. */
    raiseReceipts: db.prepare<[number, number, string, string]>(
      `UPDATE members SET delivered_seq = max(delivered_seq, ?), read_seq = max(read_seq, ?)
       WHERE conversation_id = ? AND user_id = ?`,
    ),

    /** The time of the newest row (by rowid, no scan). */
    newestCreatedAt: db
      .prepare<[], number>('SELECT created_at FROM messages ORDER BY rowid DESC LIMIT 1')
      .pluck(),
    /** The message's search row (searchIndex.ts) under the rowid of its messages row. */
    insertSearchTerms: db.prepare<[number | bigint, ...SearchRow]>(
      'INSERT INTO message_search (rowid, terms, conversation, sender) VALUES (?, ?, ?, ?)',
    ),
    deleteSearchTerms: db.prepare<[number | bigint]>('DELETE FROM message_search WHERE rowid = ?'),
    /** The rowid up to which message_search holds words (searchBacklog.ts), and its update. */
    searchMark: db.prepare<[], number>('SELECT indexed_rowid FROM search_progress').pluck(),
    setSearchMark: db.prepare<[number]>('UPDATE search_progress SET indexed_rowid = ?'),
    /** The rows past the search mark, oldest first, with what indexing them needs. */
    searchPending: db.prepare<[number, number], PendingSearchRow>(
      `SELECT rowid, kind, deleted, text, conversation_id AS conversationId, sender_id AS senderId
       FROM messages WHERE rowid > ? ORDER BY rowid LIMIT ?`,
    ),
    newestRowid: db.prepare<[], number | null>('SELECT max(rowid) FROM messages').pluck(),
    insertMessage: db.prepare<[NewEntryRow]>(
      `INSERT INTO messages (id, conversation_id, seq, sender_id, sender_name, kind, text, reply_to,
                             target_id, emoji, reaction_on, edited_at, typed_at, created_at)
       VALUES (@id, @conversationId, @seq, @senderId, @senderName, @kind, @text, @replyTo,
               @targetId, @emoji, @reactionOn, @editedAt, @typedAt, @createdAt)`,
    ),
    /** An edit: the message's latest text and when. */
    editMessage: db.prepare<[string, number, string]>(
      'UPDATE messages SET text = ?, edited_at = ? WHERE id = ?',
    ),
    /** Delete for everyone: the text leaves the row, and every edit of it loses its text too. */
    deleteMessage: db.prepare<[string]>("UPDATE messages SET text = '', deleted = 1 WHERE id = ?"),
    emptyEdits: db.prepare<[string]>("UPDATE messages SET text = '' WHERE target_id = ? AND kind = 'edit'"),
    addReaction: db.prepare<[string, string, string, string, number]>(
      `INSERT INTO reactions (message_id, user_id, emoji, conversation_id, seq) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (message_id, user_id, emoji) DO NOTHING`,
    ),
    insertAttachment: db.prepare<[AttachmentRow]>(
      `INSERT INTO attachments (id, uploader_id, conversation_id, message_id, name, size, type, inline,
                                width, height, sha256, thumbnail, created_at)
       VALUES (@id, @uploaderId, @conversationId, @messageId, @name, @size, @type, @inline,
               @width, @height, @sha256, @thumbnail, @createdAt)
       ON CONFLICT (id) DO NOTHING`,
    ),
    attachToMessage: db.prepare<[string, string]>('UPDATE attachments SET message_id = ? WHERE id = ?'),
    /** A deleted message keeps no file: its attachment row goes (the blob, once unreferenced, after). */
    detachFromMessage: db.prepare<[string]>('DELETE FROM attachments WHERE message_id = ?'),
    deleteAttachment: db.prepare<[string]>('DELETE FROM attachments WHERE id = ?'),
    removeReaction: db.prepare<[string, string, string]>(
      'DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?',
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
export type ReadStatements = ReturnType<typeof prepareReads>;
