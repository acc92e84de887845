/**
 * The page's IndexedDB connection, asked for as the page's first module runs: every first screen
 * reads from it, and its open (tens of milliseconds on a cold start) then runs while the rest of the
 * page's code is evaluated, instead of starting after it.
 */
import { lazyFerryDb } from '../../localdb/index';

/** Opens the connection on first use (here, at once) and again after a schema upgrade closed it. */
export const openDb = lazyFerryDb();

// Not where IndexedDB is missing (unit tests in Node import the data layer); a failed open is
// tried again by the first read.
if (typeof indexedDB !== 'undefined') void openDb().catch(() => {});
