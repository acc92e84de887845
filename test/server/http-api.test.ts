/**
 * The HTTP API mirrors the socket: idempotent send (201/200, same body as the socket ack, and
 * idempotent across the two), catch-up and history, conversations, membership, the sender from
 * the session, rate limits, and JSON errors for bad input, big bodies and unknown routes.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  HttpPath,
  MAX_PAYLOAD_BYTES,
  leavePath,
  membersPath,
  messagesPath,
  type Ack,
  type ConversationSummary,
  type Member,
  type MessagePage,
  type SendResult,
  ClientEvent,
  ServerEvent,
  API_PREFIX,
} from '../../contract/index.js';
import { startTestServer, useTestServer } from './support/app.js';
import {
  connect,
  draft,
  http,
  nextEvent,
  request,
  roomWith,
  signUp,
  type TestUser,
} from './support/clients.js';

const srv = useTestServer();

/** POSTs a message body over HTTP. */
function post(user: TestUser, conversationId: string, body: unknown) {
  return http<Ack<SendResult>>(srv.url, messagesPath(conversationId), {
    method: 'POST',
    body,
    cookie: user.cookie,
  });
}
const body = (text: string, id: string = randomUUID()) => ({ id, text, typedAt: Date.now() });

describe('send over HTTP', () => {
  it('answers 201 for a new message and 200 with the original for the same id again', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const payload = body('hello over http');
    const first = await post(alice, room.id, payload);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      ok: true,
      duplicate: false,
      message: { id: payload.id, seq: 1, senderId: alice.id, text: 'hello over http' },
    });
    const again = await post(alice, room.id, payload);
    expect(again.status).toBe(200);
    if (!first.body.ok) throw new Error('unreachable');
    expect(again.body).toEqual({ ok: true, message: first.body.message, duplicate: true });
    expect(await srv.store.messagesAfter(room.id, 0, 10)).toHaveLength(1);
  });

  it('is idempotent across transports: a socket send replayed over HTTP, and the reverse', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const socket = await connect(srv.url, alice.cookie);

    const viaSocket = draft(room.id, 'socket first');
    const socketAck = await request(socket, ClientEvent.send, viaSocket);
    const replayed = await post(alice, room.id, {
      id: viaSocket.id,
      text: viaSocket.text,
      typedAt: viaSocket.typedAt,
    });
    expect(replayed.status).toBe(200);
    expect(replayed.body).toEqual({ ...socketAck, duplicate: true });

    const viaHttp = body('http first');
    const httpAnswer = await post(alice, room.id, viaHttp);
    const socketReplay = await request(socket, ClientEvent.send, { ...viaHttp, conversationId: room.id });
    expect(httpAnswer.status).toBe(201);
    expect(socketReplay).toEqual({ ...httpAnswer.body, duplicate: true });
    expect((await srv.store.messagesAfter(room.id, 0, 10)).map((m) => m.seq)).toEqual([1, 2]);
  });

  it('delivers an HTTP send live to the members’ sockets', async () => {
    const alice = await signUp(srv.url);
    const bob = await signUp(srv.url);
    const room = await roomWith(srv.url, alice, bob);
    const b = await connect(srv.url, bob.cookie);
    const live = nextEvent(b, ServerEvent.message);
    await post(alice, room.id, body('from the service worker'));
    expect(await live).toMatchObject({ text: 'from the service worker', senderId: alice.id });
  });

  it('takes the sender from the session: a senderId field is refused and nothing stored', async () => {
    const alice = await signUp(srv.url);
    const mallory = await signUp(srv.url);
    const room = await roomWith(srv.url, alice, mallory);
    const res = await post(mallory, room.id, { ...body('spoof'), senderId: alice.id });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
    expect(await srv.store.messagesAfter(room.id, 0, 10)).toHaveLength(0);
  });

  it('denies non-members (403 FORBIDDEN) and anonymous callers (401 UNAUTHENTICATED)', async () => {
    const alice = await signUp(srv.url);
    const mallory = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const denied = await post(mallory, room.id, body('let me in'));
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ ok: false, error: { code: ErrorCode.FORBIDDEN } });
    const read = await http(srv.url, `${messagesPath(room.id)}?after=0`, { cookie: mallory.cookie });
    expect(read.status).toBe(403);
    const anon = await http(srv.url, messagesPath(room.id), { method: 'POST', body: body('x') });
    expect(anon.status).toBe(401);
    expect(anon.body).toMatchObject({ ok: false, error: { code: ErrorCode.UNAUTHENTICATED } });
  });

  it('answers 429 RATE_LIMITED with Retry-After and retryAfterMs past the send burst', async () => {
    const limited = await startTestServer({ env: { SEND_BURST: '2', SEND_RATE_PER_SECOND: '0.5' } });
    try {
      const alice = await signUp(limited.url);
      const room = await roomWith(limited.url, alice);
      const send = (text: string) =>
        http(limited.url, messagesPath(room.id), { method: 'POST', body: body(text), cookie: alice.cookie });
      expect((await send('1')).status).toBe(201);
      expect((await send('2')).status).toBe(201);
      const blocked = await send('3');
      expect(blocked.status).toBe(429);
      expect(blocked.body).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED } });
      expect((blocked.body as { error: { retryAfterMs: number } }).error.retryAfterMs).toBeGreaterThan(0);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('catch-up and history over HTTP', () => {
  it('pages with ?after= (catch-up) and ?before= (history), with limit and hasMore', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    for (let i = 1; i <= 12; i++) expect((await post(alice, room.id, body(`m${i}`))).status).toBe(201);
    const get = async (query: string) => {
      const res = await http<Ack<MessagePage>>(srv.url, `${messagesPath(room.id)}?${query}`, {
        cookie: alice.cookie,
      });
      if (!res.body.ok) throw new Error(res.text);
      return {
        seqs: res.body.messages.map((m) => m.seq),
        hasMore: res.body.hasMore,
        lastSeq: res.body.lastSeq,
      };
    };
    expect(await get('after=0&limit=5')).toEqual({ seqs: [1, 2, 3, 4, 5], hasMore: true, lastSeq: 12 });
    expect(await get('after=10')).toEqual({ seqs: [11, 12], hasMore: false, lastSeq: 12 });
    expect(await get('after=12')).toEqual({ seqs: [], hasMore: false, lastSeq: 12 });
    expect(await get('limit=4')).toEqual({ seqs: [9, 10, 11, 12], hasMore: true, lastSeq: 12 });
    expect(await get('before=9&limit=4')).toEqual({ seqs: [5, 6, 7, 8], hasMore: true, lastSeq: 12 });
    expect(await get('before=3&limit=4')).toEqual({ seqs: [1, 2], hasMore: false, lastSeq: 12 });
  });

  it('explains bad queries with 400 BAD_REQUEST', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    for (const query of ['after=-1', 'after=abc', 'after=1&before=2', 'limit=0', 'limit=100000']) {
      const res = await http(srv.url, `${messagesPath(room.id)}?${query}`, { cookie: alice.cookie });
      expect(res.status, query).toBe(400);
      expect(res.body, query).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
    }
  });
});

