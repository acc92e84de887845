/**
 * Web Push subscriptions and per-conversation mutes in SQLite: the migration, the statements and
 * the writes, kept in one file apart from the message tables so they can be read alone.
 * Both tables hang off rows that already exist: a subscription off its session (signing out
 * deletes it), a mute off its membership (leaving deletes it).
 */
import type Database from 'better-sqlite3';
import type { PushSubscriptionRecord } from '../Store.js';

export const PUSH_SCHEMA = `
CREATE TABLE push_subscriptions (
  endpoint     TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  session_hash TEXT NOT NULL REFERENCES sessions(token_hash) ON DELETE CASCADE,
  p256dh       TEXT NOT NULL,
  auth         TEXT NOT NULL,
  show_text    INTEGER NOT NULL CHECK (show_text IN (0, 1)),
  created_at   INTEGER NOT NULL
);
CREATE INDEX push_subscriptions_user_id ON push_subscriptions(user_id);
CREATE INDEX push_subscriptions_session_hash ON push_subscriptions(session_hash);

CREATE TABLE conversation_mutes (
  conversation_id TEXT NOT NULL,
  user_id         TEXT NOT NULL,
  PRIMARY KEY (conversation_id, user_id),
  FOREIGN KEY (conversation_id, user_id) REFERENCES members(conversation_id, user_id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX conversation_mutes_user_id ON conversation_mutes(user_id);
`;

const SUBSCRIPTION = `endpoint, user_id AS userId, session_hash AS sessionHash, p256dh, auth,
  show_text AS showText, created_at AS createdAt`;

type SubscriptionRow = Omit<PushSubscriptionRecord, 'showText'> & { showText: number };
const toRecord = (row: SubscriptionRow): PushSubscriptionRecord => ({ ...row, showText: row.showText === 1 });

/** Read statements (safe on the read-only connections). */
export function preparePushReads(db: Database.Database) {
  const subscriptionsOf = db.prepare<[string], SubscriptionRow>(
    // Only devices whose session is still valid: access ends with the session, on push too,
    // even before an expired session's row is swept.
    `SELECT ${SUBSCRIPTION} FROM push_subscriptions
     WHERE user_id IN (SELECT value FROM json_each(?))
       AND session_hash IN (SELECT token_hash FROM sessions WHERE expires_at > CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
     ORDER BY created_at, endpoint`,
  );
  const mutedOf = db
    .prepare<[string], string>(
      'SELECT conversation_id FROM conversation_mutes WHERE user_id = ? ORDER BY conversation_id',
    )
    .pluck();
  const mutedAmong = db
    .prepare<[string, string], string>(
      `SELECT user_id FROM conversation_mutes
       WHERE conversation_id = ? AND user_id IN (SELECT value FROM json_each(?))`,
    )
    .pluck();
  return {
    pushSubscriptionsOf: (userIds: readonly string[]): PushSubscriptionRecord[] =>
      subscriptionsOf.all(JSON.stringify(userIds)).map(toRecord),
    mutedConversationIds: (userId: string): string[] => mutedOf.all(userId),
    mutedMembers: (conversationId: string, userIds: readonly string[]): string[] =>
      mutedAmong.all(conversationId, JSON.stringify(userIds)),
  };
}

/** Write statements (the writer thread only). */
export function preparePushWrites(db: Database.Database) {
  return {
    upsertPushSubscription: db.prepare<[SubscriptionRow]>(
      `INSERT INTO push_subscriptions (endpoint, user_id, session_hash, p256dh, auth, show_text, created_at)
       VALUES (@endpoint, @userId, @sessionHash, @p256dh, @auth, @showText, @createdAt)
       ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id,
         session_hash = excluded.session_hash, p256dh = excluded.p256dh, auth = excluded.auth,
         show_text = excluded.show_text, created_at = excluded.created_at`,
    ),
    deletePushSubscription: db.prepare<[string, string | null, string | null]>(
      'DELETE FROM push_subscriptions WHERE endpoint = ? AND (? IS NULL OR user_id = ?)',
    ),
    /** Nothing when not a member: the foreign key would refuse it, so ask first. */
    insertMute: db.prepare<[string, string, string, string]>(
      `INSERT INTO conversation_mutes (conversation_id, user_id)
       SELECT ?, ? WHERE EXISTS (SELECT 1 FROM members WHERE conversation_id = ? AND user_id = ?)
       ON CONFLICT DO NOTHING`,
    ),
    deleteMute: db.prepare<[string, string]>(
      'DELETE FROM conversation_mutes WHERE conversation_id = ? AND user_id = ?',
    ),
    isMember: db
      .prepare<[string, string], number>('SELECT 1 FROM members WHERE conversation_id = ? AND user_id = ?')
      .pluck(),
  };
}

/** One push write, as it is posted to the writer thread. */
export type PushWriteOp =
  | { kind: 'saveSubscription'; subscription: PushSubscriptionRecord }
  | { kind: 'deleteSubscription'; endpoint: string; userId: string | null }
  | { kind: 'setMuted'; conversationId: string; userId: string; muted: boolean };

/** Applies one push write inside the batch transaction. */
export function applyPushWrite(q: ReturnType<typeof preparePushWrites>, op: PushWriteOp): unknown {
  switch (op.kind) {
    case 'saveSubscription':
      q.upsertPushSubscription.run({ ...op.subscription, showText: op.subscription.showText ? 1 : 0 });
      return null;
    case 'deleteSubscription':
      return q.deletePushSubscription.run(op.endpoint, op.userId, op.userId).changes === 1;
    case 'setMuted': {
      const { conversationId, userId } = op;
      if (q.isMember.get(conversationId, userId) === undefined) return false;
      if (op.muted) q.insertMute.run(conversationId, userId, conversationId, userId);
      else q.deleteMute.run(conversationId, userId);
      return true;
    }
  }
}
