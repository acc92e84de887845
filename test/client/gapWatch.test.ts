/**
 * The hub's gap rule (shared-worker/gaps.ts) run in Node: every seq learned (live entry, own ack,
 * receipt, page, summary) is checked against the device's contiguous cursor once the entry that
 * came with it is stored, and a hole or missing tail starts one catch-up per burst.
 */
import { describe, expect, it } from 'vitest';
import { GapWatch, missesEntries } from '../../shared-worker/gaps';

/** A device as the hub sees it: cursors per conversation and one task chain per conversation. */
function device(cursors: Record<string, number>) {
  const chains = new Map<string, Promise<void>>();
  const caughtUp: string[] = [];
  let reads = 0;
  const watch = new GapWatch({
    schedule: (id, task) => chains.set(id, (chains.get(id) ?? Promise.resolve()).then(task)),
    held: async (id) => {
      reads++;
      return cursors[id] ?? null;
    },
    catchUp: (id) => caughtUp.push(id),
  });
  return {
    watch,
    caughtUp,
    reads: () => reads,
    settled: () => Promise.all(chains.values()),
  };
}

describe('the gap rule', () => {
  it('misses entries when a learned seq is past the contiguous cursor', () => {
    expect(missesEntries(2, 2)).toBe(false);
    expect(missesEntries(3, 2)).toBe(false);
    expect(missesEntries(2, 3)).toBe(true);
    expect(missesEntries(0, 1)).toBe(true);
  });

  it('catches up when an own ack skips a seq the device never received', async () => {
    // Held 1 and 2; the ack of seq 4 is stored, but 3 (sent on another node) is missing.
    const d = device({ room: 2 });
    d.watch.learned('room', 4);
    await d.settled();
    expect(d.caughtUp).toEqual(['room']);
  });

  it('does nothing when an ack or live entry continues the line', async () => {
    const d = device({ room: 4 });
    d.watch.learned('room', 4);
    d.watch.learned('room', 3);
    await d.settled();
    expect(d.caughtUp).toEqual([]);
  });

  it('catches up on a receipt for entries this device does not hold', async () => {
    const d = device({ room: 3 });
    d.watch.learned('room', 5);
    await d.settled();
    expect(d.caughtUp).toEqual(['room']);
  });

  it('checks a burst of seqs once, against the highest', async () => {
    const d = device({ room: 10, quiet: 7 });
    for (let seq = 1; seq <= 200; seq++) d.watch.learned('room', seq);
    d.watch.learned('quiet', 7);
    await d.settled();
    expect(d.reads()).toBe(2);
    expect(d.caughtUp).toEqual(['room']);
    // The next seq after the check gets its own check.
    d.watch.learned('room', 10);
    await d.settled();
    expect(d.reads()).toBe(3);
    expect(d.caughtUp).toEqual(['room']);
  });

  it('ignores conversations the device does not hold', async () => {
    const d = device({});
    d.watch.learned('elsewhere', 9);
    await d.settled();
    expect(d.caughtUp).toEqual([]);
  });

  it('reads the cursor when the check runs, so an entry stored before it is not missed', async () => {
    const cursors = { room: 1 };
    const d = device(cursors);
    d.watch.learned('room', 2);
    // The entry with seq 2 is stored (in the chain) before the check runs: nothing is missing.
    cursors.room = 2;
    await d.settled();
    expect(d.caughtUp).toEqual([]);
    // A seq learned after that check schedules a new one.
    d.watch.learned('room', 3);
    await d.settled();
    expect(d.caughtUp).toEqual(['room']);
  });
});