describe('conversations over HTTP', () => {
  it('creates, lists, joins, lists members of and leaves a room', async () => {
    const alice = await signUp(srv.url);
    const bob = await signUp(srv.url);
    const created = await http<Ack<{ conversation: ConversationSummary }>>(srv.url, HttpPath.conversations, {
      method: 'POST',
      body: { name: 'Garden' },
      cookie: alice.cookie,
    });
    expect(created.status).toBe(201);
    if (!created.body.ok) throw new Error(created.text);
    const room = created.body.conversation;

    const joined = await http<Ack<{ conversation: ConversationSummary }>>(srv.url, HttpPath.join, {
      method: 'POST',
      body: { inviteCode: room.inviteCode },
      cookie: bob.cookie,
    });
    expect(joined.body).toMatchObject({ ok: true, conversation: { id: room.id, name: 'Garden' } });

    const list = await http<Ack<{ conversations: ConversationSummary[] }>>(srv.url, HttpPath.conversations, {
      cookie: bob.cookie,
    });
    expect(list.body.ok && list.body.conversations.map((c) => c.id)).toEqual([room.id]);

    const members = await http<Ack<{ members: Member[] }>>(srv.url, membersPath(room.id), {
      cookie: bob.cookie,
    });
    expect(members.body.ok && members.body.members.map((m) => m.userId).sort()).toEqual(
      [alice.id, bob.id].sort(),
    );

    const left = await http(srv.url, leavePath(room.id), { method: 'POST', cookie: bob.cookie });
    expect(left.body).toEqual({ ok: true });
    const after = await http(srv.url, membersPath(room.id), { cookie: bob.cookie });
    expect(after.status).toBe(403);
  });

  it('starts a direct conversation by username', async () => {
    const alice = await signUp(srv.url);
    const bob = await signUp(srv.url);
    const res = await http<Ack<{ conversation: ConversationSummary }>>(srv.url, HttpPath.direct, {
      method: 'POST',
      body: { username: bob.username },
      cookie: alice.cookie,
    });
    expect(res.body).toMatchObject({ ok: true, conversation: { kind: 'direct', name: bob.username } });
  });
});

describe('bad HTTP input', () => {
  it('answers invalid JSON with 400 BAD_REQUEST JSON', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    for (const raw of ['{"id": ', 'not json at all', '"just a string"', '\u0000\u00ff\u0001']) {
      const res = await http(srv.url, messagesPath(room.id), {
        method: 'POST',
        rawBody: raw,
        cookie: alice.cookie,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status, raw).toBe(400);
      expect(res.body, raw).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
    }
  });

  it('answers a body over MAX_PAYLOAD_BYTES with 413 PAYLOAD_TOO_LARGE JSON', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const res = await post(alice, room.id, body('x'.repeat(MAX_PAYLOAD_BYTES + 10)));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ ok: false, error: { code: ErrorCode.PAYLOAD_TOO_LARGE } });
  });

  it('answers unknown /api routes with 404 NOT_FOUND JSON, and a malformed id with 400', async () => {
    for (const [method, path] of [
      ['GET', `${API_PREFIX}/nope`],
      ['POST', `${HttpPath.conversations}/x/y/z`],
      ['DELETE', HttpPath.conversations],
      ['GET', API_PREFIX],
    ] as const) {
      const res = await http(srv.url, path, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body, `${method} ${path}`).toMatchObject({
        ok: false,
        error: { code: ErrorCode.NOT_FOUND },
      });
    }
    const alice = await signUp(srv.url);
    const res = await http(srv.url, messagesPath('not-a-uuid'), { cookie: alice.cookie });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
  });
});
