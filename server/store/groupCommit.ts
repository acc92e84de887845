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
 * batch does, and how it is made durable, is the store's; queueing and settling are here.
 */

const DEFAULT_MAX_BATCH = 1_000;

/** One input's result inside a committed batch: its value, or an error that concerned only it. */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Waiter<I, R> {
  input: I;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

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
export class GroupCommit<I, R> {
  #queue: Waiter<I, R>[] = [];
  #timer: NodeJS.Immediate | null = null;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #maxInFlight: number;

  /** `commit` must resolve only once the batch is durable (or reject), with one outcome per input. */
  constructor(
    private readonly commit: (inputs: readonly I[]) => Promise<Outcome<R>[]>,
    private readonly options: GroupCommitOptions = {},
  ) {
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  }

  /** Queues one input; settles after the batch holding it has committed. */
  submit(input: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      // setImmediate runs after the I/O callbacks of this turn, so a burst of socket events read
      // together lands in one batch. With no room in flight, the end of a batch starts the next.
      if (this.#inFlight.size < this.#maxInFlight) this.#timer ??= setImmediate(() => this.#flush());
    });
  }

  /** Inputs waiting for the next batch. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Commits everything queued, including what arrives meanwhile, and resolves when none is left. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0 || this.#queue.length > 0) {
      this.#flush();
      await Promise.all(this.#inFlight);
    }
  }

  #flush(): void {
    if (this.#timer) clearImmediate(this.#timer);
    this.#timer = null;
    while (this.#inFlight.size < this.#maxInFlight && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.options.maxBatch ?? DEFAULT_MAX_BATCH);
      const run: Promise<void> = this.#run(batch).finally(() => {
        this.#inFlight.delete(run);
        // What gathered while no batch could leave goes now, as one batch.
        if (this.#queue.length > 0) this.#flush();
      });
      this.#inFlight.add(run);
    }
  }

  async #run(batch: Waiter<I, R>[]): Promise<void> {
    let outcomes: Outcome<R>[];
    try {
      outcomes = await this.commit(batch.map((w) => w.input));
      if (outcomes.length !== batch.length) throw new Error('group commit: one outcome per input expected');
    } catch (error) {
      const reason = this.options.batchError ? this.options.batchError(error) : error;
      for (const waiter of batch) waiter.reject(reason);
      return;
    }
    batch.forEach((waiter, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) waiter.resolve(outcome.value);
      else waiter.reject(outcome.error);
    });
  }
}
