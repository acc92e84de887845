/**
 * Versioned schema migrations. Each runs once, in its own transaction, recorded in
 * `schema_migrations`. Append new migrations to the end; never edit one that has shipped.
 */
import type Database from 'better-sqlite3';
import { searchTermsText } from '../../../contract/search.js';
import { PUSH_SCHEMA } from './push.js';
import { type SearchRow, searchRow } from './searchIndex.js';
import { latestVersion, pendingMigrations, type VersionedMigration } from '../migrations.js';

export interface Migration extends VersionedMigration {
  up(db: Database.Database): void;
}

const INITIAL_SCHEMA = `
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE CHECK (username = lower(username)),
  password_hash TEXT NOT NULL,
  created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user_id ON sessions(user_id);

-- direct_key is the sorted pair of user ids, so a direct conversation exists once per pair even
-- when both people start it at the same moment.
CREATE TABLE conversations (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('room', 'direct')),
  name        TEXT,
  invite_code TEXT UNIQUE,
  direct_key  TEXT UNIQUE,
  last_seq    INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
  created_at  INTEGER NOT NULL,
  CHECK ((kind = 'room' AND name IS NOT NULL AND invite_code IS NOT NULL AND direct_key IS NULL)
      OR (kind = 'direct' AND direct_key IS NOT NULL AND invite_code IS NULL))
);

CREATE TABLE members (
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  delivered_seq   INTEGER NOT NULL DEFAULT 0,
  read_seq        INTEGER NOT NULL DEFAULT 0,
  joined_at       INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, user_id),
  CHECK (read_seq <= delivered_seq)
) WITHOUT ROWID;
CREATE INDEX members_user_id ON members(user_id);

-- id is the client's UUID: the primary key is what makes a re-sent message a no-op.
-- UNIQUE(conversation_id, seq) is both the no-duplicate-seq guard and the paging index.
CREATE TABLE messages (
  id              TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  seq             INTEGER NOT NULL CHECK (seq > 0),
  sender_id       TEXT NOT NULL REFERENCES users(id),
  sender_name     TEXT NOT NULL,
  text            TEXT NOT NULL,
  typed_at        INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  UNIQUE (conversation_id, seq)
);
`;

/**
 * Full-text search: FTS5 over a segmented copy of each message's text (contract/search.ts: words
 * joined by spaces), so unicode61 finds Chinese and Japanese words, which have no spaces of their
 * own. Contentless (the text is in messages already), with deletes allowed; rowid = messages.rowid.
 */
function addMessageSearch(db: Database.Database): void {
  db.exec(`CREATE VIRTUAL TABLE message_search USING fts5(
    terms, content='', contentless_delete=1, tokenize='unicode61')`);
  const insert = db.prepare<[number | bigint, string]>(
    'INSERT INTO message_search (rowid, terms) VALUES (?, ?)',
  );
  forEachMessage(db, '1', (row) => insert.run(row.rowid, searchTermsText(row.text)));
}

interface MessageToIndex {
  rowid: number;
  text: string;
  conversationId: string;
  senderId: string;
}

/** Calls `index` for each messages row matching `where`, in chunks by rowid. */
function forEachMessage(db: Database.Database, where: string, index: (row: MessageToIndex) => void): void {
  // In chunks: better-sqlite3 cannot write while a statement is still iterating.
  const chunk = db.prepare<[number], MessageToIndex>(
    `SELECT rowid, text, conversation_id AS conversationId, sender_id AS senderId FROM messages
     WHERE rowid > ? AND (${where}) ORDER BY rowid LIMIT 1000`,
  );
  for (let after = 0, rows = chunk.all(after); rows.length > 0; rows = chunk.all(after)) {
    for (const row of rows) index(row);
    after = rows.at(-1)!.rowid;
  }
}

/**
 * The search table again, with each message's conversation and sender as words of their own
 * (searchIndex.ts), filled from the messages: the words of each message that is shown (its
 * latest text; a deleted one has none). Secure delete as before.
 */
function addSearchScopes(db: Database.Database): void {
  db.exec(`DROP TABLE message_search;
    CREATE VIRTUAL TABLE message_search USING fts5(
      terms, conversation, sender, content='', contentless_delete=1, tokenize='unicode61');
    INSERT INTO message_search (message_search, rank) VALUES ('secure-delete', 1);`);
  const insert = db.prepare<[number | bigint, ...SearchRow]>(
    'INSERT INTO message_search (rowid, terms, conversation, sender) VALUES (?, ?, ?, ?)',
  );
  forEachMessage(db, "kind = 'message' AND deleted = 0", (row) =>
    insert.run(row.rowid, ...searchRow(row.text, row.conversationId, row.senderId)),
  );
}

