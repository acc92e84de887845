/**
 * Socket limits: a user's open sockets on a node are capped (TOO_MANY_CONNECTIONS, however many
 * handshakes race), and a socket that stops reading is cut once too much waits for it, instead of
 * being buffered until its ping timeout.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ErrorCode, messagesPath } from '../../contract/index.js';
import { startTestServer, useTestServer } from './support/app.js';
import {
  connect,
  http,
  makeSocket,
  roomWith,
  signUp,
  type ClientSocket,
  type TestUser,
} from './support/clients.js';
import { captureLogs } from './support/logs.js';
import { waitUntil } from '../support/wait.js';

const srv = useTestServer({ env: { MAX_SOCKETS_PER_USER: '3' } });

/** Resolves with the socket once connected, or with the connect_error's code. */
function attempt(url: string, user: TestUser, transport: 'websocket' | 'polling' = 'websocket') {
  const socket = makeSocket(url, user.cookie, { transports: [transport] });
  return new Promise<{ socket: ClientSocket; refused: string | null }>((resolve) => {
    socket.once('connect', () => resolve({ socket, refused: null }));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) =>
      resolve({ socket, refused: err.data?.code ?? err.message }),
    );
  });
}

describe('sockets per user', () => {
  it('accepts MAX_SOCKETS_PER_USER sockets of one user and refuses more with TOO_MANY_CONNECTIONS', async () => {
    const bob = await signUp(srv.url);
    // Ten handshakes at once, on both transports: the cap holds while they race.
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => attempt(srv.url, bob, i % 2 ? 'polling' : 'websocket')),
    );
    const accepted = results.filter((r) => r.refused === null);
    expect(accepted).toHaveLength(3);
    expect(results.filter((r) => r.refused === ErrorCode.TOO_MANY_CONNECTIONS)).toHaveLength(7);

    // Someone else is not affected.
    const alice = await signUp(srv.url);
    expect((await attempt(srv.url, alice)).refused).toBeNull();

    // A closed socket frees its place.
    const userRoom = (): number => srv.app.io.of('/').adapter.rooms.get(`user:${bob.id}`)?.size ?? 0;
    accepted[0]!.socket.close();
    await waitUntil('the server to see the close', () => userRoom() === 2, { timeoutMs: undefined });
    expect((await attempt(srv.url, bob)).refused).toBeNull();
    expect((await attempt(srv.url, bob)).refused).toBe(ErrorCode.TOO_MANY_CONNECTIONS);
  });
});

describe('a socket that stops reading', () => {
  it('is cut once more than SOCKET_MAX_BUFFERED_BYTES wait for it, and that is logged', async () => {
    const logs = captureLogs('info');
    const node = await startTestServer({
      env: { SOCKET_MAX_BUFFERED_BYTES: '65536', SEND_BURST: '100000' },
      deps: { logger: logs.logger },
    });
    try {
      const alice = await signUp(node.url);
      const bob = await signUp(node.url);
      const room = await roomWith(node.url, alice, bob);
      // Bob's client speaks socket.io over a raw WebSocket, then stops reading.
      const ws = new WebSocket(`${node.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, {
        headers: { cookie: bob.cookie, origin: node.url },
      });
      await new Promise<void>((resolve, reject) => {
        ws.on('error', reject);
        ws.on('message', (data: Buffer) => {
          const text = data.toString();
          if (text.startsWith('0{')) ws.send('40');
          if (text.startsWith('40{')) resolve();
        });
      });
      ws.pause();
      const bobsSockets = (): number => node.app.io.of('/').adapter.rooms.get(`user:${bob.id}`)?.size ?? 0;
      expect(bobsSockets()).toBe(1);

      const cut = (): boolean => logs.lines.some((l) => l.msg === 'socket client too slow: closing');
      const text = 'z'.repeat(4000);
      // Messages until the server gives up on Bob's socket (kernel buffers take the first MBs).
      for (let sent = 0; !cut(); sent += 50) {
        if (sent > 20_000) throw new Error('the stalled socket was never cut');
        await Promise.all(
          Array.from({ length: 50 }, () =>
            http(node.url, messagesPath(room.id), {
              method: 'POST',
              body: { id: randomUUID(), text, typedAt: Date.now() },
              cookie: alice.cookie,
            }),
          ),
        );
      }
      await waitUntil("the server to drop Bob's socket", () => bobsSockets() === 0, { timeoutMs: undefined });
      ws.terminate();
      // Alice, who reads, is still connected and served.
      const a = await connect(node.url, alice.cookie);
      expect(a.connected).toBe(true);
    } finally {
      await node.close();
    }
  }, 60_000);
});
