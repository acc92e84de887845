/**
 * The delivery contract over the socket: gapless per-conversation seqs, live delivery both ways,
 * idempotent resend, ID_CONFLICT, catch-up after a disconnect, history paging, order under
 * pipelining, membership, sender from the session only, and the per-user send rate limit.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  MESSAGE_TEXT_MAX,
  messagesPath,
  type Message,
  ClientEvent,
  ServerEvent,
} from '../../contract/index.js';
import { MemoryRateLimiter } from '../../server/scale/memoryRateLimiter.js';
import type { RateLimiter } from '../../server/scale/RateLimiter.js';
import { startTestServer, useTestServer } from './support/app.js';
import {
  collect,
  connect,
  draft,
  http,
  joinRoom,
  nextEvent,
  request,
  requestRaw,
  roomWith,
  signUp,
  twoInARoom,
} from './support/clients.js';
import { waitUntil } from '../support/wait.js';

const srv = useTestServer();

/** Sends and returns the stored message, failing the test on an error ack. */
async function send(
  socket: Awaited<ReturnType<typeof connect>>,
  conversationId: string,
  text: string,
): Promise<Message> {
  const ack = await request(socket, ClientEvent.send, draft(conversationId, text));
  if (!ack.ok) throw new Error(`${ack.error.code}: ${ack.error.message}`);
  return ack.message;
}

