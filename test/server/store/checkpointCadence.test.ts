/** How many transactions the idle SQLite writer lets pass between two WAL checkpoints. */
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_WAL_PAGES,
  commitsPerCheckpoint,
  FIRST_CHECKPOINT_COMMITS,
} from '../../../server/store/sqlite/checkpoint.js';

describe('commitsPerCheckpoint', () => {
  it('waits for as many transactions as fill the WAL to its target at the pages each one wrote', () => {
    // 20 transactions of 10 pages: 200 transactions make the target's 2,000 pages.
    expect(commitsPerCheckpoint(200, 20, FIRST_CHECKPOINT_COMMITS)).toBe(CHECKPOINT_WAL_PAGES / 10);
    // Bigger transactions (a busy writer's batches): fewer of them.
    expect(commitsPerCheckpoint(5_000, 50, 200)).toBe(CHECKPOINT_WAL_PAGES / 100);
  });

  it('never checkpoints more often than every FIRST_CHECKPOINT_COMMITS, nor waits past 1,000 transactions', () => {
    expect(commitsPerCheckpoint(10_000, 2, 200)).toBe(FIRST_CHECKPOINT_COMMITS);
    expect(commitsPerCheckpoint(10, 100, 200)).toBe(1_000);
  });

  it('keeps the current number when the checkpoint copied nothing or followed no transaction', () => {
    expect(commitsPerCheckpoint(0, 30, 77)).toBe(77);
    expect(commitsPerCheckpoint(300, 0, 77)).toBe(77);
  });
});
