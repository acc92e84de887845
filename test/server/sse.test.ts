/**
 * The Server-Sent Events feed: event id = seq, resume with Last-Event-ID (header or query) with
 * no gap and no duplicate even while messages keep arriving, heartbeats, receipts, and refusals.
 */
import { connect as tcpConnect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, MESSAGE_TEXT_MAX, eventsPath, type Message, ClientEvent } from '../../contract/index.js';
import { startTestServer, storeWith, useTestServer } from './support/app.js';
import { captureLogs } from './support/logs.js';
import {
  connect,
  draft,
  http,
  openSse,
  request,
  roomWith,
  sendHttp,
  signUp,
  type SseClient,
  type SseMessage,
  type TestUser,
} from './support/clients.js';
import { waitUntil } from '../support/wait.js';

const srv = useTestServer({ env: { SSE_HEARTBEAT_MS: '200', SEND_BURST: '100000' } });
const feeds: SseClient[] = [];
// Registered after useTestServer, so it runs before the server closes.
afterAll(() => {
  for (const feed of feeds) feed.close();
});

async function open(user: TestUser, conversationId: string, options: Parameters<typeof openSse>[3] = {}) {
  const feed = await openSse(srv.url, eventsPath(conversationId), user.cookie, options);
  feeds.push(feed);
  return feed;
}

/** Sends over HTTP, to this file's server unless `url` names another node. */
const send = (user: TestUser, conversationId: string, text: string, url: string = srv.url) =>
  sendHttp(url, user, conversationId, text);

const messagesIn = (events: SseMessage[]) => events.filter((e) => e.event === 'message');
const seqsIn = (events: SseMessage[]) => messagesIn(events).map((e) => (JSON.parse(e.data) as Message).seq);
const idsIn = (events: SseMessage[]) => messagesIn(events).map((e) => Number(e.id));