describe('sending', () => {
  it('lets two users exchange messages both ways with seqs 1, 2, 3, … and no gaps', async () => {
    const { alice, bob, room, a, b } = await twoInARoom(srv.url);
    const seenByA = collect(a, ServerEvent.message);
    const seenByB = collect(b, ServerEvent.message);

    const sent: Message[] = [];
    for (let i = 0; i < 6; i++) {
      const [from, who] = i % 2 === 0 ? [a, alice] : [b, bob];
      const message = await send(from, room.id, `message ${i}`);
      expect(message).toMatchObject({ conversationId: room.id, senderId: who.id, senderName: who.username });
      sent.push(message);
    }
    expect(sent.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    // Each sees the other's messages live; its own it learns from the ack.
    await waitUntil('live delivery', () => seenByA.items.length === 3 && seenByB.items.length === 3, {
      timeoutMs: undefined,
    });
    expect(seenByA.items).toEqual(sent.filter((m) => m.senderId === bob.id));
    expect(seenByB.items).toEqual(sent.filter((m) => m.senderId === alice.id));
    expect(sent.every((m) => m.createdAt >= m.typedAt - 60_000)).toBe(true);
  });

  it("delivers a message to the sender's other devices, but not back to the socket that sent it", async () => {
    const { alice, room, a, b } = await twoInARoom(srv.url);
    const aliceOther = await connect(srv.url, alice.cookie);
    const atSender = collect(a, ServerEvent.message);
    const atOtherDevice = nextEvent(aliceOther, ServerEvent.message);
    const atBob = nextEvent(b, ServerEvent.message);

    const message = await send(a, room.id, 'from my phone');
    expect(await atOtherDevice).toEqual(message);
    expect(await atBob).toEqual(message);
    // The echo would have gone out before the ack; one more round trip lets any stray one land.
    await send(b, room.id, 'reply');
    await waitUntil('the reply', () => atSender.items.some((m) => m.text === 'reply'), {
      timeoutMs: undefined,
    });
    expect(atSender.items.map((m) => m.text)).toEqual(['reply']);
  });

  it('keeps the order sent when one socket pipelines many sends without waiting', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const a = await connect(srv.url, alice.cookie);
    const acks = await Promise.all(
      Array.from({ length: 60 }, (_, i) => request(a, ClientEvent.send, draft(room.id, `n${i}`))),
    );
    const seqs = acks.map((ack) => (ack.ok ? ack.message.seq : -1));
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('returns the original seq and timestamp when a message id is sent again, and creates nothing', async () => {
    const { alice, room, a, b } = await twoInARoom(srv.url);
    const seenByB = collect(b, ServerEvent.message);

    const payload = draft(room.id, 'only once');
    const first = await request(a, ClientEvent.send, payload);
    const again = await request(a, ClientEvent.send, payload);
    // A second tab of the same user replays it too.
    const a2 = await connect(srv.url, alice.cookie);
    const third = await request(a2, ClientEvent.send, { ...payload, typedAt: payload.typedAt + 5 });
    if (!first.ok || !again.ok || !third.ok) throw new Error('send failed');
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ ok: true, message: first.message, duplicate: true });
    expect(third).toEqual({ ok: true, message: first.message, duplicate: true });

    const next = await send(a, room.id, 'next');
    expect(next.seq).toBe(first.message.seq + 1);
    await waitUntil('next message', () => seenByB.items.some((m) => m.id === next.id), {
      timeoutMs: undefined,
    });
    // Bob got the first message once: duplicates are not broadcast again.
    expect(seenByB.items.map((m) => m.text)).toEqual(['only once', 'next']);
    expect(await srv.store.messagesAfter(room.id, 0, 10)).toHaveLength(2);
  });

  it('refuses a message id already used by another sender or conversation with ID_CONFLICT', async () => {
    const alice = await signUp(srv.url);
    const bob = await signUp(srv.url);
    const room = await roomWith(srv.url, alice, bob);
    const otherRoom = await roomWith(srv.url, alice);
    const a = await connect(srv.url, alice.cookie);
    const b = await connect(srv.url, bob.cookie);
    const id = randomUUID();
    expect((await request(a, ClientEvent.send, draft(room.id, 'mine', id))).ok).toBe(true);
    expect(await request(b, ClientEvent.send, draft(room.id, 'mine', id))).toMatchObject({
      ok: false,
      error: { code: ErrorCode.ID_CONFLICT },
    });
    expect(await request(a, ClientEvent.send, draft(otherRoom.id, 'mine', id))).toMatchObject({
      ok: false,
      error: { code: ErrorCode.ID_CONFLICT },
    });
    expect(await srv.store.messagesAfter(otherRoom.id, 0, 10)).toHaveLength(0);
  });

  it('takes the sender from the session: a senderId in the payload is rejected and nothing is stored', async () => {
    const alice = await signUp(srv.url);
    const mallory = await signUp(srv.url);
    const room = await roomWith(srv.url, alice, mallory);
    const m = await connect(srv.url, mallory.cookie);
    const spoof = { ...draft(room.id, 'I am alice'), senderId: alice.id, senderName: alice.username };
    const ack = await requestRaw(m, ClientEvent.send, spoof);
    expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
    expect(ack.ok === false && ack.error.message).toMatch(/senderId/);
    expect(await srv.store.messagesAfter(room.id, 0, 10)).toHaveLength(0);

    const honest = await send(m, room.id, 'I am mallory');
    expect(honest).toMatchObject({ senderId: mallory.id, senderName: mallory.username });
    const [stored] = await srv.store.messagesAfter(room.id, 0, 10);
    expect(stored).toMatchObject({ senderId: mallory.id, senderName: mallory.username });
  });

  it('denies a non-member with FORBIDDEN on send, catch-up and history, and never delivers to them', async () => {
    const alice = await signUp(srv.url);
    const mallory = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const malloryRoom = await roomWith(srv.url, mallory);
    const a = await connect(srv.url, alice.cookie);
    const m = await connect(srv.url, mallory.cookie);
    const malloryPhone = await connect(srv.url, mallory.cookie);
    const seenByMallory = collect(m, ServerEvent.message);
    const seenByPhone = collect(malloryPhone, ServerEvent.message);
    await send(a, room.id, 'private');

    const forbidden = { ok: false, error: { code: ErrorCode.FORBIDDEN } };
    expect(await request(m, ClientEvent.send, draft(room.id, 'let me in'))).toMatchObject(forbidden);
    expect(
      await request(m, ClientEvent.messagesAfter, { conversationId: room.id, afterSeq: 0 }),
    ).toMatchObject(forbidden);
    expect(await request(m, ClientEvent.messagesBefore, { conversationId: room.id })).toMatchObject(
      forbidden,
    );

    // Her phone hears her own later message, so anything leaked from Alice's room came before it.
    await send(m, malloryRoom.id, 'own');
    await waitUntil('own message on her phone', () => seenByPhone.items.length > 0, { timeoutMs: undefined });
    expect(seenByPhone.items.map((x) => x.text)).toEqual(['own']);
    expect(seenByMallory.items).toEqual([]);
    expect(await srv.store.messagesAfter(room.id, 0, 10)).toHaveLength(1);
  });

  it('refuses empty and over-long text with BAD_REQUEST, and counts characters as code points', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const a = await connect(srv.url, alice.cookie);
    expect(await request(a, ClientEvent.send, draft(room.id, '   '))).toMatchObject({
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST },
    });
    expect(
      await request(a, ClientEvent.send, draft(room.id, 'x'.repeat(MESSAGE_TEXT_MAX + 1))),
    ).toMatchObject({
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST },
    });
    // 4,000 emoji are 8,000 UTF-16 units but 4,000 characters: allowed.
    const emoji = await request(a, ClientEvent.send, draft(room.id, '🚢'.repeat(MESSAGE_TEXT_MAX)));
    expect(emoji.ok).toBe(true);
  });
});

