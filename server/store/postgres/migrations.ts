/**
 * Versioned PostgreSQL migrations. Each runs once, in order, recorded in `ferry_migrations`.
 * All pending ones run in one transaction under an advisory lock, so several nodes starting at
 * the same moment apply them exactly once (the others wait, then find nothing to do).
 */
import type { Pool } from 'pg';
import { latestVersion, pendingMigrations, type VersionedMigration } from '../migrations.js';
import { PUSH_MIGRATION_SQL } from './push.js';
import { inTransaction } from './transaction.js';

export interface Migration extends VersionedMigration {
  sql: string;
}

/** Append only: never edit a migration that has shipped; add the next version instead. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE users (
        id text PRIMARY KEY,
        username text NOT NULL UNIQUE CHECK (username = lower(username)),
        password_hash text NOT NULL,
        created_at bigint NOT NULL
      );
      CREATE TABLE sessions (
        token_hash text PRIMARY KEY,
        user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE INDEX sessions_user_id ON sessions(user_id);
      -- direct_key is the sorted pair of user ids, so a direct conversation exists once per pair
      -- even when both people start it at the same moment on different nodes.
      CREATE TABLE conversations (
        id text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('room', 'direct')),
        name text,
        invite_code text UNIQUE,
        direct_key text UNIQUE,
        last_seq bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
        created_at bigint NOT NULL,
        CHECK ((kind = 'room' AND name IS NOT NULL AND invite_code IS NOT NULL AND direct_key IS NULL)
            OR (kind = 'direct' AND direct_key IS NOT NULL AND invite_code IS NULL))
      );
      CREATE TABLE members (
        conversation_id text NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        delivered_seq bigint NOT NULL DEFAULT 0,
        read_seq bigint NOT NULL DEFAULT 0,
        joined_at bigint NOT NULL,
        PRIMARY KEY (conversation_id, user_id),
        CHECK (read_seq <= delivered_seq)
      );
      CREATE INDEX members_user_id ON members(user_id);
      -- id is the client's UUID: the primary key is what makes a re-sent message a no-op.
      -- UNIQUE (conversation_id, seq) guards against duplicate seqs and is the paging index.
      CREATE TABLE messages (
        id text PRIMARY KEY,
        conversation_id text NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        seq bigint NOT NULL CHECK (seq > 0),
        sender_id text NOT NULL REFERENCES users(id),
        sender_name text NOT NULL,
        text text NOT NULL,
        typed_at bigint NOT NULL,
        created_at bigint NOT NULL,
        CONSTRAINT messages_conversation_seq UNIQUE (conversation_id, seq)
      );
    `,
  },
  {
    version: 2,
    name: 'message search',
    // search_terms is the segmented copy of the text (contract/search.ts: words joined by
    // spaces), written with each message. The index reads it as an array of lexemes, with no
    // parser or dictionary in between, so Chinese and Japanese words and any locale behave alike.
    // Rows older than this migration get a copy split at non-alphanumerics by SQL: their English
    // words are found, their CJK runs only from the start of the run.
    sql: `
      ALTER TABLE messages ADD COLUMN search_terms text NOT NULL DEFAULT '';
      UPDATE messages
         SET search_terms = array_to_string(
               array_remove(regexp_split_to_array(lower(text), '[^[:alnum:]]+'), ''), ' ');
      CREATE INDEX messages_search ON messages
        USING GIN (array_to_tsvector(string_to_array(search_terms, ' ')));
    `,
  },
  {
    version: 3,
    name: 'entry kinds',
    // A conversation is one log: messages and operations on them (edit, delete, reaction change),
    // each with its own seq. Existing rows are messages. A message row carries its current state
    // (latest text and search_terms, edited_at, deleted); reactions have a table, in the order
    // they were added. messages_shown serves the conversation list (last message, unread count)
    // without reading operations; messages_target finds a deleted message's edits to empty them.
    sql: `
      ALTER TABLE messages
        ADD COLUMN kind text NOT NULL DEFAULT 'message'
          CHECK (kind IN ('message', 'edit', 'delete', 'reaction')),
        ADD COLUMN reply_to text,
        ADD COLUMN target_id text,
        ADD COLUMN emoji text,
        ADD COLUMN reaction_on boolean,
        ADD COLUMN edited_at bigint,
        ADD COLUMN deleted boolean NOT NULL DEFAULT false;
      CREATE INDEX messages_shown ON messages (conversation_id, seq, sender_id, deleted)
        WHERE kind = 'message';
      CREATE INDEX messages_target ON messages (target_id) WHERE target_id IS NOT NULL;
      CREATE TABLE reactions (
        message_id text NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        user_id text NOT NULL,
        emoji text NOT NULL,
        conversation_id text NOT NULL,
        -- seq of the entry that added it: reactions are shown in the order people reacted.
        seq bigint NOT NULL,
        PRIMARY KEY (message_id, user_id, emoji)
      );
    `,
  },
  { version: 4, name: 'push subscriptions and mutes', sql: PUSH_MIGRATION_SQL },
  {
    version: 5,
    name: 'attachments',
    // One row per finished upload, naming its blob by SHA-256; blobs are rows of their own (one per
    // hash, shared), so every node serves any file without a shared disk or another service.
    sql: `
      CREATE TABLE attachments (
        id text PRIMARY KEY,
        uploader_id text NOT NULL REFERENCES users(id),
        conversation_id text NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        message_id text UNIQUE,
        name text NOT NULL,
        size bigint NOT NULL CHECK (size >= 0),
        type text NOT NULL,
        inline boolean NOT NULL,
        width integer,
        height integer,
        sha256 text NOT NULL,
        thumbnail boolean NOT NULL,
        created_at bigint NOT NULL
      );
      CREATE INDEX attachments_sha256 ON attachments (sha256);
      CREATE INDEX attachments_uploader ON attachments (uploader_id);
      CREATE INDEX attachments_unsent ON attachments (created_at) WHERE message_id IS NULL;
      CREATE TABLE blobs (
        key text PRIMARY KEY,
        data bytea NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: 'search vector',
    // The lexemes are a stored column, so neither the index nor a row check recomputes them from
    // search_terms (a generated column follows every write of search_terms: sends, edits and
    // deletes). Search pages newest first: for a common word the plan walks messages_newest
    // (messages_conversation_newest within one conversation) in the page's order and stops at
    // the page; for a rare one it reads the GIN matches and sorts those few. The planner picks by
    // the words' frequencies, so the table is analysed here (afterwards autovacuum keeps the
    // statistics).
    sql: `
      ALTER TABLE messages ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (array_to_tsvector(string_to_array(search_terms, ' '))) STORED;
      DROP INDEX messages_search;
      CREATE INDEX messages_search_vector ON messages USING GIN (search_vector);
      CREATE INDEX messages_newest ON messages (created_at DESC, id DESC) WHERE kind = 'message';
      CREATE INDEX messages_conversation_newest ON messages (conversation_id, created_at DESC, id DESC)
        WHERE kind = 'message';
      ANALYZE messages;
    `,
  },
  {
    version: 7,
    name: 'search index without a pending list',
    // With GIN's default fastupdate, an insert appends its lexemes to a pending list, and the insert
    // that finds the list past gin_pending_list_limit (4 MB: some 25,000 messages) merges all of it
    // into the index inside its own transaction: one send's commit in a steady stream waits tens of
    // milliseconds, and searches scan the list meanwhile. Off, each insert updates the index. The
    // trade, measured with 100,000 appends, 64 in flight: commits p50 2.9 -> 4.3 ms, p99 6.4 -> 7.4,
    // longest 45 -> 17 ms, and 28% fewer appends a second (19,000 -> 13,700). A 512 KB list kept
    // the rate but gave p99 11.8 ms (a merge every ~1,300 messages). A send's latency is what a
    // person feels; the rate is far above what one conversation log needs. What an older database
    // has pending is merged here, once.
    sql: `
      ALTER INDEX messages_search_vector SET (fastupdate = off);
      SELECT gin_clean_pending_list('messages_search_vector'::regclass);
    `,
  },
];

/** Highest version this code knows. */
export const LATEST_VERSION = latestVersion(MIGRATIONS);

/**
 * Applies pending migrations and returns the version in force. The lock key includes the
 * current schema, so stores in different schemas (tests) do not wait for each other.
 */
export function runMigrations(pool: Pool): Promise<number> {
  return inTransaction(pool, async (client) => {
    const schema = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
    if (!schema.rows[0].schema) {
      throw new Error(
        'PostgreSQL has no schema to create tables in: create the schema named in search_path, or use the default "public".',
      );
    }
    await client.query("SELECT pg_advisory_xact_lock(hashtext('ferry.migrate'), hashtext(current_schema()))");
    await client.query(`
      CREATE TABLE IF NOT EXISTS ferry_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const applied = await client.query<{ version: number }>('SELECT version FROM ferry_migrations');
    const done = new Set(applied.rows.map((r) => r.version));
    for (const m of pendingMigrations(MIGRATIONS, done, 'upgrade the server.')) {
      await client.query(m.sql);
      await client.query('INSERT INTO ferry_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    return LATEST_VERSION;
  });
}
