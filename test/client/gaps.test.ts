/**
 * The gap rule (shared-worker/gaps.ts): every seq learned is checked against the device's
 * contiguous cursor once its entry is stored, one check per conversation however many seqs
 * arrive, and a catch-up only when something is missing.
 */
import { describe, expect, it } from 'vitest';
import { GapWatch, missesEntries } from '../../shared-worker/gaps';

/** A GapWatch whose chain runs only when the test says, over cursors the test sets. */
function setup(cursors: Record<string, number | null>) {
  const queued: Array<() => Promise<void>> = [];
  const caughtUp: string[] = [];
  const reads: string[] = [];
  const watch = new GapWatch({
    schedule: (_conversationId, task) => queued.push(task),
    held: async (conversationId) => {
      reads.push(conversationId);
      return cursors[conversationId] ?? null;
    },
    catchUp: (conversationId) => caughtUp.push(conversationId),
  });
  const runChain = async (): Promise<void> => {
    while (queued.length > 0) await queued.shift()!();
  };
  return { watch, queued, caughtUp, reads, runChain };
}

describe('the gap rule', () => {
  it('misses entries only when the server holds more than the device', () => {
    expect(missesEntries(5, 6)).toBe(true);
    expect(missesEntries(5, 5)).toBe(false);
    expect(missesEntries(7, 5)).toBe(false);
  });

  it('catches up a conversation whose cursor is below a learned seq', async () => {
    const { watch, caughtUp, runChain } = setup({ a: 3 });
    watch.learned('a', 4);
    await runChain();
    expect(caughtUp).toEqual(['a']);
  });

  it('does nothing when the device already holds that seq, or does not cache the conversation', async () => {
    const { watch, caughtUp, runChain } = setup({ a: 4, gone: null });
    watch.learned('a', 4);
    watch.learned('a', 2);
    watch.learned('gone', 9);
    await runChain();
    expect(caughtUp).toEqual([]);
  });

  it('checks once per conversation for a burst, against the highest seq learned', async () => {
    const { watch, queued, caughtUp, reads, runChain } = setup({ a: 5, b: 1 });
    watch.learned('a', 3);
    watch.learned('a', 6);
    watch.learned('a', 4);
    watch.learned('b', 1);
    expect(queued).toHaveLength(2);
    await runChain();
    expect(reads).toEqual(['a', 'b']);
    expect(caughtUp).toEqual(['a']);
  });

  it('reads the cursor when the check runs, after what was queued before it is stored', async () => {
    const cursors: Record<string, number | null> = { a: 1 };
    const { watch, caughtUp, runChain } = setup(cursors);
    watch.learned('a', 2);
    // The entry with seq 2 is stored before the check runs: nothing is missing then.
    cursors.a = 2;
    await runChain();
    expect(caughtUp).toEqual([]);
    // A seq learned after the check ran schedules a new one.
    watch.learned('a', 3);
    await runChain();
    expect(caughtUp).toEqual(['a']);
  });
});