describe('SSE feed', () => {
  it('streams new messages as `message` events whose id is the seq', async () => {
    const alice = await signUp(srv.url);
    const bob = await signUp(srv.url);
    const room = await roomWith(srv.url, alice, bob);
    await send(alice, room.id, 'before the feed');
    const feed = await open(bob, room.id);
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(feed.headers.get('cache-control')).toMatch(/no-cache/);

    // Without Last-Event-ID the feed starts at the newest message.
    const socket = await connect(srv.url, alice.cookie);
    await request(socket, ClientEvent.send, draft(room.id, 'live 1'));
    await send(alice, room.id, 'live 2');
    await feed.until((events) => messagesIn(events).length === 2);
    const [first, second] = messagesIn(feed.events).map((e) => JSON.parse(e.data) as Message);
    expect(first).toMatchObject({ seq: 2, text: 'live 1', senderId: alice.id, conversationId: room.id });
    expect(second).toMatchObject({ seq: 3, text: 'live 2' });
    expect(idsIn(feed.events)).toEqual([2, 3]);
  });

  it('resumes with Last-Event-ID: everything missed, then live, with no gap and no duplicate', async () => {
    const alice = await signUp(srv.url);
    const bob = await signUp(srv.url);
    const room = await roomWith(srv.url, alice, bob);
    for (let i = 1; i <= 10; i++) await send(alice, room.id, `old ${i}`);

    // Sends keep arriving while the feed opens and reads its backlog: the race the feed must win.
    const socket = await connect(srv.url, alice.cookie);
    const burst = Promise.all(
      Array.from({ length: 40 }, (_, i) => request(socket, ClientEvent.send, draft(room.id, `burst ${i}`))),
    );
    const feed = await open(bob, room.id, { lastEventId: '4' });
    const acks = await burst;
    expect(acks.every((a) => a.ok)).toBe(true);
    await feed.until((events) => seqsIn(events).at(-1) === 50);
    const expected = Array.from({ length: 46 }, (_, i) => i + 5);
    expect(seqsIn(feed.events)).toEqual(expected);
    expect(idsIn(feed.events)).toEqual(expected);

    // Reconnect as EventSource would, from the last id received: only what came after.
    feed.close();
    await send(alice, room.id, 'while away 1');
    await send(alice, room.id, 'while away 2');
    const resumed = await open(bob, room.id, { lastEventId: String(idsIn(feed.events).at(-1)) });
    await send(alice, room.id, 'after resume');
    await resumed.until((events) => seqsIn(events).at(-1) === 53);
    expect(seqsIn(resumed.events)).toEqual([51, 52, 53]);
  });

  it('delivers messages committed while the backlog is read exactly once, in order', async () => {
    // A real store whose first backlog read for the feed lets other sends commit around it: some
    // before the rows are read (they are in the backlog AND on the bus), some after (bus only).
    let duringBacklog: (() => Promise<void>) | null = null;
    const other = await startTestServer({
      wrapStore: (real) =>
        storeWith(real, {
          async messagesAfter(conversationId: string, afterSeq: number, limit: number) {
            const hook = duringBacklog;
            duringBacklog = null;
            if (!hook) return real.messagesAfter(conversationId, afterSeq, limit);
            await hook();
            const rows = await real.messagesAfter(conversationId, afterSeq, limit);
            await hook();
            return rows;
          },
        }),
    });
    const { url } = other;
    try {
      const alice = await signUp(url);
      const room = await roomWith(url, alice);
      const socket = await connect(url, alice.cookie);
      let n = 0;
      const sendThree = async (): Promise<void> => {
        for (let i = 0; i < 3; i++) await request(socket, ClientEvent.send, draft(room.id, `m${++n}`));
      };
      await sendThree();
      duringBacklog = sendThree;
      const feed = await openSse(url, eventsPath(room.id), alice.cookie, { lastEventId: '1' });
      feeds.push(feed);
      await feed.until((events) => seqsIn(events).at(-1) === 9);
      await sendThree();
      await feed.until((events) => seqsIn(events).at(-1) === 12);
      expect(seqsIn(feed.events)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      feed.close();
    } finally {
      await other.close();
    }
  });

  it('accepts ?lastEventId= for the first connection', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    for (let i = 1; i <= 3; i++) await send(alice, room.id, `m${i}`);
    const feed = await openSse(srv.url, `${eventsPath(room.id)}?lastEventId=0`, alice.cookie);
    feeds.push(feed);
    await feed.until((events) => messagesIn(events).length === 3);
    expect(seqsIn(feed.events)).toEqual([1, 2, 3]);
  });

  it('sends heartbeat comments and receipt events', async () => {
    const alice = await signUp(srv.url);
    const bob = await signUp(srv.url);
    const room = await roomWith(srv.url, alice, bob);
    const feed = await open(alice, room.id);
    // SSE_HEARTBEAT_MS=200 here; the first comment is the connect line.
    await feed.until(() => feed.comments() >= 3);

    await send(alice, room.id, 'read me');
    const b = await connect(srv.url, bob.cookie);
    await request(b, ClientEvent.receipt, { conversationId: room.id, readSeq: 1 });
    await feed.until((events) => events.some((e) => e.event === 'receipt'));
    const receipt = JSON.parse(feed.events.find((e) => e.event === 'receipt')!.data) as unknown;
    expect(receipt).toEqual({ conversationId: room.id, userId: bob.id, deliveredSeq: 1, readSeq: 1 });
    expect(feed.events.find((e) => e.event === 'receipt')!.id).toBeNull();
  });

  it('refuses non-members (403 FORBIDDEN), anonymous callers (401) and a bad Last-Event-ID (400)', async () => {
    const alice = await signUp(srv.url);
    const mallory = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const denied = await http(srv.url, eventsPath(room.id), { cookie: mallory.cookie });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ ok: false, error: { code: ErrorCode.FORBIDDEN } });
    const anon = await http(srv.url, eventsPath(room.id));
    expect(anon.status).toBe(401);
    expect(anon.body).toMatchObject({ ok: false, error: { code: ErrorCode.UNAUTHENTICATED } });
    const bad = await http(srv.url, eventsPath(room.id), {
      cookie: alice.cookie,
      headers: { 'last-event-id': 'x1' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
  });

  it('ends open feeds when the server closes, so shutdown is not held up', async () => {
    const node = await startTestServer();
    const alice = await signUp(node.url);
    const room = await roomWith(node.url, alice);
    const feed = await openSse(node.url, eventsPath(room.id), alice.cookie);
    feeds.push(feed);
    expect(feed.status).toBe(200);
    // close() resolves only once every connection (the open feed included) has ended.
    await node.close();
    expect(node.app.server.listening).toBe(false);
    await waitUntil('the feed to end', () => feed.ended(), { timeoutMs: undefined });
  });
  it('resumes a Last-Event-ID past the newest message from the newest message, then streams new ones', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    for (let i = 1; i <= 3; i++) await send(alice, room.id, `m${i}`);
    const feed = await open(alice, room.id, { lastEventId: '1000' });
    expect(feed.status).toBe(200);
    await send(alice, room.id, 'new');
    await feed.until((events) => messagesIn(events).length === 1);
    expect(seqsIn(feed.events)).toEqual([4]);
    expect(idsIn(feed.events)).toEqual([4]);
  });

  it('streams a long backlog (300 messages of 4 KB) to a reader that keeps reading, on one connection', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const socket = await connect(srv.url, alice.cookie);
    const text = 'x'.repeat(MESSAGE_TEXT_MAX);
    const acks = await Promise.all(
      Array.from({ length: 300 }, () => request(socket, ClientEvent.send, draft(room.id, text))),
    );
    expect(acks.every((a) => a.ok)).toBe(true);
    const feed = await open(alice, room.id, { lastEventId: '0' });
    await feed.until((events) => messagesIn(events).length === 300 || feed.ended(), 30_000);
    expect(feed.ended()).toBe(false);
    expect(seqsIn(feed.events)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });
});

