import { lazyFerryDb } from '../../localdb/index';

/** The page's IndexedDB connection, opened on first use (reopened after a schema upgrade). */
export const getDb = lazyFerryDb();
