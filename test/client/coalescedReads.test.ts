/**
 * The page's coalesced re-reads (web/data/live.ts coalescedReads): a burst of change notices is
 * read once, a notice during a read gets exactly one read after it (never beside it), and nothing
 * is read after stop().
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coalescedReads } from '../../web/data/live';

/** Animation frames run by hand (Node has none). */
let frames: Array<() => void> = [];
beforeEach(() => {
  frames = [];
  globalThis.requestAnimationFrame = (fn: FrameRequestCallback) => frames.push(() => fn(0));
  globalThis.cancelAnimationFrame = (id: number) => {
    frames[id - 1] = () => {};
  };
});
afterEach(() => {
  frames = [];
});

function frame(): void {
  const due = frames;
  frames = [];
  for (const run of due) run();
}

/** A read that finishes when told to. */
function reads() {
  const finish: Array<() => void> = [];
  let started = 0;
  const read = (): Promise<void> => {
    started++;
    return new Promise<void>((resolve) => finish.push(resolve));
  };
  return { read, finish, started: () => started };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('coalescedReads', () => {
  it('reads a burst once, and a notice during a read once after it', async () => {
    const r = reads();
    const changes = coalescedReads(r.read);
    for (let i = 0; i < 10; i++) changes.soon();
    expect(r.started()).toBe(0);
    frame();
    expect(r.started()).toBe(1);

    for (let i = 0; i < 10; i++) changes.soon();
    frame();
    expect(r.started()).toBe(1);
    r.finish[0]!();
    await settle();
    frame();
    expect(r.started()).toBe(2);
    r.finish[1]!();
    await settle();
    frame();
    expect(r.started()).toBe(2);
    changes.stop();
  });

  it('reads nothing once stopped, neither at the frame nor at the fallback timer', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const r = reads();
      const changes = coalescedReads(r.read);
      changes.soon();
      changes.stop();
      frame();
      vi.runAllTimers();
      expect(r.started()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