describe('SSE feed and its readers', () => {
  it('cuts a reader that stops reading once it has left the cap unread, and logs it', async () => {
    const logs = captureLogs('info');
    const node = await startTestServer({
      env: { SEND_BURST: '100000', SSE_MAX_BUFFERED_BYTES: '65536' },
      deps: { logger: logs.logger },
    });
    try {
      const alice = await signUp(node.url);
      const room = await roomWith(node.url, alice);
      // A client that sends its request and never reads a byte of the answer.
      const stalled = tcpConnect(node.port, '127.0.0.1');
      stalled.pause();
      stalled.write(
        `GET ${eventsPath(room.id)} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${alice.cookie}\r\n` +
          'Accept: text/event-stream\r\n\r\n',
      );
      const cut = (): boolean => logs.lines.some((l) => l.msg === 'SSE client too slow: closing');
      const socket = await connect(node.url, alice.cookie);
      const text = 'y'.repeat(MESSAGE_TEXT_MAX);
      // Messages until the server gives up on the reader (kernel buffers take the first few MB).
      for (let sent = 0; !cut(); sent += 50) {
        if (sent > 20_000) throw new Error('the stalled reader was never cut');
        await Promise.all(
          Array.from({ length: 50 }, () => request(socket, ClientEvent.send, draft(room.id, text))),
        );
      }
      await waitUntil('the cut', () => stalled.destroyed || stalled.readableEnded || cut(), {
        timeoutMs: undefined,
      });
      stalled.destroy();
    } finally {
      await node.close();
    }
  }, 60_000);

  it('treats a client going away as the normal end of a feed: nothing at warn or above', async () => {
    const logs = captureLogs('debug');
    const node = await startTestServer({ deps: { logger: logs.logger } });
    try {
      const alice = await signUp(node.url);
      const room = await roomWith(node.url, alice);
      const connections = (): Promise<number> =>
        new Promise((resolve, reject) =>
          node.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
        );
      for (let i = 0; i < 3; i++) {
        // A reader that gets its first message and then goes away without a word.
        const reader = tcpConnect(node.port, '127.0.0.1');
        let received = '';
        reader.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
        reader.write(
          `GET ${eventsPath(room.id)} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${alice.cookie}\r\n` +
            'Accept: text/event-stream\r\n\r\n',
        );
        await waitUntil('the feed to open', () => received.includes(': connected'), { timeoutMs: undefined });
        await send(alice, room.id, `m${i}`, node.url);
        await waitUntil('the message', () => received.includes(`"m${i}"`), { timeoutMs: undefined });
        const open = await connections();
        reader.destroy();
        await waitUntil('the server to see the close', async () => (await connections()) < open, {
          timeoutMs: undefined,
        });
      }
      // One more round trip, so anything the closes would log has been logged.
      await send(alice, room.id, 'after', node.url);
      const loud = logs.lines.filter((l) => l.level >= 40);
      expect(loud).toEqual([]);
      expect(JSON.stringify(logs.lines)).not.toMatch(/Premature close/);
    } finally {
      await node.close();
    }
  });
});
