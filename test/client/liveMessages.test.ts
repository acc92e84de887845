/** Relayed messages shown before the tab has read them back from IndexedDB (web/data/liveMessages.ts). */
import { describe, expect, it } from 'vitest';
import { stillLive, withLive } from '../../web/data/liveMessages';
import { messageAt } from './support/messages';

const sender = { id: 'u-live-sender', username: 'live-sender' };
const at = (seq: number) => messageAt('c1', seq, sender);
const seqs = (list: { seq: number }[]) => list.map((m) => m.seq);

describe('live messages beside what was read', () => {
  it('shows a live message the read does not hold yet, in seq order, once', () => {
    expect(seqs(withLive([at(1), at(2)], [at(4), at(3)]))).toEqual([1, 2, 3, 4]);
    expect(seqs(withLive([at(1), at(2)], [at(2)]))).toEqual([1, 2]);
  });

  it('keeps the read array itself when live messages add nothing', () => {
    const read = [at(1), at(2)];
    expect(withLive(read, [])).toBe(read);
    expect(withLive(read, [at(2)])).toBe(read);
  });

  it('drops a live message once a read holds it, and keeps one a read from before its write missed', () => {
    expect(seqs(stillLive([at(3), at(4)], [at(1), at(2), at(3)]))).toEqual([4]);
    expect(seqs(stillLive([at(3)], [at(1), at(2)]))).toEqual([3]);
  });

  it('drops a live message below the window read (the window decides what is on screen)', () => {
    expect(seqs(stillLive([at(1), at(60)], [at(11), at(12)]))).toEqual([60]);
  });

  it('keeps every live message while nothing was read yet', () => {
    expect(seqs(stillLive([at(5)], []))).toEqual([5]);
  });
});
