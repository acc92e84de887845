/**
 * The shared batcher (contract/batcher.ts), under the server's group commit and the hub's
 * catch-up pages: inputs queued together leave as one batch, capped by size, at most maxInFlight
 * batches at once, in the order queued; a failed write is the injected policy's to settle.
 */
import { describe, expect, it } from 'vitest';
import { Batcher, type BatcherOptions, type Outcome } from '../../contract/batcher';
import { waitUntil } from '../support/wait';

/** A scheduler run by hand: `run()` calls the flush scheduled, if any. */
function handScheduler() {
  let scheduled: (() => void) | null = null;
  return {
    schedule(flush: () => void) {
      scheduled = flush;
      return () => {
        if (scheduled === flush) scheduled = null;
      };
    },
    run() {
      const flush = scheduled;
      scheduled = null;
      flush?.();
    },
    get waiting() {
      return scheduled !== null;
    },
  };
}

/**
 * A writer that records each batch and holds it until `release()` lets the oldest one end; it
 * throws for a batch holding a `broken` input, and gives a negative input an error of its own.
 */
function heldWriter(broken = new Set<number>()) {
  const batches: number[][] = [];
  const held: Array<() => void> = [];
  const write = async (inputs: readonly number[]): Promise<Outcome<string>[]> => {
    batches.push([...inputs]);
    await new Promise<void>((resolve) => held.push(resolve));
    if (inputs.some((n) => broken.has(n))) throw new Error('cannot write');
    return inputs.map((n) =>
      n < 0 ? { ok: false, error: new Error(`bad ${n}`) } : { ok: true, value: `v${n}` },
    );
  };
  const release = () => held.shift()!();
  return { write, batches, held, release };
}

type Options = BatcherOptions<number, string>;
const rejectAll: Options['onFailure'] = (error, batch) => batch.forEach((w) => w.reject(error));
const quick = { intervalMs: 1 };

/** A batcher over a held writer and a hand scheduler, rejecting a failed batch's callers unless told. */
function setup(options: Partial<Options> = {}, broken?: Set<number>) {
  const writer = heldWriter(broken);
  const scheduler = handScheduler();
  const batcher = new Batcher<number, string>({
    ...scheduler,
    write: writer.write,
    onFailure: rejectAll,
    maxSize: 100,
    ...options,
  });
  return { writer, scheduler, batcher };
}

describe('batching queued inputs', () => {
  it('writes the inputs queued before the flush as one batch, each caller getting its own outcome', async () => {
    const { writer, scheduler, batcher } = setup();
    const calls = [1, -2, 3].map((n) => batcher.submit(n));
    expect(scheduler.waiting).toBe(true);
    expect(writer.batches).toEqual([]);
    expect(batcher.pending).toBe(3);

    scheduler.run();
    expect(writer.batches).toEqual([[1, -2, 3]]);
    expect(batcher.pending).toBe(0);
    writer.release();
    const settled = await Promise.allSettled(calls);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : String(s.reason)))).toEqual([
      'v1',
      'Error: bad -2',
      'v3',
    ]);
  });

  it('caps a batch at maxSize as sizeOf counts it, yet takes one input however large', async () => {
    const { writer, scheduler, batcher } = setup({ maxSize: 5, sizeOf: (n) => n, maxInFlight: 10 });
    const calls = [2, 3, 1, 9, 1].map((n) => batcher.submit(n));
    scheduler.run();
    expect(writer.batches).toEqual([[2, 3], [1], [9], [1]]);
    writer.held.forEach((release) => release());
    expect(await Promise.all(calls)).toEqual(['v2', 'v3', 'v1', 'v9', 'v1']);
  });

  it('keeps at most maxInFlight batches being written, and sends what gathered meanwhile as one batch', async () => {
    const { writer, scheduler, batcher } = setup({ maxSize: 2, maxInFlight: 2 });
    const calls = [batcher.submit(1)];
    scheduler.run();
    expect(writer.batches).toEqual([[1]]);

    // Room for one more: a new input is scheduled, and the end of the batch before sends it at
    // once, calling the scheduled flush off.
    calls.push(batcher.submit(2));
    expect(scheduler.waiting).toBe(true);
    writer.release();
    await waitUntil('the scheduled input to leave', () => writer.batches.length === 2, quick);
    expect(writer.batches[1]).toEqual([2]);
    expect(scheduler.waiting).toBe(false);

    // One place left: one batch of the three waiting leaves, the last waits.
    calls.push(...[3, 4, 5].map((n) => batcher.submit(n)));
    scheduler.run();
    expect(writer.batches).toEqual([[1], [2], [3, 4]]);
    // No room in flight: nothing is scheduled, the end of a batch sends what waits together.
    calls.push(batcher.submit(6));
    expect(scheduler.waiting).toBe(false);
    writer.release();
    await waitUntil('the gathered batch to leave', () => writer.batches.length === 4, quick);
    expect(writer.batches[3]).toEqual([5, 6]);
    writer.held.forEach((release) => release());
    expect(await Promise.all(calls)).toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
  });

  it('writes batches and settles callers in the order their inputs were queued', async () => {
    const { writer, batcher } = setup({ schedule: (flush) => flush(), maxSize: 2 });
    const settledOrder: string[] = [];
    const calls = [1, 2, 3, 4, 5, 6].map((n) => batcher.submit(n).then((v) => void settledOrder.push(v)));
    // A scheduler that flushes at once sends the first input alone; the rest wait for its end.
    expect(writer.batches).toEqual([[1]]);
    for (const written of [2, 3, 4]) {
      writer.release();
      await waitUntil('the next batch', () => writer.batches.length === written, quick);
    }
    writer.release();
    await Promise.all(calls);
    expect(writer.batches).toEqual([[1], [2, 3], [4, 5], [6]]);
    expect(settledOrder).toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
  });

  it('drains everything queued without waiting for the scheduler', async () => {
    const { writer, batcher } = setup({ maxSize: 2 });
    const calls = [1, 2, 3].map((n) => batcher.submit(n));
    const drained = batcher.drain();
    expect(writer.batches).toEqual([[1, 2]]);
    writer.release();
    await waitUntil('the second batch', () => writer.batches.length === 2, quick);
    writer.release();
    await drained;
    expect(await Promise.all(calls)).toEqual(['v1', 'v2', 'v3']);
  });
});

