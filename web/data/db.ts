import { openDb } from './dbOpen';
import { hubClient } from './hubClient';

/**
 * The page's IndexedDB connection (opened as the page starts, reopened after a schema upgrade). The
 * hub client starts first: it asks the hub what changed since the page's first read.
 */
export const getDb: typeof openDb = () => {
  hubClient();
  return openDb();
};
