/**
 * The Store on PostgreSQL, for several server nodes sharing one database. Semantics match the
 * interface docs in ../Store.ts (and the SQLite store); appends go through the group-commit
 * batcher.
 */
import type { Pool, PoolClient } from 'pg';
import { ErrorCode } from '../../../contract/errors.js';
import type { Message } from '../../../contract/index.js';
import { PostgresBlobStore } from './blobs.js';
import type {
  AppendInput,
  AppendResult,
  AttachmentRecord,
  ConversationRecord,
  MemberRecord,
  MessageSearch,
  PushSubscriptionRecord,
  SessionRecord,
  Store,
  UserConversation,
  UserRecord,
  UserRef,
} from '../Store.js';
import { directKey, pageLimit } from '../entries.js';
import { StoreError, conversationMissingError, storeClosedError } from '../errors.js';
import { AppendBatcher } from './appendBatcher.js';
import { runMigrations } from './migrations.js';
import { pushQueries } from './push.js';
import { inTransaction } from './transaction.js';
import {
  ATTACHMENT_COLUMNS,
  toAttachmentRecord,
  type AttachmentRow,
  CONVERSATION_COLUMNS,
  MEMBER_COLUMNS,
  MESSAGE_COLUMNS,
  toConversation,
  toMember,
  toMessages,
  toSession,
  toUser,
  type ConversationRow,
  type MemberRow,
  type MessageRow,
  type SessionRow,
  type UserRow,
} from './rows.js';

