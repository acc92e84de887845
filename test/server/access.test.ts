/**
 * Access ends everywhere at once: after leaving a room, signing out, or the session's expiry, no
 * live channel of that user (WebSocket, long-polling, Server-Sent Events) hears the conversation
 * any more, and the SSE feed is closed.
 */
import { describe, expect, it } from 'vitest';
import { HttpPath, eventsPath, leavePath, ServerEvent } from '../../contract/index.js';
import { hashSessionToken } from '../../server/auth/tokens.js';
import { bobListening } from './support/access.js';
import { startTestServer, useTestServer } from './support/app.js';
import {
  collect,
  createRoom,
  http,
  joinRoom,
  nextEvent,
  openSse,
  sendAccepted,
  sendHttp,
  sseTexts,
  signIn,
  signUp,
  type ClientSocket,
  type TestUser,
} from './support/clients.js';
import { waitUntil } from '../support/wait.js';

const srv = useTestServer();

/**
 * Proves that none of `sockets` hears `room` any more: a message to it, then a marker to
 * `other` from the same sender; each socket that gets the marker would have had the message
 * first. Sockets that were disconnected are skipped.
 */
async function expectDeaf(
  url: string,
  sender: TestUser,
  room: string,
  other: string | null,
  sockets: ClientSocket[],
): Promise<void> {
  const heard = sockets.map((s) => collect(s, ServerEvent.message));
  await sendHttp(url, sender, room, 'after');
  if (other) {
    const markers = sockets.map((s) => nextEvent(s, ServerEvent.message, (m) => m.text === 'marker'));
    await sendHttp(url, sender, other, 'marker');
    await Promise.all(markers);
  }
  for (const h of heard) expect(h.items.map((m) => m.text)).not.toContain('after');
}

describe('access ends on every live channel', () => {
  it('after leaving a room: sockets leave it, its SSE feed is closed, sends are refused', async () => {
    const { alice, bob, room, other, sockets, feed } = await bobListening(srv.url);
    const left = await http(srv.url, leavePath(room.id), { method: 'POST', cookie: bob.cookie });
    expect(left.status).toBe(200);
    await waitUntil('the SSE feed to close', () => feed.ended(), { timeoutMs: undefined });
    await expectDeaf(srv.url, alice, room.id, other.id, sockets);
    expect(sseTexts(feed)).not.toContain('after');
    for (const socket of sockets) {
      expect(socket.connected).toBe(true);
      expect(await sendAccepted(socket, room.id, 'still here?')).toBe(false);
    }
  });

  it('after signing out: every socket and SSE feed of that session is closed', async () => {
    const { alice, bob, room, sockets, feed } = await bobListening(srv.url);
    const out = await http(srv.url, HttpPath.signout, { method: 'POST', cookie: bob.cookie });
    expect(out.status).toBe(200);
    await waitUntil('the SSE feed to close', () => feed.ended(), { timeoutMs: undefined });
    await waitUntil('the sockets to be disconnected', () => sockets.every((s) => !s.connected), {
      timeoutMs: undefined,
    });
    await sendHttp(srv.url, alice, room.id, 'after');
    expect(sseTexts(feed)).not.toContain('after');
  });

  it('when the session expires: every socket and SSE feed of it is closed', async () => {
    // About 4 s of session: long enough to set up on a busy machine, short enough to wait for.
    const node = await startTestServer({ env: { SESSION_TTL_DAYS: '0.00005' } });
    try {
      const { alice, room, sockets, feed } = await bobListening(node.url);
      await waitUntil('the SSE feed to close at expiry', () => feed.ended(), { timeoutMs: 15_000 });
      await waitUntil('the sockets to be disconnected', () => sockets.every((s) => !s.connected), {
        timeoutMs: 15_000,
      });
      // Alice's session has expired too: she signs in again to send.
      const again = await signIn(node.url, alice.username, alice.password);
      await sendHttp(node.url, { ...alice, cookie: again.cookie! }, room.id, 'after');
      expect(sseTexts(feed)).not.toContain('after');
    } finally {
      await node.close();
    }
  });

  it('a feed opened with another session of the same user lives on after one session signs out', async () => {
    const { alice, bob, room, feed } = await bobListening(srv.url);
    const signedIn = await http(srv.url, HttpPath.signin, {
      method: 'POST',
      body: { username: bob.username, password: bob.password },
    });
    const second = signedIn.headers.getSetCookie()[0]!.split(';', 1)[0]!;
    const otherFeed = await openSse(srv.url, eventsPath(room.id), second);
    await http(srv.url, HttpPath.signout, { method: 'POST', cookie: bob.cookie });
    await waitUntil('the signed-out feed to close', () => feed.ended(), { timeoutMs: undefined });
    await sendHttp(srv.url, alice, room.id, 'for the other session');
    await otherFeed.until(() => sseTexts(otherFeed).includes('for the other session'));
    expect(otherFeed.ended()).toBe(false);
    otherFeed.close();
  });
  it('closes an SSE feed whose session or membership was removed behind the server’s back, at the next heartbeat', async () => {
    const node = await startTestServer({ env: { SSE_HEARTBEAT_MS: '200' } });
    try {
      const alice = await signUp(node.url);
      const bob = await signUp(node.url);
      const room = await createRoom(node.url, alice, 'revoked');
      await joinRoom(node.url, bob, room.inviteCode!);
      const aliceFeed = await openSse(node.url, eventsPath(room.id), alice.cookie);
      const bobFeed = await openSse(node.url, eventsPath(room.id), bob.cookie);
      // No announcement: straight in the store, as a revocation by another tool would.
      const token = decodeURIComponent(alice.cookie.split('=')[1]!);
      await node.store.deleteSession(hashSessionToken(token));
      await node.store.removeMember(room.id, bob.id);
      await waitUntil('both feeds to close', () => aliceFeed.ended() && bobFeed.ended(), {
        timeoutMs: undefined,
      });
    } finally {
      await node.close();
    }
  });
});
