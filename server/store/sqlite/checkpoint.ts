/**
 * WAL checkpoints off the ack path. SQLite's automatic checkpoint runs inside the COMMIT that
 * passes its threshold: the writer copies the WAL's pages into the database file and fsyncs it
 * while that batch's senders wait for their acks. The writer thread instead checkpoints once a
 * batch's replies are posted and no other batch waits (writerWorker.ts); batches that arrive
 * meanwhile queue and share the next transaction. It is the writer's own connection, between two
 * of its transactions, so the checkpoint can copy the whole WAL and the next commit starts the WAL
 * over (a checkpoint from another connection, racing the commits, would leave the WAL growing).
 * It checkpoints after about as many transactions as fill SQLite's default threshold (1,000
 * pages; an append commit writes tens), or, when commits come slowly, after a second with any
 * (IdleCadence). SQLite's own checkpoint stays as the backstop (WRITER_CHECKPOINT_PAGES) for a
 * writer that is never idle. Crash safety is SQLite's: a page leaves the WAL only once it is in the database file
 * and synced, and a checkpoint cut short is done again from the WAL at the next open.
 */
import type Database from 'better-sqlite3';
import type { CheckpointInfo } from '../Store.js';

/** Copies what the WAL holds into the database file, without waiting for readers. */
export function checkpoint(db: Database.Database): CheckpointInfo {
  const started = performance.now();
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { checkpointed: number }[];
  // `checkpointed`: the WAL's pages now in the database file (all unless a reader needs some).
  return { ms: performance.now() - started, pages: row?.checkpointed ?? 0 };
}
