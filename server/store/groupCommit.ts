/**
 * Group commit, pipelined: inputs queue up while the previous batch is being made durable, then
 * go together as the next batch, so a durable (fsync'd) commit is paid once per batch instead of
 * once per message, and a slow disk makes batches bigger instead of making the event loop wait.
 * By default one batch is in flight at a time, so batches commit in the order their inputs
 * arrived. A store whose `commit` applies batches in the order it is called may allow several
 * (maxInFlight): each batch then leaves at once instead of waiting for the answer to the one
 * before. Every caller's promise settles only after the commit holding it has returned; if the
 * transaction fails, every caller in the batch is rejected, so nothing is ever half-acked.
 *
 * Both stores queue through it: SQLite hands each batch to its writer thread (sqlite/SqliteStore.ts),
 * PostgreSQL runs each batch of appends in one transaction (postgres/appendBatcher.ts). What a
 * batch does, and how it is made durable, is the store's; queueing and settling are the shared
 * Batcher's (contract/batcher.ts).
 */
import { Batcher, type Outcome } from '../../contract/batcher.js';

export type { Outcome };

const DEFAULT_MAX_BATCH = 1_000;

export interface GroupCommitOptions {
  /**
   * Most inputs in one batch (default 1,000): after a long stall the backlog goes as several
   * batches in a row, so no single reply is big enough to hold up the event loop.
   */
  maxBatch?: number;
  /** Turns a failed transaction's error into the error each caller of the batch receives. */
  batchError?: (error: unknown) => unknown;
  /**
   * Most batches handed to `commit` and not yet answered (default 1). Above 1, `commit` must apply
   * batches in call order, and settle them in that order.
   */
  maxInFlight?: number;
}

/** Queues inputs and commits them in batches, up to maxInFlight batches at a time. */
export class GroupCommit<I, R> extends Batcher<I, R> {
  /** `commit` must resolve only once the batch is durable (or reject), with one outcome per input. */
  constructor(commit: (inputs: readonly I[]) => Promise<Outcome<R>[]>, options: GroupCommitOptions = {}) {
    const { batchError = (error: unknown) => error } = options;
    super({
      write: commit,
      maxSize: options.maxBatch ?? DEFAULT_MAX_BATCH,
      maxInFlight: options.maxInFlight,
      // setImmediate runs after the I/O callbacks of this turn, so a burst of socket events read
      // together lands in one batch.
      schedule: (flush) => {
        const timer = setImmediate(flush);
        return () => clearImmediate(timer);
      },
      // A failed transaction stored none of its batch: every caller is rejected, none half-acked.
      onFailure: (error, batch) => {
        const reason = batchError(error);
        for (const waiter of batch) waiter.reject(reason);
      },
    });
  }
}
