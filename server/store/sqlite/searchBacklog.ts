/**
 * Search indexing behind the commits, on the writer thread. An append's transaction writes the
 * messages row, not its FTS5 row: FTS5 makes each transaction that touches it a segment of its
 * own (and every few, a merge of them), which was about a third of a small commit's CPU and of its
 * WAL pages, all on the acks' path. The writer indexes what is behind, many rows in one
 * transaction, once its replies are posted and nothing waits (or, never idle, once the backlog is
 * large), and before every search (SqliteStore asks first), so a search still finds every
 * message acked before it.
 *
 * Crash safety: FTS5 holds the words of every messages row up to the mark (search_progress), and
 * the mark moves in the transaction that wrote those rows' words. A crash between a commit and
 * its indexing leaves the mark behind, and the next run starts there. Rows are never deleted from
 * messages and rowids only grow, so no row lands behind the mark unindexed. An edit or a delete
 * of a message behind the mark changes its FTS5 row in its own transaction (appendBatch.ts); of
 * one past it, only the messages row, which the indexer reads as it is when it gets there.
 */
import type Database from 'better-sqlite3';
import { EntryKind } from '../../../contract/index.js';
import type { SearchIndexInfo } from '../Store.js';
import { searchRow } from './searchIndex.js';
import type { Statements } from './statements.js';

/** When the writer indexes, in rows past the mark. */
export interface SearchCadence {
  /** The idle writer indexes once this many rows wait, or once idleAfterMs passed with any. */
  idleAfterRows: number;
  idleAfterMs: number;
  /** A writer that is never idle indexes a chunk once this many rows wait. */
  busyAfterRows: number;
  /** Rows per indexing transaction. */
  chunk: number;
}

/**
 * Measured on a 2-core VM: a transaction of one row costs 224 µs a row (most of it the fsync), of
 * 10 rows 26 µs, of 200 rows 7.0 µs, of 1,000 rows 5.2 µs. 200 rows hold nearly all of the gain.
 * Under load, on a core shared with the event loop, a 200-row run took 4.6-7.3 ms (bench, relay
 * at 500-2,000 msg/s): an idle run therefore ends early for a batch that comes (YIELD_ROWS).
 */
export const SEARCH_CADENCE: SearchCadence = {
  idleAfterRows: 200,
  idleAfterMs: 1_000,
  busyAfterRows: 1_000,
  chunk: 200,
};

/**
 * Rows an idle run indexes between two looks for a waiting batch: about 0.1 ms of work, and a
 * look (receiveMessageOnPort) costs a few microseconds.
 */
export const YIELD_ROWS = 16;

/** The writer's search backlog: what FTS5 holds up to, and the runs that catch it up. */
export class SearchBacklog {
  #mark: number;
  /** When a run last indexed rows (or the backlog was made): the idle writer's clock. */
  #ranAt = performance.now();
  /** Rows read and time spent by the runs since the last report. */
  #ranRows = 0;
  #ranMs = 0;
  readonly #newest: () => number;
  /** Indexes up to `limit` rows past the mark, fewer if `yieldTo` says so; false when there were none. */
  readonly #step: (limit: number, yieldTo?: () => boolean) => boolean;

  constructor(
    db: Database.Database,
    q: Statements,
    private readonly when: SearchCadence = SEARCH_CADENCE,
  ) {
    this.#newest = () => q.newestRowid.get() ?? 0;
    /**
     * One transaction: the next `limit` rows past the mark, or fewer when `yieldTo` says a batch
     * waits (asked every YIELD_ROWS rows); returns how many it read, and the new mark.
     */
    const step = db.transaction(
      (mark: number, limit: number, yieldTo?: () => boolean): [read: number, mark: number] => {
        const rows = q.searchPending.all(mark, limit);
        let read = 0;
        for (const row of rows) {
          if (read > 0 && read % YIELD_ROWS === 0 && yieldTo?.()) break;
          if (row.kind === EntryKind.message && row.deleted === 0)
            q.insertSearchTerms.run(row.rowid, ...searchRow(row.text, row.conversationId, row.senderId));
          read++;
        }
        if (read === 0) return [0, mark];
        const last = rows[read - 1]!.rowid;
        q.setSearchMark.run(last);
        return [read, last];
      },
    );
    // The mark moves here only once the transaction committed: a rollback leaves it where it was.
    this.#step = (limit, yieldTo) => {
      const started = performance.now();
      const [read, mark] = withoutFsync(db, () => step.immediate(this.#mark, limit, yieldTo));
      if (read === 0) return false;
      this.#mark = mark;
      this.#ranAt = performance.now();
      this.#ranRows += read;
      this.#ranMs += this.#ranAt - started;
      return true;
    };
    this.#mark = q.searchMark.get()!;
  }

  /** Every messages row up to this rowid has its words in FTS5; none past it has. */
  get mark(): number {
    return this.#mark;
  }

  /** What ran since the last report, and how many rows wait now; counts from zero again. */
  report(): SearchIndexInfo {
    const info = { rows: this.#ranRows, ms: this.#ranMs, behind: this.#newest() - this.#mark };
    this.#ranRows = 0;
    this.#ranMs = 0;
    return info;
  }

  /** Indexes every row past the mark (before a search), a chunk per transaction. */
  catchUp(): void {
    while (this.#newest() > this.#mark && this.#step(this.when.chunk));
  }

  /**
   * After a commit's replies are posted: indexes one chunk when idle and idleAfterRows wait (or
   * any, idleAfterMs after the last run), or, when batches wait, once busyAfterRows are behind, so
   * the backlog stays bounded. An idle run ends early once `waiting` says a batch has come: that
   * batch then waits for YIELD_ROWS rows and one COMMIT at most, not for a whole chunk. A busy
   * run indexes its whole chunk (it is what keeps the backlog bounded).
   */
  afterCommit(idle: boolean, waiting?: () => boolean): void {
    const behind = this.#newest() - this.#mark;
    const { idleAfterRows, idleAfterMs, busyAfterRows, chunk } = this.when;
    const due = idle
      ? behind >= idleAfterRows || (behind > 0 && performance.now() - this.#ranAt >= idleAfterMs)
      : behind >= busyAfterRows;
    if (due) this.#step(chunk, idle ? waiting : undefined);
  }
}

/**
 * Runs `transaction` with synchronous=NORMAL: its COMMIT writes the WAL without waiting for the
 * disk, so the writer is free for the next batch sooner. For the index only: its words and the
 * mark commit together, so a power loss that takes this transaction takes both, and the next run
 * indexes those rows again; the next message commit (FULL) syncs the WAL, these frames with it.
 * The connection is FULL again before anything else runs on it; should that fail, the writer
 * thread ends (the store then fails every caller) rather than commit a message without its sync.
 */
function withoutFsync<T>(db: Database.Database, transaction: () => T): T {
  db.pragma('synchronous = NORMAL');
  try {
    return transaction();
  } finally {
    try {
      db.pragma('synchronous = FULL');
    } catch {
      // In a worker thread, process.exit ends only that thread.
      process.exit(1);
    }
  }
}
