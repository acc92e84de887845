/** Opens the SQLite file with the settings the delivery contract needs. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** Name of the database file inside the data directory. */
export const DATABASE_FILE = 'ferry.db';
/** How long a write waits for another connection's lock before giving up. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
/**
 * WAL pages after which a commit checkpoints inside itself, on its batch's ack path. The writer
 * checkpoints when idle long before this (checkpoint.ts); SQLite's own (1,000 pages by default)
 * steps in only for a writer that is never idle.
 */
export const WRITER_CHECKPOINT_PAGES = 4_000;

/** Creates `dataDir` if missing and opens `<dataDir>/ferry.db` in WAL mode with durable commits. */
export function openDatabase(dataDir: string, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, DATABASE_FILE), { timeout: busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    // FULL syncs the WAL on every commit: an acked message survives power loss, not only a
    // process crash (NORMAL may lose the last commits). https://www.sqlite.org/pragma.html#pragma_synchronous
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // A message deleted for everyone must leave the file, not only the row: freed space is
    // overwritten with zeros (the WAL's old page images go at the next checkpoint). Only deletions
    // and edits free space, so appends pay nothing. https://www.sqlite.org/pragma.html#pragma_secure_delete
    db.pragma('secure_delete = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    db.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** The settings in force on a connection, for tests and diagnostics. */
export interface DatabaseSettings {
  journalMode: string;
  /** 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  synchronous: number;
  foreignKeys: boolean;
  /** Freed space is zeroed (a deleted message's text leaves the file). */
  secureDelete: boolean;
  busyTimeoutMs: number;
  /** WAL pages after which a commit on this connection checkpoints (0: never). */
  walAutocheckpoint: number;
}

/** Reads back the pragmas openDatabase set. */
export function readSettings(db: Database.Database): DatabaseSettings {
  return {
    journalMode: String(db.pragma('journal_mode', { simple: true })),
    synchronous: Number(db.pragma('synchronous', { simple: true })),
    foreignKeys: Number(db.pragma('foreign_keys', { simple: true })) === 1,
    secureDelete: Number(db.pragma('secure_delete', { simple: true })) === 1,
    busyTimeoutMs: Number(db.pragma('busy_timeout', { simple: true })),
    walAutocheckpoint: Number(db.pragma('wal_autocheckpoint', { simple: true })),
  };
}

/**
 * Opens an existing database read-only, for the threads that only read. WAL lets them read
 * beside the writer: a reader sees the last commit that finished before its read began.
 */
export function openReadOnly(file: string, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS): Database.Database {
  return new Database(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
}