describe('a group of inputs', () => {
  it('leaves in one batch: whole when it fits, in the next batch when it does not, whole past maxSize when first', async () => {
    const { writer, scheduler, batcher } = setup({ maxSize: 4, maxInFlight: 10 });
    const calls = [
      batcher.submit(1),
      batcher.submit(2),
      ...batcher.submitGroup([10, 11, 12]),
      batcher.submit(3),
      ...batcher.submitGroup([20, 21, 22, 23, 24, 25]),
      batcher.submit(4),
    ];
    scheduler.run();
    expect(writer.batches).toEqual([[1, 2], [10, 11, 12, 3], [20, 21, 22, 23, 24, 25], [4]]);
    writer.held.forEach((release) => release());
    expect(await Promise.all(calls)).toEqual([
      'v1',
      'v2',
      'v10',
      'v11',
      'v12',
      'v3',
      'v20',
      'v21',
      'v22',
      'v23',
      'v24',
      'v25',
      'v4',
    ]);
  });

  it('fails together: none of a group is written when the batch holding it fails', async () => {
    const { writer, scheduler, batcher } = setup({ maxSize: 2, maxInFlight: 10 }, new Set([31]));
    const group = batcher.submitGroup([30, 31, 32]);
    const after = batcher.submit(5);
    scheduler.run();
    expect(writer.batches).toEqual([[30, 31, 32], [5]]);
    writer.held.forEach((release) => release());
    const settled = await Promise.allSettled([...group, after]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected', 'fulfilled']);
  });
});

describe('a failed write', () => {
  it('goes to onFailure with its error and waiters, which may write some again while the batch holds its place', async () => {
    const failures: Array<{ error: string; inputs: number[] }> = [];
    // The hub's policy: a failed batch is written again input by input.
    const onFailure: Options['onFailure'] = async (error, batch, retry) => {
      failures.push({ error: String(error), inputs: batch.map((w) => w.input) });
      if (batch.length === 1) return batch[0]!.reject(error);
      for (const waiter of batch) await retry([waiter]);
    };
    const { writer, scheduler, batcher } = setup({ onFailure }, new Set([13]));
    const calls = [1, 13, 2].map((n) => batcher.submit(n));
    scheduler.run();
    const settled = Promise.allSettled([...calls, batcher.submit(4)]);
    for (let written = 1; written < 5; written++) {
      writer.release();
      await waitUntil('the next write', () => writer.batches.length > written, quick);
    }
    writer.release();
    expect(writer.batches).toEqual([[1, 13, 2], [1], [13], [2], [4]]);
    expect(failures).toEqual([
      { error: 'Error: cannot write', inputs: [1, 13, 2] },
      { error: 'Error: cannot write', inputs: [13] },
    ]);
    expect((await settled).map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  });

  it('counts a write that gives the wrong number of outcomes as failed', async () => {
    const errors: string[] = [];
    const { scheduler, batcher } = setup({
      write: async () => [{ ok: true, value: 'only one' }],
      onFailure: (error, batch, retry) => {
        errors.push(String(error));
        return rejectAll(error, batch, retry);
      },
    });
    const calls = [1, 2].map((n) => batcher.submit(n));
    scheduler.run();
    const settled = await Promise.allSettled(calls);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(errors).toEqual(['Error: batcher: one outcome per input expected']);
  });
});
