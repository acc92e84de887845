/**
 * Access ends on every node: Bob listens on node B (WebSocket, long-polling, SSE) and leaves or
 * signs out through node A. Node B's channels stop hearing the room, its feed closes, and its
 * sockets can no longer send into the room.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpPath, eventsPath, leavePath, messagesPath, type Message } from '../../contract/index.js';
import {
  closeAllSockets,
  collect,
  connect,
  createRoom,
  http,
  joinRoom,
  nextEvent,
  openSse,
  request,
  signUp,
  waitFor,
  type SseClient,
  type TestUser,
} from '../server/support/clients.js';
import { startCluster, type Cluster } from './support/cluster.js';

async function say(url: string, user: TestUser, conversationId: string, text: string): Promise<void> {
  const res = await http(url, messagesPath(conversationId), {
    method: 'POST',
    body: { id: randomUUID(), text, typedAt: Date.now() },
    cookie: user.cookie,
  });
  if (res.status !== 201) throw new Error(res.text);
}

const textsIn = (feed: SseClient): string[] =>
  feed.events.filter((e) => e.event === 'message').map((e) => (JSON.parse(e.data) as Message).text);

describe('access ends on every node', () => {
  let cluster: Cluster;
  let A: string;
  let B: string;
  const feeds: SseClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2 });
    [A, B] = cluster.nodes.map((n) => n.url) as [string, string];
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  afterEach(() => {
    closeAllSockets();
    for (const feed of feeds.splice(0)) feed.close();
  });

  /** Alice (on A) and Bob share `room` and `markers`; Bob listens to `room` on node B. */
  async function setUp() {
    const alice = await signUp(A);
    const bob = await signUp(A);
    const room = await createRoom(A, alice, 'secret');
    const markers = await createRoom(A, alice, 'markers');
    await joinRoom(A, bob, room.inviteCode!);
    await joinRoom(A, bob, markers.inviteCode!);
    const sockets = [
      await connect(B, bob.cookie, { transports: ['websocket'] }),
      await connect(B, bob.cookie, { transports: ['polling'] }),
    ];
    const feed = await openSse(B, eventsPath(room.id), bob.cookie);
    feeds.push(feed);
    expect(feed.status).toBe(200);
    const heard = sockets.map((s) => nextEvent(s, 'message:new', (m) => m.text === 'before'));
    await say(A, alice, room.id, 'before');
    await Promise.all(heard);
    await feed.until(() => textsIn(feed).includes('before'));
    return { alice, bob, room, markers, sockets, feed };
  }

  it('after leaving through node A, node B closes the feed and its sockets leave the room', async () => {
    const { alice, bob, room, markers, sockets, feed } = await setUp();
    const left = await http(A, leavePath(room.id), { method: 'POST', cookie: bob.cookie });
    expect(left.status).toBe(200);
    await waitFor(() => feed.ended(), undefined, "node B's feed to close");

    // A message to the room, then a marker to another room, both sent on A: a socket on B that
    // gets the marker would have had the message first.
    const heard = sockets.map((s) => collect(s, 'message:new'));
    const marked = sockets.map((s) => nextEvent(s, 'message:new', (m) => m.text === 'marker'));
    await say(A, alice, room.id, 'after');
    await say(A, alice, markers.id, 'marker');
    await Promise.all(marked);
    for (const h of heard) expect(h.items.map((m) => m.text)).not.toContain('after');
    expect(textsIn(feed)).not.toContain('after');
    for (const socket of sockets) {
      const ack = await request(socket, 'message:send', {
        id: randomUUID(),
        conversationId: room.id,
        text: 'still here?',
        typedAt: Date.now(),
      });
      expect(ack.ok).toBe(false);
    }
  });

  it('after signing out through node A, node B closes the feed and the sockets', async () => {
    const { alice, bob, room, sockets, feed } = await setUp();
    const out = await http(A, HttpPath.signout, { method: 'POST', cookie: bob.cookie });
    expect(out.status).toBe(200);
    await waitFor(() => feed.ended(), undefined, "node B's feed to close");
    await waitFor(() => sockets.every((s) => !s.connected), undefined, "node B's sockets to close");
    await say(A, alice, room.id, 'after');
    expect(textsIn(feed)).not.toContain('after');
  });
});