/** Unread count of member row `m`: others' messages, not deleted, after its readSeq (messages_shown). */
const UNREAD_OF_MEMBER_M = `SELECT count(*) FROM messages x
  WHERE x.conversation_id = m.conversation_id AND x.kind = 'message' AND x.seq > m.read_seq
    AND NOT x.deleted AND x.sender_id <> m.user_id`;

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly checksMembershipOnAppend = true;
  readonly blobs = new PostgresBlobStore(() => this.db);
  private closing: Promise<void> | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly batcher: AppendBatcher,
  ) {}

  async migrate(): Promise<number> {
    return runMigrations(this.db);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.batcher.close();
      await this.pool.end();
    })();
    return this.closing;
  }

  async createUser(user: UserRecord): Promise<'created' | 'taken'> {
    const r = await this.db.query(
      `INSERT INTO users (id, username, password_hash, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (username) DO NOTHING`,
      [user.id, user.username.toLowerCase(), user.passwordHash, user.createdAt],
    );
    return r.rowCount === 1 ? 'created' : 'taken';
  }

  async getUserByUsername(username: string): Promise<UserRecord | null> {
    const r = await this.db.query<UserRow>('SELECT * FROM users WHERE username = $1', [
      username.toLowerCase(),
    ]);
    return r.rows[0] ? toUser(r.rows[0]) : null;
  }

  async getUserById(id: string): Promise<UserRecord | null> {
    const r = await this.db.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
    return r.rows[0] ? toUser(r.rows[0]) : null;
  }

  async createSession(s: SessionRecord): Promise<void> {
    await this.db.query(
      'INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
      [s.tokenHash, s.userId, s.createdAt, s.expiresAt],
    );
  }

  async getSession(tokenHash: string, now: number): Promise<SessionRecord | null> {
    const r = await this.db.query<SessionRow>(
      'SELECT * FROM sessions WHERE token_hash = $1 AND expires_at > $2',
      [tokenHash, now],
    );
    return r.rows[0] ? toSession(r.rows[0]) : null;
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
  }

  async createRoom(
    room: { id: string; name: string; inviteCode: string; createdAt: number },
    creator: UserRef,
  ): Promise<ConversationRecord> {
    if (room.name.includes('\u0000')) {
      // PostgreSQL text cannot hold U+0000 (SQLite can): refuse it clearly instead of failing inside.
      throw new StoreError(ErrorCode.BAD_REQUEST, 'A room name may not contain the character U+0000.');
    }
    return this.tx(async (c) => {
      const r = await c.query<ConversationRow>(
        `INSERT INTO conversations (id, kind, name, invite_code, created_at) VALUES ($1, 'room', $2, $3, $4)
         RETURNING ${CONVERSATION_COLUMNS}`,
        [room.id, room.name, room.inviteCode, room.createdAt],
      );
      await insertMember(c, room.id, creator, room.createdAt);
      return toConversation(r.rows[0]);
    });
  }

  async getOrCreateDirect(
    input: { id: string; createdAt: number },
    a: UserRef,
    b: UserRef,
  ): Promise<{ conversation: ConversationRecord; created: boolean }> {
    const key = directKey(a.userId, b.userId);
    return this.tx(async (c) => {
      // A concurrent creator holds the unique key until it commits; DO NOTHING then finds theirs.
      const inserted = await c.query<ConversationRow>(
        `INSERT INTO conversations (id, kind, direct_key, created_at) VALUES ($1, 'direct', $2, $3)
         ON CONFLICT (direct_key) DO NOTHING RETURNING ${CONVERSATION_COLUMNS}`,
        [input.id, key, input.createdAt],
      );
      const conversation = inserted.rows[0]
        ? toConversation(inserted.rows[0])
        : toConversation(
            (
              await c.query<ConversationRow>(
                `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE direct_key = $1`,
                [key],
              )
            ).rows[0],
          );
      // Starting a direct conversation again brings back a person who had left it.
      await insertMember(c, conversation.id, a, input.createdAt);
      await insertMember(c, conversation.id, b, input.createdAt);
      return { conversation, created: inserted.rows.length === 1 };
    });
  }

  async getConversation(id: string): Promise<ConversationRecord | null> {
    const r = await this.db.query<ConversationRow>(
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = $1`,
      [id],
    );
    return r.rows[0] ? toConversation(r.rows[0]) : null;
  }

  async getConversationByInvite(inviteCode: string): Promise<ConversationRecord | null> {
    const r = await this.db.query<ConversationRow>(
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE invite_code = $1`,
      [inviteCode],
    );
    return r.rows[0] ? toConversation(r.rows[0]) : null;
  }

  async addMember(
    conversationId: string,
    user: UserRef,
    joinedAt: number,
  ): Promise<{ member: MemberRecord; added: boolean }> {
    // Receipts start at the conversation's current last seq: earlier history is not "unread".
    const inserted = await this.db.query<MemberRow>(
      `WITH m AS (
         INSERT INTO members (conversation_id, user_id, delivered_seq, read_seq, joined_at)
         SELECT c.id, $2, c.last_seq, c.last_seq, $3 FROM conversations c WHERE c.id = $1
         ON CONFLICT (conversation_id, user_id) DO NOTHING
         RETURNING *
       )
       SELECT ${MEMBER_COLUMNS} FROM m JOIN users u ON u.id = m.user_id`,
      [conversationId, user.userId, joinedAt],
    );
    if (inserted.rows[0]) return { member: toMember(inserted.rows[0]), added: true };
    const member = await this.getMember(conversationId, user.userId);
    if (!member) throw conversationMissingError();
    return { member, added: false };
  }

  async removeMember(conversationId: string, userId: string): Promise<boolean> {
    const r = await this.db.query('DELETE FROM members WHERE conversation_id = $1 AND user_id = $2', [
      conversationId,
      userId,
    ]);
    return r.rowCount === 1;
  }

  async getMember(conversationId: string, userId: string): Promise<MemberRecord | null> {
    const r = await this.db.query<MemberRow>(
      `SELECT ${MEMBER_COLUMNS} FROM members m JOIN users u ON u.id = m.user_id
        WHERE m.conversation_id = $1 AND m.user_id = $2`,
      [conversationId, userId],
    );
    return r.rows[0] ? toMember(r.rows[0]) : null;
  }

  async listMembers(conversationId: string): Promise<MemberRecord[]> {
    const r = await this.db.query<MemberRow>(
      `SELECT ${MEMBER_COLUMNS} FROM members m JOIN users u ON u.id = m.user_id
        WHERE m.conversation_id = $1 ORDER BY m.joined_at, u.username`,
      [conversationId],
    );
    return r.rows.map(toMember);
  }

  async listUserConversations(userId: string): Promise<UserConversation[]> {
    // One snapshot, so members, last messages and lastSeq agree with each other.
    return this.tx(async (c) => {
      const convs = await c.query<ConversationRow & { unread_count: number }>(
        `SELECT ${CONVERSATION_COLUMNS.replace(/(\w+)/g, 'c.$1')}, (${UNREAD_OF_MEMBER_M}) AS unread_count
           FROM conversations c JOIN members m ON m.conversation_id = c.id
          WHERE m.user_id = $1`,
        [userId],
      );
      const ids = convs.rows.map((r) => r.id);
      if (ids.length === 0) return [];
      const members = await c.query<MemberRow>(
        `SELECT ${MEMBER_COLUMNS} FROM members m JOIN users u ON u.id = m.user_id
          WHERE m.conversation_id = ANY($1::text[]) ORDER BY m.joined_at, u.username`,
        [ids],
      );
      const last = await c.query<MessageRow>(
        `SELECT msg.* FROM unnest($1::text[]) AS conv(id)
           CROSS JOIN LATERAL (
             SELECT ${MESSAGE_COLUMNS} FROM messages x
              WHERE x.conversation_id = conv.id AND x.kind = 'message'
              ORDER BY x.seq DESC LIMIT 1
           ) msg`,
        [ids],
      );
      const lastMessages = await toMessages(c, last.rows);
      const byConv = new Map<string, MemberRecord[]>(ids.map((id) => [id, []]));
      for (const r of members.rows) byConv.get(r.conversation_id)!.push(toMember(r));
      const lastById = new Map<string, Message>(lastMessages.map((m) => [m.conversationId, m]));
      const list = convs.rows.map((r) => ({
        conversation: toConversation(r),
        members: byConv.get(r.id)!,
        lastMessage: lastById.get(r.id) ?? null,
        unreadCount: r.unread_count,
      }));
      // Most recent activity first.
      const activity = (u: UserConversation): number => u.lastMessage?.createdAt ?? u.conversation.createdAt;
      return list.sort(
        (x, y) => activity(y) - activity(x) || x.conversation.id.localeCompare(y.conversation.id),
      );
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  async listUserConversationIds(userId: string): Promise<string[]> {
    const r = await this.db.query<{ conversation_id: string }>(
      'SELECT conversation_id FROM members WHERE user_id = $1 ORDER BY conversation_id',
      [userId],
    );
    return r.rows.map((row) => row.conversation_id);
  }

  async appendMessage(input: AppendInput): Promise<AppendResult> {
    return this.batcher.append(input);
  }

  appendMessages(inputs: readonly AppendInput[]): Promise<AppendResult>[] {
    return this.batcher.appendGroup(inputs);
  }

  async getMessage(id: string): Promise<Message | null> {
    const r = await this.db.query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1`, [id]);
    return (await toMessages(this.db, r.rows))[0] ?? null;
  }

  async lastMessage(conversationId: string): Promise<Message | null> {
    const r = await this.db.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND kind = 'message'
        ORDER BY seq DESC LIMIT 1`,
      [conversationId],
    );
    return (await toMessages(this.db, r.rows))[0] ?? null;
  }

  async countUnread(conversationId: string, userId: string): Promise<number> {
    const r = await this.db.query<{ n: number }>(
      `SELECT (${UNREAD_OF_MEMBER_M}) AS n FROM members m WHERE m.conversation_id = $1 AND m.user_id = $2`,
      [conversationId, userId],
    );
    return r.rows[0]?.n ?? 0;
  }

  async messagesAfter(conversationId: string, afterSeq: number, limit: number): Promise<Message[]> {
    const r = await this.db.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [conversationId, afterSeq, pageLimit(limit)],
    );
    return toMessages(this.db, r.rows);
  }

  async messagesBefore(conversationId: string, beforeSeq: number | null, limit: number): Promise<Message[]> {
    const r = await this.db.query<MessageRow>(
      `SELECT * FROM (
         SELECT ${MESSAGE_COLUMNS} FROM messages
          WHERE conversation_id = $1 AND ($2::bigint IS NULL OR seq < $2::bigint)
          ORDER BY seq DESC LIMIT $3
       ) newest ORDER BY seq`,
      [conversationId, beforeSeq, pageLimit(limit)],
    );
    return toMessages(this.db, r.rows);
  }

  async searchMessages(search: MessageSearch): Promise<Message[]> {
    if (search.terms.length === 0) return [];
    // Terms hold only letters, marks and digits (searchWords), so single quotes need no escaping.
    const query = search.terms.map((term) => `'${term}':*`).join(' & ');
    // One statement for every filter: node-postgres sends it unnamed, so each run is planned with
    // its values and a null filter drops out. Membership is a semi-join, so the newest-first walk
    // checks each row's conversation against the user's list and never multiplies rows.
    const r = await this.db.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS.replace(/(\w+)/g, 'm.$1')}
         FROM messages m
        WHERE m.search_vector @@ $2::tsquery
          AND m.kind = 'message' AND NOT m.deleted
          AND m.conversation_id IN (SELECT me.conversation_id FROM members me WHERE me.user_id = $1)
          AND ($3::text IS NULL OR m.conversation_id = $3::text)
          AND ($4::text IS NULL OR m.sender_id = $4::text)
          AND ($5::bigint IS NULL OR (m.created_at, m.id) < ($5::bigint, $6::text))
        ORDER BY m.created_at DESC, m.id DESC
        LIMIT $7`,
      [
        search.userId,
        query,
        search.conversationId ?? null,
        search.senderId ?? null,
        search.after?.createdAt ?? null,
        search.after?.id ?? null,
        pageLimit(search.limit),
      ],
    );
    return toMessages(this.db, r.rows);
  }

  async updateReceipt(
    conversationId: string,
    userId: string,
    receipt: { deliveredSeq?: number; readSeq?: number },
  ): Promise<MemberRecord | null> {
    // Clamp to last_seq, never lower, and reading implies delivery.
    const r = await this.db.query<MemberRow>(
      `WITH m AS (
         UPDATE members AS m
            SET read_seq = GREATEST(m.read_seq, LEAST($4::bigint, c.last_seq)),
                delivered_seq = GREATEST(m.delivered_seq, LEAST(GREATEST($3::bigint, $4::bigint), c.last_seq))
           FROM conversations c
          WHERE c.id = m.conversation_id AND m.conversation_id = $1 AND m.user_id = $2
         RETURNING m.*
       )
       SELECT ${MEMBER_COLUMNS} FROM m JOIN users u ON u.id = m.user_id`,
      [conversationId, userId, receipt.deliveredSeq ?? 0, receipt.readSeq ?? 0],
    );
    return r.rows[0] ? toMember(r.rows[0]) : null;
  }

  async createAttachment(a: AttachmentRecord): Promise<'created' | 'exists'> {
    const r = await this.db.query(
      `INSERT INTO attachments (${ATTACHMENT_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING`,
      [
        a.id,
        a.uploaderId,
        a.conversationId,
        a.messageId,
        a.name,
        a.size,
        a.type,
        a.inline,
        a.width,
        a.height,
        a.sha256,
        a.thumbnail,
        a.createdAt,
      ],
    );
    return r.rowCount === 1 ? 'created' : 'exists';
  }

  async getAttachment(id: string): Promise<AttachmentRecord | null> {
    const r = await this.db.query<AttachmentRow>(
      `SELECT ${ATTACHMENT_COLUMNS} FROM attachments WHERE id = $1`,
      [id],
    );
    return r.rows[0] ? toAttachmentRecord(r.rows[0]) : null;
  }

  async attachmentBytes(userId: string): Promise<number> {
    const r = await this.db.query<{ n: string }>(
      'SELECT coalesce(sum(size), 0)::text AS n FROM attachments WHERE uploader_id = $1',
      [userId],
    );
    return Number(r.rows[0]?.n ?? 0);
  }

  async blobReferences(sha256: string): Promise<number> {
    const r = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM attachments WHERE sha256 = $1',
      [sha256],
    );
    return r.rows[0]?.n ?? 0;
  }

  async deleteUnsentAttachments(before: number): Promise<AttachmentRecord[]> {
    const r = await this.db.query<AttachmentRow>(
      `DELETE FROM attachments WHERE message_id IS NULL AND created_at < $1 RETURNING ${ATTACHMENT_COLUMNS}`,
      [before],
    );
    return r.rows.map(toAttachmentRecord);
  }

  /** The pool, or UNAVAILABLE once close() has begun (as the SQLite store does). */
  savePushSubscription(subscription: PushSubscriptionRecord): Promise<void> {
    return pushQueries.save(this.db, subscription);
  }

  deletePushSubscription(endpoint: string, userId?: string): Promise<boolean> {
    return pushQueries.delete(this.db, endpoint, userId);
  }

  listPushSubscriptions(userIds: readonly string[]): Promise<PushSubscriptionRecord[]> {
    return pushQueries.list(this.db, userIds);
  }

  setMuted(conversationId: string, userId: string, muted: boolean): Promise<boolean> {
    return pushQueries.setMuted(this.db, conversationId, userId, muted);
  }

  mutedConversationIds(userId: string): Promise<string[]> {
    return pushQueries.mutedConversationIds(this.db, userId);
  }

  mutedMembers(conversationId: string, userIds: readonly string[]): Promise<string[]> {
    return pushQueries.mutedMembers(this.db, conversationId, userIds);
  }

  private get db(): Pool {
    if (this.closing) throw storeClosedError();
    return this.pool;
  }

  /** Runs `work` in one transaction on one connection. */
  private tx<T>(work: (c: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    return inTransaction(this.db, work, begin);
  }
}

/** Receipts start at the conversation's current last seq: earlier history is not "unread". */
async function insertMember(
  c: PoolClient,
  conversationId: string,
  user: UserRef,
  joinedAt: number,
): Promise<void> {
  await c.query(
    `INSERT INTO members (conversation_id, user_id, delivered_seq, read_seq, joined_at)
     SELECT id, $2, last_seq, last_seq, $3 FROM conversations WHERE id = $1
     ON CONFLICT (conversation_id, user_id) DO NOTHING`,
    [conversationId, user.userId, joinedAt],
  );
}