/**
 * A conversation is one log: messages and operations on them (edit, delete, reaction change), each
 * with its own seq. Existing rows are messages. A message row carries its current state (latest
 * text, edited_at, deleted); reactions are a table of their own, in the order they were added.
 * messages_shown serves the conversation list (last message, unread count) without reading the
 * operations; messages_target finds a deleted message's edits to empty them.
 */
const ENTRY_KINDS = `
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'message'
  CHECK (kind IN ('message', 'edit', 'delete', 'reaction'));
ALTER TABLE messages ADD COLUMN reply_to TEXT;
ALTER TABLE messages ADD COLUMN target_id TEXT;
ALTER TABLE messages ADD COLUMN emoji TEXT;
ALTER TABLE messages ADD COLUMN reaction_on INTEGER;
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_shown ON messages(conversation_id, seq, sender_id, deleted) WHERE kind = 'message';
CREATE INDEX messages_target ON messages(target_id) WHERE target_id IS NOT NULL;

CREATE TABLE reactions (
  message_id      TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  user_id         TEXT NOT NULL,
  emoji           TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  -- seq of the entry that added it: reactions are shown in the order people reacted.
  seq             INTEGER NOT NULL,
  PRIMARY KEY (message_id, user_id, emoji)
) WITHOUT ROWID;
`;

/**
 * Attachments: one row per finished upload, naming its blob by SHA-256 (blobs are files under
 * DATA_DIR/blobs, shared by every row with the same hash) and, once sent, the message carrying it.
 */
const ATTACHMENTS = `
CREATE TABLE attachments (
  id              TEXT PRIMARY KEY,
  uploader_id     TEXT NOT NULL REFERENCES users(id),
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  message_id      TEXT UNIQUE,
  name            TEXT NOT NULL,
  size            INTEGER NOT NULL CHECK (size >= 0),
  type            TEXT NOT NULL,
  inline          INTEGER NOT NULL,
  width           INTEGER,
  height          INTEGER,
  sha256          TEXT NOT NULL,
  thumbnail       INTEGER NOT NULL,
  created_at      INTEGER NOT NULL
);
CREATE INDEX attachments_sha256 ON attachments(sha256);
CREATE INDEX attachments_uploader ON attachments(uploader_id);
CREATE INDEX attachments_unsent ON attachments(created_at) WHERE message_id IS NULL;
`;

/**
 * New messages get their search words after their commit (searchBacklog.ts); the index holds the
 * words of every messages row up to indexed_rowid. Until now each commit indexed its own rows.
 */
const SEARCH_PROGRESS = `
CREATE TABLE search_progress (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  indexed_rowid INTEGER NOT NULL
);
INSERT INTO search_progress (id, indexed_rowid) VALUES (1, coalesce((SELECT max(rowid) FROM messages), 0));
`;

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', up: (db) => db.exec(INITIAL_SCHEMA) },
  { version: 2, name: 'message search', up: addMessageSearch },
  {
    version: 3,
    name: 'entry kinds',
    up: (db) => {
      db.exec(ENTRY_KINDS);
      // FTS5 otherwise only marks a deleted row's words as deleted until segments merge: a
      // message deleted for everyone must leave the index itself. https://www.sqlite.org/fts5.html#the_secure_delete_configuration_option
      db.exec(`INSERT INTO message_search (message_search, rank) VALUES ('secure-delete', 1)`);
    },
  },
  { version: 4, name: 'push subscriptions and mutes', up: (db) => db.exec(PUSH_SCHEMA) },
  { version: 5, name: 'attachments', up: (db) => db.exec(ATTACHMENTS) },
  { version: 6, name: 'search scopes', up: addSearchScopes },
  { version: 7, name: 'search backlog', up: (db) => db.exec(SEARCH_PROGRESS) },
];

/** The schema version this build creates. */
export const LATEST_VERSION = latestVersion(MIGRATIONS);

/** Applies every migration not yet recorded, each in its own transaction; returns the version now in force. */
export function runMigrations(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const applied = new Set(db.prepare<[], number>('SELECT version FROM schema_migrations').pluck().all());
  const pending = pendingMigrations(
    migrations,
    applied,
    'run a newer Ferry, or point DATA_DIR at another directory.',
  );
  const isApplied = db.prepare<[number], number>('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  const record = db.prepare<[number, string, number]>(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  for (const migration of pending) {
    // IMMEDIATE takes the write lock first, so two processes opening one file cannot both apply it.
    db.transaction(() => {
      if (isApplied.get(migration.version) !== undefined) return;
      migration.up(db);
      record.run(migration.version, migration.name, Date.now());
    }).immediate();
  }
  return currentVersion(db);
}

/** Highest recorded migration version; 0 on a new database. */
export function currentVersion(db: Database.Database): number {
  return db.prepare<[], number>('SELECT coalesce(max(version), 0) FROM schema_migrations').pluck().get() ?? 0;
}
