/**
 * Leave racing connect on SQLite: 120 rounds, none of which may leave a socket or an SSE feed of
 * the user hearing the room, or let a send into it through. (test/scale/leaveRace.test.ts runs the
 * same rounds on PostgreSQL.)
 */
import { describe, expect, it } from 'vitest';
import { startTestServer } from './support/app.js';
import { raceHooks, runLeaveRace, type RaceHooks } from './support/leaveRace.js';

describe('leaving while a socket connects (SQLite)', () => {
  it('leaks nothing in 120 rounds', async () => {
    let hooks!: RaceHooks;
    const node = await startTestServer({
      wrapStore: (real) => {
        const wrapped = raceHooks(real);
        hooks = wrapped.hooks;
        return wrapped.store;
      },
    });
    try {
      const result = await runLeaveRace(node.url, node.app.io, hooks, 120);
      console.log(`leave race (SQLite): ${JSON.stringify(result)}`);
      expect(result).toEqual({ rounds: 120, received: 0, accepted: 0, openFeeds: 0, leaks: [] });
    } finally {
      await node.close();
    }
  }, 120_000);
});
