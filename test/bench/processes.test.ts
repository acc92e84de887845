/** bench/lib/processes.ts: the threads' times the relay steps report, read from /proc. */
import { isMainThread, Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { threadTimesOf } from '../../bench/lib/processes';
import { waitUntil } from '../support/wait';

const grown = (key: 'mainRunMs' | 'otherRunMs', from: number) => threadTimesOf(process.pid)![key] - from;

describe('threadTimesOf', () => {
  it.runIf(isMainThread)("counts the main thread's CPU apart from every other thread's", async () => {
    const before = threadTimesOf(process.pid)!;
    expect(before).not.toBeNull();
    // A worker on a CPU until stopped: its time shows among the other threads', read while it runs
    // (a thread that has ended takes its time out of /proc).
    const worker = new Worker('for (;;) {}', { eval: true });
    let middle: NonNullable<ReturnType<typeof threadTimesOf>>;
    try {
      await waitUntil("the worker's CPU time", () => grown('otherRunMs', before.otherRunMs) > 100, {
        timeoutMs: 30_000,
      });
      middle = threadTimesOf(process.pid)!;
    } finally {
      await worker.terminate();
    }
    // This thread only polled meanwhile.
    expect(middle.mainRunMs - before.mainRunMs).toBeLessThan(middle.otherRunMs - before.otherRunMs);

    // Now this thread on a CPU, until its own time has grown.
    const deadline = Date.now() + 30_000;
    while (grown('mainRunMs', middle.mainRunMs) < 100 && Date.now() < deadline) {
      // spinning
    }
    const after = threadTimesOf(process.pid)!;
    expect(after.mainRunMs - middle.mainRunMs).toBeGreaterThanOrEqual(100);
    expect(after.mainWaitMs).toBeGreaterThanOrEqual(before.mainWaitMs);
  });

  it('is null for a process that does not exist', () => {
    expect(threadTimesOf(2 ** 31 - 2)).toBeNull();
  });
});
