/**
 * Leave racing connect on SQLite: 120 rounds, none of which may leave a socket or an SSE feed of
 * the user hearing the room, or let a send into it through. (test/scale/leaveRace.test.ts runs the
 * same rounds on PostgreSQL.)
 */
import { describe, expect, it } from 'vitest';
import { HttpPath, eventsPath } from '../../contract/index.js';
import { startTestServer } from './support/app.js';
import { createRoom, http, makeSocket, openSse, signUp } from './support/clients.js';
import { raceHooks, runLeaveRace, type RaceHooks } from './support/leaveRace.js';
import { waitUntil } from '../support/wait.js';

describe('leaving while a socket connects (SQLite)', () => {
  it('leaks nothing in 120 rounds', async () => {
    let hooks!: RaceHooks;
    const node = await startTestServer({
      // Two messages a round: the send limit is not what this test is about.
      env: { SEND_BURST: '100000' },
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
  it('leaves no socket or feed open when the session signs out while they are being set up', async () => {
    let hooks!: RaceHooks;
    const node = await startTestServer({
      wrapStore: (real) => {
        const wrapped = raceHooks(real);
        hooks = wrapped.hooks;
        return wrapped.store;
      },
    });
    try {
      const bob = await signUp(node.url);
      await createRoom(node.url, bob, 'signing out');
      const signOut = async (): Promise<void> =>
        void (await http(node.url, HttpPath.signout, { method: 'POST', cookie: bob.cookie }));
      // The sign-out lands inside the socket's handshake, after its session was found valid.
      hooks.duringConversationRead(bob.id, signOut);
      const socket = makeSocket(node.url, bob.cookie);
      const outcome = await new Promise<string>((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', () => resolve('refused'));
      });
      if (outcome === 'connected') {
        await waitUntil('the socket to be closed', () => !socket.connected, { timeoutMs: undefined });
      }
      expect(node.app.io.of('/').sockets.size).toBe(0);
      // The same for an SSE feed: the sign-out lands inside its checks.
      const again = await signUp(node.url);
      const other = await createRoom(node.url, again, 'signing out too');
      hooks.duringConversationLookup(other.id, async () => {
        await http(node.url, HttpPath.signout, { method: 'POST', cookie: again.cookie });
      });
      const feed = await openSse(node.url, eventsPath(other.id), again.cookie);
      if (feed.status === 200)
        await waitUntil('the feed to close', () => feed.ended(), { timeoutMs: undefined });
      else expect(feed.status).toBe(401);
      feed.close();
    } finally {
      await node.close();
    }
  });
});
