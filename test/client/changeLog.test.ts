import { describe, expect, it } from 'vitest';
import { ChangeLog } from '../../shared-worker/changeLog';

/** A clock the test moves by hand. */
function clock(start = 1_000): { now: () => number; set(t: number): void } {
  let t = start;
  return { now: () => t, set: (next) => (t = next) };
}

describe('the changes a hub told its tabs, asked for by a tab that says hello late', () => {
  it('is nothing when nothing was told since the tab started', () => {
    const time = clock();
    const log = new ChangeLog(true, time.now);
    time.set(1_100);
    log.record({ stores: ['messages'], conversationIds: ['a'] });
    expect(log.since(1_200)?.stores).toEqual([]);
  });

  it('merges what was told since, by store and conversation', () => {
    const time = clock();
    const log = new ChangeLog(true, time.now);
    time.set(1_100);
    log.record({ stores: ['messages'], conversationIds: ['old'] });
    time.set(1_300);
    log.record({ stores: ['messages'], conversationIds: ['a'] });
    time.set(1_400);
    log.record({ stores: ['members', 'conversations'], conversationIds: ['b'] });
    const missed = log.since(1_200)!;
    expect([...missed.stores].sort()).toEqual(['conversations', 'members', 'messages']);
    expect([...missed.conversationIds!].sort()).toEqual(['a', 'b']);
  });

  it('names any conversation when one change named none', () => {
    const time = clock();
    const log = new ChangeLog(true, time.now);
    log.record({ stores: ['messages'], conversationIds: ['a'] });
    log.record({ stores: ['outbox'] });
    expect(log.since(900)).toEqual({ stores: ['messages', 'outbox'] });
  });

  it('cannot tell for a tab that started before an elected hub (its predecessor may have written)', () => {
    const log = new ChangeLog(false, clock(1_000).now);
    expect(log.since(900)).toBeNull();
    expect(log.since(1_000)?.stores).toEqual([]);
  });

  it('cannot tell once changes since the tab started were forgotten', () => {
    const time = clock();
    const log = new ChangeLog(true, time.now);
    for (let i = 1; i <= 300; i++) {
      time.set(1_000 + i);
      log.record({ stores: ['messages'], conversationIds: [`c${i}`] });
    }
    expect(log.since(1_050)).toBeNull();
    expect(log.since(1_290)?.conversationIds).toHaveLength(11);
  });
});
