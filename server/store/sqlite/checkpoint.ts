/**
 * WAL checkpoints off the ack path. SQLite's automatic checkpoint runs inside the COMMIT that
 * passes its threshold: the writer copies the WAL's pages into the database file and fsyncs it
 * while that batch's senders wait for their acks. The writer thread instead checkpoints once a
 * batch's replies are posted and no other batch waits (writerWorker.ts); batches that arrive
 * meanwhile queue and share the next transaction. It is the writer's own connection, between two
 * of its transactions, so the checkpoint can copy the whole WAL and the next commit starts the WAL
 * over (a checkpoint from another connection, racing the commits, would leave the WAL growing).
 * A checkpoint costs about the same whether it copies 300 pages or 2,000 (about 3 ms here, mostly
 * its fsyncs, and the pages that every commit rewrites are copied once), and commits wait while it
 * runs: so the writer lets the WAL grow to about CHECKPOINT_WAL_PAGES before it checkpoints, by as
 * many transactions as the last checkpoint found to fill that (commitsPerCheckpoint), or, when
 * commits come slowly, after a second with any (IdleCadence). SQLite's own checkpoint stays as the
 * backstop (WRITER_CHECKPOINT_PAGES, twice as many pages) for a writer that is never idle.
 * Crash safety is SQLite's: a page leaves the WAL only once it is in the database file and
 * synced, and a checkpoint cut short is done again from the WAL at the next open.
 */
import type Database from 'better-sqlite3';
import type { CheckpointInfo } from '../Store.js';

/** A checkpoint's report, and the frames the WAL held when it ran (its size, for the cadence). */
export interface CheckpointRun extends CheckpointInfo {
  walFrames: number;
}

/** Copies what the WAL holds into the database file, without waiting for readers. */
export function checkpoint(db: Database.Database): CheckpointRun {
  const started = performance.now();
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
  // `checkpointed`: the WAL's pages now in the database file (all unless a reader needs some);
  // `log`: the frames in the WAL, copied or not (a reader's snapshot can hold some back).
  return { ms: performance.now() - started, pages: row?.checkpointed ?? 0, walFrames: row?.log ?? 0 };
}

/** WAL pages the idle writer lets pile up before it checkpoints (8 MiB; half the backstop). */
export const CHECKPOINT_WAL_PAGES = 2_000;
/** Transactions between two checkpoints before the first one has measured them. */
export const FIRST_CHECKPOINT_COMMITS = 20;
/** Bounds on transactions between two checkpoints, however few pages each writes. */
const MIN_COMMITS = FIRST_CHECKPOINT_COMMITS;
const MAX_COMMITS = 1_000;

/**
 * Transactions until the WAL holds about CHECKPOINT_WAL_PAGES again, at the pages per transaction
 * the last checkpoint found in the WAL (`pages` over `commits`); `current` when it says nothing.
 * The WAL's size, not the pages copied: a reader's snapshot can hold most of them back, and pages
 * per transaction read from those would stretch the next interval far past the target.
 */
export function commitsPerCheckpoint(pages: number, commits: number, current: number): number {
  if (pages <= 0 || commits <= 0) return current;
  const perCommit = pages / commits;
  return Math.min(MAX_COMMITS, Math.max(MIN_COMMITS, Math.floor(CHECKPOINT_WAL_PAGES / perCommit)));
}
