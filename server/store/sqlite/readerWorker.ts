/**
 * The SQLite reader thread: runs the reads that can return many rows (reads.ts) on its own
 * read-only connection, so a big catch-up or history page never holds up the event loop.
 */
import { workerData } from 'node:worker_threads';
import { openReadOnly } from './openDatabase.js';
import { readOperations } from './reads.js';
import { serveRequests } from './serveRequests.js';
import { prepareReads } from './statements.js';

/** What the store passes to this thread. */
export interface ReaderData {
  file: string;
  busyTimeoutMs?: number;
}

const { file, busyTimeoutMs } = workerData as ReaderData;
const db = openReadOnly(file, busyTimeoutMs);
serveRequests(readOperations(db, prepareReads(db)), () => db.close());
