/** The embedded SQLite store (the default). */
import { SqliteStore, type SqliteStoreOptions } from './SqliteStore.js';

export { SqliteStore, type SqliteStoreOptions } from './SqliteStore.js';
export { CommitGate } from './commitGate.js';
export { DATABASE_FILE } from './openDatabase.js';
export { LATEST_VERSION, MIGRATIONS } from './migrations.js';

/** Opens (creating if needed) `<dataDir>/ferry.db` and applies pending migrations. */
export async function createSqliteStore(
  dataDir: string,
  options: SqliteStoreOptions = {},
): Promise<SqliteStore> {
  const store = new SqliteStore(dataDir, options);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
