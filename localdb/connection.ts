import { DB_NAME, openFerryDb, type FerryDb } from './schema';

/** Returns the database, opening it on first use and again after it was closed for an upgrade. */
export type GetFerryDb = () => Promise<FerryDb>;

/**
 * One lazily opened connection per context. When another context upgrades the schema, openFerryDb
 * closes this connection (idb's `blocking`); the next call opens a fresh one.
 */
export function lazyFerryDb(name: string = DB_NAME): GetFerryDb {
  let current: Promise<FerryDb> | undefined;
  return () => {
    if (!current) {
      const opening = openFerryDb(name, {
        onClose: () => {
          if (current === opening) current = undefined;
        },
      });
      current = opening;
      // A failed open must not be cached: the next call tries again.
      opening.catch(() => {
        if (current === opening) current = undefined;
      });
    }
    return current;
  };
}
