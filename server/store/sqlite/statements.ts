/**
 * Every SQL statement the SQLite store runs, prepared once after migration. Reads and writes are
 * prepared apart: the read-only connections (the event loop's and the reader worker's) prepare
 * only the reads; the writer worker prepares both.
 */
import type Database from 'better-sqlite3';
import type { ConversationKind, Message } from '../../../contract/index.js';
import { preparePushReads, preparePushWrites } from './push.js';
import type { ConversationRecord, MemberRecord, SessionRecord, UserRecord } from '../Store.js';

const USER = 'id, username, password_hash AS passwordHash, created_at AS createdAt';
const CONVERSATION =
  'id, kind, name, invite_code AS inviteCode, last_seq AS lastSeq, created_at AS createdAt';
const MESSAGE = `id, conversation_id AS conversationId, seq, sender_id AS senderId,
  sender_name AS senderName, text, typed_at AS typedAt, created_at AS createdAt`;
const MEMBER = `m.conversation_id AS conversationId, m.user_id AS userId, u.username,
  m.delivered_seq AS deliveredSeq, m.read_seq AS readSeq, m.joined_at AS joinedAt`;

/** A conversation joined with its last message (all message columns null when it has none). */
export interface ConversationWithLastRow extends ConversationRecord {
  mId: string | null;
  mSeq: number | null;
  mSenderId: string | null;
  mSenderName: string | null;
  mText: string | null;
  mTypedAt: number | null;
  mCreatedAt: number | null;
}

/** Named parameters of the search statement (null: no such filter). */
export interface SearchParams {
  userId: string;
  match: string;
  conversationId: string | null;
  senderId: string | null;
  afterCreatedAt: number | null;
  afterId: string | null;
  limit: number;
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
    /** Newest activity first. */
    userConversations: db.prepare<[string], ConversationWithLastRow>(
      `SELECT c.id, c.kind, c.name, c.invite_code AS inviteCode, c.last_seq AS lastSeq,
              c.created_at AS createdAt, msg.id AS mId, msg.seq AS mSeq, msg.sender_id AS mSenderId,
              msg.sender_name AS mSenderName, msg.text AS mText, msg.typed_at AS mTypedAt,
              msg.created_at AS mCreatedAt
       FROM members me
       JOIN conversations c ON c.id = me.conversation_id
       LEFT JOIN messages msg ON msg.conversation_id = c.id AND msg.seq = c.last_seq
       WHERE me.user_id = ?
       ORDER BY coalesce(msg.created_at, c.created_at) DESC, c.id`,
    ),
    userConversationIds: db
      .prepare<[string], string>(
        'SELECT conversation_id FROM members WHERE user_id = ? ORDER BY conversation_id',
      )
      .pluck(),
    messageById: db.prepare<[string], Message>(`SELECT ${MESSAGE} FROM messages WHERE id = ?`),
    messagesAfter: db.prepare<[string, number, number], Message>(
      `SELECT ${MESSAGE} FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    /** Newest first; `match` is an FTS5 query of quoted prefix terms (reads.ts). */
    searchMessages: db.prepare<[SearchParams], Message>(
      `SELECT ${MESSAGE.replace(/(^|,\s*)(\w+)/g, '$1m.$2')}
       FROM message_search s
       JOIN messages m ON m.rowid = s.rowid
       JOIN members me ON me.conversation_id = m.conversation_id AND me.user_id = @userId
       WHERE message_search MATCH @match
         AND (@conversationId IS NULL OR m.conversation_id = @conversationId)
         AND (@senderId IS NULL OR m.sender_id = @senderId)
         AND (@afterCreatedAt IS NULL OR m.created_at < @afterCreatedAt
              OR (m.created_at = @afterCreatedAt AND m.id < @afterId))
       ORDER BY m.created_at DESC, m.id DESC
       LIMIT @limit`,
    ),
    /** Newest first; the store reverses the page. */
    messagesBefore: db.prepare<[string, number, number], Message>(
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

    /** The message's words for search (rowid of the messages row just inserted). */
    insertSearchTerms: db.prepare<[number | bigint, string]>(
      'INSERT INTO message_search (rowid, terms) VALUES (?, ?)',
    ),
    insertMessage: db.prepare<[Message]>(
      `INSERT INTO messages (id, conversation_id, seq, sender_id, sender_name, text, typed_at, created_at)
       VALUES (@id, @conversationId, @seq, @senderId, @senderName, @text, @typedAt, @createdAt)`,
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
export type ReadStatements = ReturnType<typeof prepareReads>;
