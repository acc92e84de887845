/**
 * Batching behind a bounded pipeline, shared by the server's group commit (server/store/
 * groupCommit.ts) and the hub's catch-up pages (shared-worker/pageBatches.ts): inputs queued
 * together leave as one batch, capped by size; at most maxInFlight batches are being written at
 * once, and what queues meanwhile leaves as the next batch when one ends; every caller settles
 * with the write of the batch that held it. When a batch leaves (`schedule`) and what a failed
 * write means for its callers (`onFailure`) are the user's.
 *
 * It lives here, not in client-kit/, because the contract is the one folder the server and the
 * browser contexts both compile, and, like the rest of it, it uses only ECMAScript.
 */

/** One input's result inside a written batch: its value, or an error that concerned only it. */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** A caller waiting for the batch that holds its input. */
export interface BatchWaiter<I, R> {
  readonly input: I;
  /** Set on the inputs of one submitGroup call: they always leave in the same batch. */
  readonly group?: object;
  resolve(value: R): void;
  reject(error: unknown): void;
}

export interface BatcherOptions<I, R> {
  /** Writes one batch; resolves once it is stored, with one outcome per input, in order. */
  write(inputs: readonly I[]): Promise<readonly Outcome<R>[]>;
  /**
   * Has `flush` called, at once or later (so that inputs queued meanwhile join the batch);
   * may return how to call it off, used when the batch leaves earlier.
   */
  schedule(flush: () => void): (() => void) | void;
  /**
   * Settles every waiter of a batch whose write failed (threw, or did not give one outcome per
   * input). `retry` writes some of them again as a batch of their own, with this same policy; the
   * batch keeps its place in flight until this resolves. Must not throw.
   */
  onFailure(
    error: unknown,
    batch: readonly BatchWaiter<I, R>[],
    retry: (waiters: readonly BatchWaiter<I, R>[]) => Promise<void>,
  ): void | Promise<void>;
  /** Most size in one batch; a batch takes at least one input, however large. */
  maxSize: number;
  /** An input's part of maxSize (default 1: maxSize counts inputs). */
  sizeOf?: (input: I) => number;
  /** Most batches written at once (default 1, so batches are written in the order they left). */
  maxInFlight?: number;
}

/** Queues inputs and writes them in batches, up to maxInFlight batches at a time. */
export class Batcher<I, R> {
  #queue: BatchWaiter<I, R>[] = [];
  #scheduled = false;
  #cancel: (() => void) | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #options: BatcherOptions<I, R>;
  readonly #maxInFlight: number;

  constructor(options: BatcherOptions<I, R>) {
    this.#options = options;
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  }

  /** Queues one input; settles after the batch holding it has been written. */
  submit(input: I): Promise<R> {
    return this.#enqueue(input);
  }

  /**
   * Queues inputs that must be written together: they leave in one batch, in this order, even
   * past maxSize, so one failed write fails all of them and none is written without the others.
   */
  submitGroup(inputs: readonly I[]): Promise<R>[] {
    const group = {};
    return inputs.map((input) => this.#enqueue(input, group));
  }

  #enqueue(input: I, group?: object): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push(group ? { input, group, resolve, reject } : { input, resolve, reject });
      // With no room in flight, the end of a batch starts the next.
      if (this.#inFlight.size < this.#maxInFlight && !this.#scheduled) {
        this.#scheduled = true;
        const cancel = this.#options.schedule(() => this.#flush());
        // A scheduler that flushed at once has nothing left to call off.
        if (this.#scheduled && cancel) this.#cancel = cancel;
      }
    });
  }

  /** Inputs waiting for the next batch. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Writes everything queued, including what arrives meanwhile, and resolves when none is left. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0 || this.#queue.length > 0) {
      this.#flush();
      await Promise.all(this.#inFlight);
    }
  }

  #flush(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#scheduled = false;
    while (this.#inFlight.size < this.#maxInFlight && this.#queue.length > 0) {
      const run: Promise<void> = this.#write(this.#take()).finally(() => {
        this.#inFlight.delete(run);
        // What gathered while no batch could leave goes now, as one batch.
        if (this.#queue.length > 0) this.#flush();
      });
      this.#inFlight.add(run);
    }
  }

  /**
   * The oldest waiting inputs, up to maxSize (at least one). A group counts as one input of its
   * whole size: it is taken whole or left for the next batch (taken whole even past maxSize when
   * it comes first). A group's inputs are next to each other: submitGroup queues them in one go.
   */
  #take(): BatchWaiter<I, R>[] {
    const { maxSize, sizeOf = () => 1 } = this.#options;
    const queue = this.#queue;
    let size = 0;
    let n = 0;
    while (n < queue.length) {
      const group = queue[n]!.group;
      let end = n + 1;
      if (group) while (end < queue.length && queue[end]!.group === group) end++;
      let unit = 0;
      for (let i = n; i < end; i++) unit += sizeOf(queue[i]!.input);
      if (n > 0 && size + unit > maxSize) break;
      size += unit;
      n = end;
    }
    return queue.splice(0, n);
  }

  async #write(batch: readonly BatchWaiter<I, R>[]): Promise<void> {
    let outcomes: readonly Outcome<R>[];
    try {
      outcomes = await this.#options.write(batch.map((w) => w.input));
      if (outcomes.length !== batch.length) throw new Error('batcher: one outcome per input expected');
    } catch (error) {
      await this.#options.onFailure(error, batch, (waiters) => this.#write(waiters));
      return;
    }
    batch.forEach((waiter, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) waiter.resolve(outcome.value);
      else waiter.reject(outcome.error);
    });
  }
}
