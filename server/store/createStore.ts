/** Picks and opens the store: embedded SQLite by default, PostgreSQL when a database URL is set. */
import type { Store, StoreOptions } from './Store.js';
import { createSqliteStore } from './sqlite/index.js';

export interface CreateStoreOptions extends StoreOptions {
  /** Directory for the SQLite file (`ferry.db`); created if missing. */
  dataDir: string;
  /** postgres://… selects PostgreSQL; unset or empty selects SQLite. */
  databaseUrl?: string | null;
}

/** Opens the configured store and applies its pending migrations. */
export async function createStore(options: CreateStoreOptions): Promise<Store> {
  const { dataDir, databaseUrl } = options;
  // Only the store's own options: callers may pass a whole Config object.
  const storeOptions: StoreOptions = {
    onCommit: options.onCommit,
    onCheckpoint: options.onCheckpoint,
    onSearchIndex: options.onSearchIndex,
    onFailure: options.onFailure,
  };
  // Both open their store and migrate it (closing it again if that fails).
  if (!databaseUrl) return createSqliteStore(dataDir, storeOptions);
  // A dynamic import, so SQLite deployments never load `pg`.
  const { createPostgresStore } = await import('./postgres/index.js');
  return createPostgresStore(databaseUrl, storeOptions);
}
