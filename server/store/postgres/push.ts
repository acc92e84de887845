/**
 * Web Push subscriptions and per-conversation mutes in PostgreSQL: the migration and the queries,
 * apart from the message tables. Both tables hang off rows that already exist: a subscription off
 * its session (signing out deletes it), a mute off its membership (leaving deletes it).
 */
import type { Pool } from 'pg';
import type { PushSubscriptionRecord } from '../Store.js';

export const PUSH_MIGRATION_SQL = `
  CREATE TABLE push_subscriptions (
    endpoint text PRIMARY KEY,
    user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_hash text NOT NULL REFERENCES sessions(token_hash) ON DELETE CASCADE,
    p256dh text NOT NULL,
    auth text NOT NULL,
    show_text boolean NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE INDEX push_subscriptions_user_id ON push_subscriptions(user_id);
  CREATE INDEX push_subscriptions_session_hash ON push_subscriptions(session_hash);
  CREATE TABLE conversation_mutes (
    conversation_id text NOT NULL,
    user_id text NOT NULL,
    PRIMARY KEY (conversation_id, user_id),
    FOREIGN KEY (conversation_id, user_id) REFERENCES members(conversation_id, user_id) ON DELETE CASCADE
  );
  CREATE INDEX conversation_mutes_user_id ON conversation_mutes(user_id);
`;

interface SubscriptionRow {
  endpoint: string;
  user_id: string;
  session_hash: string;
  p256dh: string;
  auth: string;
  show_text: boolean;
  created_at: string | number;
}

const toRecord = (r: SubscriptionRow): PushSubscriptionRecord => ({
  endpoint: r.endpoint,
  userId: r.user_id,
  sessionHash: r.session_hash,
  p256dh: r.p256dh,
  auth: r.auth,
  showText: r.show_text,
  createdAt: Number(r.created_at),
});

/** The push half of PostgresStore (it delegates to these). */
export const pushQueries = {
  async save(db: Pool, s: PushSubscriptionRecord): Promise<void> {
    await db.query(
      `INSERT INTO push_subscriptions (endpoint, user_id, session_hash, p256dh, auth, show_text, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id,
         session_hash = excluded.session_hash, p256dh = excluded.p256dh, auth = excluded.auth,
         show_text = excluded.show_text, created_at = excluded.created_at`,
      [s.endpoint, s.userId, s.sessionHash, s.p256dh, s.auth, s.showText, s.createdAt],
    );
  },

  async delete(db: Pool, endpoint: string, userId?: string): Promise<boolean> {
    const r = await db.query(
      'DELETE FROM push_subscriptions WHERE endpoint = $1 AND ($2::text IS NULL OR user_id = $2)',
      [endpoint, userId ?? null],
    );
    return r.rowCount === 1;
  },

  async list(db: Pool, userIds: readonly string[]): Promise<PushSubscriptionRecord[]> {
    const r = await db.query<SubscriptionRow>(
      // Only devices whose session is still valid: access ends with the session, on push too.
      `SELECT p.* FROM push_subscriptions p JOIN sessions s ON s.token_hash = p.session_hash
       WHERE p.user_id = ANY($1::text[]) AND s.expires_at > (extract(epoch FROM now()) * 1000)::bigint
       ORDER BY p.created_at, p.endpoint`,
      [userIds],
    );
    return r.rows.map(toRecord);
  },

  async setMuted(db: Pool, conversationId: string, userId: string, muted: boolean): Promise<boolean> {
    if (!muted) {
      await db.query('DELETE FROM conversation_mutes WHERE conversation_id = $1 AND user_id = $2', [
        conversationId,
        userId,
      ]);
      const member = await db.query('SELECT 1 FROM members WHERE conversation_id = $1 AND user_id = $2', [
        conversationId,
        userId,
      ]);
      return member.rowCount === 1;
    }
    // One statement: a member who leaves meanwhile leaves no orphan (the foreign key holds anyway).
    const r = await db.query<{ member: boolean }>(
      `WITH ins AS (
         INSERT INTO conversation_mutes (conversation_id, user_id)
         SELECT conversation_id, user_id FROM members WHERE conversation_id = $1 AND user_id = $2
         ON CONFLICT DO NOTHING)
       SELECT EXISTS (SELECT 1 FROM members WHERE conversation_id = $1 AND user_id = $2) AS member`,
      [conversationId, userId],
    );
    return r.rows[0]?.member === true;
  },

  async mutedConversationIds(db: Pool, userId: string): Promise<string[]> {
    const r = await db.query<{ conversation_id: string }>(
      'SELECT conversation_id FROM conversation_mutes WHERE user_id = $1 ORDER BY conversation_id',
      [userId],
    );
    return r.rows.map((row) => row.conversation_id);
  },

  async mutedMembers(db: Pool, conversationId: string, userIds: readonly string[]): Promise<string[]> {
    const r = await db.query<{ user_id: string }>(
      'SELECT user_id FROM conversation_mutes WHERE conversation_id = $1 AND user_id = ANY($2::text[])',
      [conversationId, userIds],
    );
    return r.rows.map((row) => row.user_id);
  },
};
