import { lazyFerryDb } from '../../localdb/index';
import { hubClient } from './hubClient';

const openDb = lazyFerryDb();

/**
 * The page's IndexedDB connection, opened on first use (reopened after a schema upgrade). The hub
 * client starts first: it asks the hub what changed since the page's first read.
 */
export const getDb: typeof openDb = () => {
  hubClient();
  return openDb();
};
