/**
 * Access ends on every node: Bob listens on node B (WebSocket, long-polling, SSE) and leaves or
 * signs out through node A. Node B's channels stop hearing the room, its feed closes, and its
 * sockets can no longer send into the room.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpPath, leavePath, ServerEvent } from '../../contract/index.js';
import { bobListening } from '../server/support/access.js';
import {
  closeAllSockets,
  collect,
  http,
  nextEvent,
  sendAccepted,
  sendHttp,
  sseTexts,
  type SseClient,
} from '../server/support/clients.js';
import { startCluster, type Cluster } from './support/cluster.js';
import { waitUntil } from '../support/wait.js';

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

  /** Alice and Bob share `room` and `markers`, made on node A; Bob listens to `room` on node B. */
  async function setUp() {
    const { other: markers, ...rest } = await bobListening(A, B);
    feeds.push(rest.feed);
    return { ...rest, markers };
  }

  it('after leaving through node A, node B closes the feed and its sockets leave the room', async () => {
    const { alice, bob, room, markers, sockets, feed } = await setUp();
    const left = await http(A, leavePath(room.id), { method: 'POST', cookie: bob.cookie });
    expect(left.status).toBe(200);
    await waitUntil("node B's feed to close", () => feed.ended(), { timeoutMs: undefined });

    // A message to the room, then a marker to another room, both sent on A: a socket on B that
    // gets the marker would have had the message first.
    const heard = sockets.map((s) => collect(s, ServerEvent.message));
    const marked = sockets.map((s) => nextEvent(s, ServerEvent.message, (m) => m.text === 'marker'));
    await sendHttp(A, alice, room.id, 'after');
    await sendHttp(A, alice, markers.id, 'marker');
    await Promise.all(marked);
    for (const h of heard) expect(h.items.map((m) => m.text)).not.toContain('after');
    expect(sseTexts(feed)).not.toContain('after');
    for (const socket of sockets) expect(await sendAccepted(socket, room.id, 'still here?')).toBe(false);
  });

  it('after signing out through node A, node B closes the feed and the sockets', async () => {
    const { alice, bob, room, sockets, feed } = await setUp();
    const out = await http(A, HttpPath.signout, { method: 'POST', cookie: bob.cookie });
    expect(out.status).toBe(200);
    await waitUntil("node B's feed to close", () => feed.ended(), { timeoutMs: undefined });
    await waitUntil("node B's sockets to close", () => sockets.every((s) => !s.connected), {
      timeoutMs: undefined,
    });
    await sendHttp(A, alice, room.id, 'after');
    expect(sseTexts(feed)).not.toContain('after');
  });
});
