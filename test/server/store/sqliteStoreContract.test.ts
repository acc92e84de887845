/** The shared store contract, run against the SQLite store on real temp files. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createStore } from '../../../server/store/createStore.js';
import { describeStoreContract, reopenable } from './storeContract.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'ferry-sqlite-'));
}

describeStoreContract('sqlite', async () => {
  const dataDir = await tempDir();
  return reopenable(
    () => createStore({ dataDir }),
    () => rm(dataDir, { recursive: true, force: true }),
    async (conversationId) => {
      // The file itself, through a connection of its own (the store's writes are committed).
      const db = new Database(join(dataDir, 'ferry.db'), { readonly: true });
      try {
        return db
          .prepare<[string], string>('SELECT text FROM messages WHERE conversation_id = ?')
          .pluck()
          .all(conversationId);
      } finally {
        db.close();
      }
    },
  );
});
