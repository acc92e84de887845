/**
 * Group commit: calls made during one event-loop turn share one transaction, so a durable
 * (fsync'd) commit is paid once per batch instead of once per message. Every caller's promise
 * settles only after that commit has returned; if the transaction fails, every caller in the
 * batch is rejected, so nothing is ever half-acked.
 */
import { performance } from 'node:perf_hooks';
import type { CommitInfo } from '../Store.js';

/** One input's result inside a committed batch: its value, or an error that concerned only it. */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Waiter<I, R> {
  input: I;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Called after every committed batch (metrics). Its errors are ignored. */
  onCommit?: (info: CommitInfo) => void;
  /** Turns a failed transaction's error into the error each caller of the batch receives. */
  batchError?: (error: unknown) => unknown;
}

/** Queues inputs and commits them in batches, one per event-loop turn. */
export class GroupCommit<I, R> {
  #queue: Waiter<I, R>[] = [];
  #timer: NodeJS.Immediate | null = null;

  /** `commit` runs synchronously and must commit (or throw) before it returns, one outcome per input. */
  constructor(
    private readonly commit: (inputs: readonly I[]) => Outcome<R>[],
    private readonly options: GroupCommitOptions = {},
  ) {}

  /** Queues one input; settles after the batch holding it has committed. */
  submit(input: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      // setImmediate runs after the I/O callbacks of this turn, so a burst of socket events read
      // together lands in one batch.
      this.#timer ??= setImmediate(() => this.flush());
    });
  }

  /** Inputs waiting for the next batch. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Commits everything queued right now (also used by close to drain the queue). */
  flush(): void {
    if (this.#timer) clearImmediate(this.#timer);
    this.#timer = null;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;

    const started = performance.now();
    let outcomes: Outcome<R>[];
    try {
      outcomes = this.commit(batch.map((w) => w.input));
      if (outcomes.length !== batch.length) throw new Error('group commit: one outcome per input expected');
    } catch (error) {
      const reason = this.options.batchError ? this.options.batchError(error) : error;
      for (const waiter of batch) waiter.reject(reason);
      return;
    }
    const ms = performance.now() - started;
    try {
      this.options.onCommit?.({ messages: batch.length, ms });
    } catch {
      // Metrics must never turn a committed batch into a failure.
    }
    batch.forEach((waiter, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) waiter.resolve(outcome.value);
      else waiter.reject(outcome.error);
    });
  }
}