describe('ordering', () => {
  it('starts appends in arrival order even when the rate limiter answers out of order', async () => {
    // A limiter whose answers come back in reverse-ish order, as a remote one (Redis) may.
    const inner = new MemoryRateLimiter();
    let calls = 0;
    const slowFirst: RateLimiter = {
      async take(key, rule, cost) {
        const delay = Math.max(0, 40 - 4 * calls++);
        await new Promise((resolve) => setTimeout(resolve, delay));
        return inner.take(key, rule, cost);
      },
      reset: (key) => inner.reset(key),
      close: () => inner.close(),
    };
    const node = await startTestServer({ deps: { rateLimiter: slowFirst } });
    try {
      const alice = await signUp(node.url);
      const room = await roomWith(node.url, alice);
      const a = await connect(node.url, alice.cookie);
      calls = 0;
      const acks = await Promise.all(
        Array.from({ length: 10 }, (_, i) => request(a, ClientEvent.send, draft(room.id, `n${i}`))),
      );
      expect(acks.map((ack) => (ack.ok ? ack.message.text : ack.error.code))).toEqual(
        Array.from({ length: 10 }, (_, i) => `n${i}`),
      );
      expect(acks.map((ack) => (ack.ok ? ack.message.seq : -1))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    } finally {
      await node.close();
      await inner.close();
    }
  });
});

describe('catch-up and history', () => {
  it('catches up after a disconnect with everything missed, in order, paged', async () => {
    const pair = await twoInARoom(srv.url);
    const { bob, room, a } = pair;
    let b = pair.b;
    const seenLive = nextEvent(b, ServerEvent.message, (m) => m.text === 'seen live');
    const before = await send(a, room.id, 'seen live');
    await seenLive;
    const lastSeen = before.seq;
    b.close();

    const missed: Message[] = [];
    for (let i = 0; i < 7; i++) missed.push(await send(a, room.id, `missed ${i}`));

    b = await connect(srv.url, bob.cookie);
    const got: Message[] = [];
    let after = lastSeen;
    let pages = 0;
    for (;;) {
      const page = await request(b, ClientEvent.messagesAfter, {
        conversationId: room.id,
        afterSeq: after,
        limit: 3,
      });
      if (!page.ok) throw new Error(page.error.message);
      pages++;
      got.push(...page.messages);
      expect(page.lastSeq).toBe(8);
      if (!page.hasMore) break;
      after = page.messages.at(-1)!.seq;
    }
    expect(pages).toBe(3);
    expect(got).toEqual(missed);
    expect(got.map((m) => m.seq)).toEqual([2, 3, 4, 5, 6, 7, 8]);
  });

  it('pages history backwards from the newest message', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const a = await connect(srv.url, alice.cookie);
    for (let i = 1; i <= 25; i++) await send(a, room.id, `h${i}`);

    const seqsOf = (ms: Message[]): number[] => ms.map((m) => m.seq);
    const newest = await request(a, ClientEvent.messagesBefore, { conversationId: room.id, limit: 10 });
    if (!newest.ok) throw new Error(newest.error.message);
    expect(seqsOf(newest.messages)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(newest).toMatchObject({ hasMore: true, lastSeq: 25 });

    const older = await request(a, ClientEvent.messagesBefore, {
      conversationId: room.id,
      beforeSeq: 16,
      limit: 10,
    });
    if (!older.ok) throw new Error(older.error.message);
    expect(seqsOf(older.messages)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(older.hasMore).toBe(true);

    const oldest = await request(a, ClientEvent.messagesBefore, {
      conversationId: room.id,
      beforeSeq: 6,
      limit: 10,
    });
    if (!oldest.ok) throw new Error(oldest.error.message);
    expect(seqsOf(oldest.messages)).toEqual([1, 2, 3, 4, 5]);
    expect(oldest.hasMore).toBe(false);
    expect(oldest.messages[0]!.text).toBe('h1');
  });
});

describe('send rate limit', () => {
  it('answers RATE_LIMITED with retryAfterMs once a user exceeds the burst, and stores nothing for it', async () => {
    const limited = await startTestServer({ env: { SEND_BURST: '3', SEND_RATE_PER_SECOND: '0.2' } });
    try {
      const alice = await signUp(limited.url);
      const room = await roomWith(limited.url, alice);
      const a = await connect(limited.url, alice.cookie);
      for (let i = 0; i < 3; i++)
        expect((await request(a, ClientEvent.send, draft(room.id, `ok ${i}`))).ok).toBe(true);
      const blocked = await request(a, ClientEvent.send, draft(room.id, 'too fast'));
      expect(blocked).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED } });
      const retryAfterMs = blocked.ok ? 0 : (blocked.error.retryAfterMs ?? 0);
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(5_000);
      expect(await limited.store.messagesAfter(room.id, 0, 10)).toHaveLength(3);
      // The limit is per user: another user is not affected.
      const bob = await signUp(limited.url);
      const bobRoom = await roomWith(limited.url, bob);
      const b = await connect(limited.url, bob.cookie);
      expect((await request(b, ClientEvent.send, draft(bobRoom.id, 'fine'))).ok).toBe(true);
    } finally {
      await limited.close();
    }
  });

  it('answers resends of stored messages as duplicates, never RATE_LIMITED, and they cost no allowance', async () => {
    // Refills one token per 1,000 s: nothing comes back during the test but refunds.
    const limited = await startTestServer({ env: { SEND_BURST: '5', SEND_RATE_PER_SECOND: '0.001' } });
    try {
      const alice = await signUp(limited.url);
      const room = await roomWith(limited.url, alice);
      const a = await connect(limited.url, alice.cookie);
      const outbox = Array.from({ length: 3 }, (_, i) => draft(room.id, `queued ${i}`));
      for (const message of outbox) expect((await request(a, ClientEvent.send, message)).ok).toBe(true);
      // The outbox replays everything after an outage, several times and all at once.
      const replays = await Promise.all(
        [...outbox, ...outbox, ...outbox].map((message) => request(a, ClientEvent.send, message)),
      );
      for (const ack of replays) expect(ack).toMatchObject({ ok: true, duplicate: true });
      // The resends used none of the two tokens left.
      for (let i = 0; i < 2; i++) {
        expect(await request(a, ClientEvent.send, draft(room.id, `new ${i}`))).toMatchObject({ ok: true });
      }
      const spent = await request(a, ClientEvent.send, draft(room.id, 'one too many'));
      expect(spent).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED } });
      // With the allowance used up, a resend still gets its duplicate ack, over HTTP too.
      expect(await request(a, ClientEvent.send, outbox[0]!)).toMatchObject({ ok: true, duplicate: true });
      const { id, text, typedAt } = outbox[1]!;
      const overHttp = await http(limited.url, messagesPath(room.id), {
        method: 'POST',
        cookie: alice.cookie,
        body: { id, text, typedAt },
      });
      expect(overHttp.status).toBe(200);
      expect(overHttp.body).toMatchObject({ ok: true, duplicate: true });
      // Someone else's id is not a duplicate of theirs: still limited, nothing leaks.
      const bob = await signUp(limited.url);
      await joinRoom(limited.url, bob, room.inviteCode!);
      const b = await connect(limited.url, bob.cookie);
      for (let i = 0; i < 5; i++) await request(b, ClientEvent.send, draft(room.id, `bob ${i}`));
      expect(await request(b, ClientEvent.send, outbox[2]!)).toMatchObject({
        ok: false,
        error: { code: ErrorCode.RATE_LIMITED },
      });
      expect(await limited.store.messagesAfter(room.id, 0, 100)).toHaveLength(10);
    } finally {
      await limited.close();
    }
  });
});
