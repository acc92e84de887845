/** The client's coordination primitives (client-kit/): the rerun latch and the change coalescer. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coalesce, rerunLatch, sharedRun } from '../../client-kit/index';

/** A promise resolved from outside: a pass that ends when the test says so. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('rerunLatch', () => {
  it('runs one pass when nobody asks during it', async () => {
    let passes = 0;
    const latch = rerunLatch(async () => ++passes);
    expect(await latch.run()).toBe(1);
    expect(latch.running).toBe(false);
    expect(await latch.run()).toBe(2);
  });

  it('turns any number of calls during a run into one more pass, and shares its result', async () => {
    const gates = [gate(), gate()];
    let passes = 0;
    const latch = rerunLatch(async () => {
      const pass = passes++;
      await gates[pass]?.promise;
      return pass;
    });
    const first = latch.run();
    expect(latch.running).toBe(true);
    const second = latch.run();
    const third = latch.run();
    expect(second).toBe(first);
    expect(third).toBe(first);
    gates[0]!.open();
    gates[1]!.open();
    expect(await first).toBe(1);
    expect(passes).toBe(2);
    expect(latch.running).toBe(false);
  });

  it('ends the run when goOn says so, even if asked again', async () => {
    const pass = gate();
    let passes = 0;
    const latch = rerunLatch(
      async () => {
        passes++;
        await pass.promise;
        return 'offline';
      },
      (result) => result !== 'offline',
    );
    const run = latch.run();
    void latch.run();
    pass.open();
    expect(await run).toBe('offline');
    expect(passes).toBe(1);
  });

  it('frees itself after a pass throws', async () => {
    let fail = true;
    const latch = rerunLatch(async () => {
      if (fail) throw new Error('boom');
      return 'ok';
    });
    await expect(latch.run()).rejects.toThrow('boom');
    expect(latch.running).toBe(false);
    fail = false;
    expect(await latch.run()).toBe('ok');
  });

  it('sharedRun: callers during a run share it, and no extra pass follows', async () => {
    const pass = gate();
    let runs = 0;
    const list = sharedRun(async () => {
      runs++;
      await pass.promise;
      return runs;
    });
    const a = list();
    const b = list();
    pass.open();
    expect(await a).toBe(1);
    expect(await b).toBe(1);
    expect(runs).toBe(1);
    expect(await list()).toBe(2);
  });
});

describe('coalesce', () => {
  let clock = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 0;
  });
  afterEach(() => vi.useRealTimers());

  const advance = (ms: number): void => {
    clock += ms;
    vi.advanceTimersByTime(ms);
  };

  function setup(options: { minGapMs: number; batchMs?: number }) {
    const emitted: Array<{ at: number; items: number[] }> = [];
    const coalescer = coalesce<number[]>({
      merge: (a, b) => [...a, ...b],
      emit: (items) => emitted.push({ at: clock, items }),
      now: () => clock,
      ...options,
    });
    return { coalescer, emitted };
  }

  it('emits a lone item at once without batchMs, then merges a burst into one emit per gap', () => {
    const { coalescer, emitted } = setup({ minGapMs: 75 });
    coalescer.push([1]);
    expect(emitted).toEqual([{ at: 0, items: [1] }]);
    advance(10);
    coalescer.push([2]);
    advance(10);
    coalescer.push([3]);
    expect(emitted).toHaveLength(1);
    advance(55);
    expect(emitted).toEqual([
      { at: 0, items: [1] },
      { at: 75, items: [2, 3] },
    ]);
    // Long after the last emit, a lone item goes out at once again.
    advance(500);
    coalescer.push([4]);
    expect(emitted.at(-1)).toEqual({ at: 575, items: [4] });
  });

  it('with batchMs, a lone item waits for others, and emits stay minGapMs apart', () => {
    const { coalescer, emitted } = setup({ minGapMs: 75, batchMs: 16 });
    coalescer.push([1]);
    expect(emitted).toHaveLength(0);
    advance(5);
    coalescer.push([2]);
    advance(11);
    expect(emitted).toEqual([{ at: 16, items: [1, 2] }]);
    coalescer.push([3]);
    advance(16);
    expect(emitted).toHaveLength(1);
    advance(59);
    expect(emitted.at(-1)).toEqual({ at: 91, items: [3] });
  });

  it('flush emits what waits now, and nothing when nothing waits', () => {
    const { coalescer, emitted } = setup({ minGapMs: 75 });
    coalescer.push([1]);
    coalescer.push([2]);
    coalescer.flush();
    expect(emitted.map((e) => e.items)).toEqual([[1], [2]]);
    coalescer.flush();
    advance(100);
    expect(emitted).toHaveLength(2);
  });
});
