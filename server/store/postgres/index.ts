/** PostgreSQL store entry: opens a pool, applies migrations, returns the Store. */
import pg from 'pg';
import type { Store, StoreOptions } from '../Store.js';
import { AppendBatcher } from './appendBatcher.js';
import { PostgresStore } from './PostgresStore.js';

export interface PostgresStoreOptions extends StoreOptions {
  /**
   * Schema to use (created if missing) instead of the connection's search_path. Tests use a fresh
   * one per run; in production leave it unset, or set search_path in the URL
   * (`?options=-c%20search_path%3Dferry`).
   */
  schema?: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Most messages in one group-commit transaction (default 500). */
  maxBatch?: number;
  /** Errors of idle pooled connections (e.g. PostgreSQL restarted); they are replaced on next use. */
  onError?: (err: Error) => void;
}

const INT8_OID = 20;

/**
 * bigint columns (seqs, ms timestamps) come back as numbers: every value stays below 2^53.
 * Set per pool, not globally, so other pg users in the process are unaffected.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** Schema names are quoted identifiers; allow only a safe, simple subset. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Connects to PostgreSQL at `url`, applies pending migrations and returns a ready Store. */
export async function createPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`Invalid PostgreSQL schema name "${schema}": use lower-case letters, digits and "_".`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    types,
    connectionTimeoutMillis: 10_000,
    application_name: 'ferry',
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  pool.on('error', (err) => options.onError?.(err));
  try {
    if (schema) await createSchema(pool, schema);
    const batcher = new AppendBatcher(pool, {
      maxBatch: options.maxBatch ?? 500,
      onCommit: options.onCommit,
    });
    const store = new PostgresStore(pool, batcher);
    await store.migrate();
    return store;
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(`Could not open the PostgreSQL store: ${(err as Error).message}`, { cause: err });
  }
}

/** IF NOT EXISTS still races when two nodes create the same schema at once: the loser is fine. */
async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== '23505' && code !== '42P06') throw err;
  }
}
