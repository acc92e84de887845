/**
 * message:send-batch (an outbox replaying several entries in one request): stored in the order
 * given with consecutive seqs and fanned out in that order, idempotent like message:send, and
 * stopped at the first entry refused before it could be stored, so that no entry is stored
 * without the ones before it. Bad batches of any shape get a clear error and the connection goes on.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ClientEvent,
  ErrorCode,
  MESSAGE_TEXT_MAX,
  SEND_BATCH_MAX,
  ServerEvent,
  type Ack,
  type Message,
  type SendBatchResult,
  type SendMessageRequest,
  type SendResult,
} from '../../contract/index.js';
import { startTestServer, useTestServer } from './support/app.js';
import {
  collect,
  connect,
  draft,
  request,
  requestRaw,
  roomWith,
  signUp,
  twoInARoom,
  type ClientSocket,
} from './support/clients.js';
import { waitUntil } from '../support/wait.js';

const srv = useTestServer();

/** Sends a batch and returns its per-entry results, failing the test if the batch was refused whole. */
async function sendBatch(socket: ClientSocket, entries: SendMessageRequest[]): Promise<Ack<SendResult>[]> {
  const ack = await request(socket, ClientEvent.sendBatch, { entries });
  if (!ack.ok) throw new Error(`${ack.error.code}: ${ack.error.message}`);
  return ack.results;
}

const stored = (results: Ack<SendResult>[]): Message[] =>
  results.map((r) => {
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.message;
  });

describe(ClientEvent.sendBatch, () => {
  it('stores every kind in the order given with consecutive seqs, tells the others in that order, and answers a resend with the originals', async () => {
    const { alice, room, a, b } = await twoInARoom(srv.url);
    const alicePhone = await connect(srv.url, alice.cookie);
    const seenByB = collect(b, ServerEvent.message);
    const seenByPhone = collect(alicePhone, ServerEvent.message);
    const seenByA = collect(a, ServerEvent.message);

    const first = draft(room.id, 'first');
    const second = draft(room.id, 'second');
    const entries: SendMessageRequest[] = [
      first,
      {
        id: randomUUID(),
        kind: 'reaction',
        targetId: first.id,
        emoji: '👍',
        on: true,
        conversationId: room.id,
        typedAt: 1,
      },
      {
        id: randomUUID(),
        kind: 'edit',
        targetId: first.id,
        text: 'first, edited',
        conversationId: room.id,
        typedAt: 2,
      },
      { ...draft(room.id, 'a reply'), replyTo: first.id },
      second,
      { id: randomUUID(), kind: 'delete', targetId: second.id, conversationId: room.id, typedAt: 3 },
    ];
    const messages = stored(await sendBatch(a, entries));
    expect(messages.map((m) => [m.id, m.seq, m.kind])).toEqual(
      entries.map((e, i) => [e.id, i + 1, e.kind ?? 'message']),
    );
    await waitUntil(
      'bob and alice’s phone to get all six',
      () => seenByB.items.length === 6 && seenByPhone.items.length === 6,
    );
    expect(seenByB.items.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seenByPhone.items.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    // The socket that sent them has them from its ack.
    expect(seenByA.items).toEqual([]);

    const again = await sendBatch(a, entries);
    expect(again.map((r) => r.ok && [r.message.seq, r.duplicate])).toEqual(
      messages.map((m) => [m.seq, true]),
    );
    const log = await srv.store.messagesAfter(room.id, 0, 20);
    expect(log).toHaveLength(6);
    expect(log[0]).toMatchObject({
      text: 'first, edited',
      reactions: [{ emoji: '👍', userIds: [alice.id] }],
    });
    expect(log[4]).toMatchObject({ deleted: true, text: '' });
  });

  it('appends a batch after a send that came before it and before one that came after it', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const a = await connect(srv.url, alice.cookie);
    const before = request(a, ClientEvent.send, draft(room.id, 'before'));
    const batch = request(a, ClientEvent.sendBatch, {
      entries: ['b1', 'b2', 'b3', 'b4'].map((text) => draft(room.id, text)),
    });
    const after = request(a, ClientEvent.send, draft(room.id, 'after'));
    await Promise.all([before, batch, after]);
    const log = await srv.store.messagesAfter(room.id, 0, 10);
    expect(log.map((m) => m.text)).toEqual(['before', 'b1', 'b2', 'b3', 'b4', 'after']);
  });

  it('answers an invalid entry in its place with BAD_REQUEST, keeping the entries before it and trying none after', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const a = await connect(srv.url, alice.cookie);
    const entries = [
      draft(room.id, 'kept'),
      { ...draft(room.id, 'x'), text: 7 },
      draft(room.id, 'not tried'),
    ];
    const ack = (await requestRaw(a, ClientEvent.sendBatch, { entries })) as Ack<SendBatchResult>;
    expect(ack).toMatchObject({
      ok: true,
      results: [
        { ok: true, message: { text: 'kept', seq: 1 } },
        { ok: false, error: { code: ErrorCode.BAD_REQUEST, message: expect.stringContaining('text') } },
      ],
    });
    if (ack.ok) expect(ack.results).toHaveLength(2);
    expect((await srv.store.messagesAfter(room.id, 0, 10)).map((m) => m.text)).toEqual(['kept']);
  });

  it('stops at a conversation the sender is not in, with the answer a random id gets, storing nothing after it', async () => {
    const alice = await signUp(srv.url);
    const mallory = await signUp(srv.url);
    const theirs = await roomWith(srv.url, alice);
    const own = await roomWith(srv.url, mallory);
    const m = await connect(srv.url, mallory.cookie);
    const forReal = await sendBatch(m, [
      draft(own.id, 'mine'),
      draft(theirs.id, 'probe'),
      draft(own.id, 'not tried'),
    ]);
    const forRandom = await sendBatch(m, [draft(randomUUID(), 'probe')]);
    expect(forReal).toHaveLength(2);
    expect(forReal[1]).toMatchObject({ ok: false, error: { code: ErrorCode.FORBIDDEN } });
    expect(forRandom).toEqual([forReal[1]]);
    expect((await srv.store.messagesAfter(own.id, 0, 10)).map((m) => m.text)).toEqual(['mine']);
    expect(await srv.store.messagesAfter(theirs.id, 0, 10)).toEqual([]);
  });

  it('refuses a malformed batch as a whole with BAD_REQUEST or PAYLOAD_TOO_LARGE, and the connection goes on', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const a = await connect(srv.url, alice.cookie);
    const one = () => draft(room.id, 'x');
    for (const payload of [
      null,
      'entries',
      {},
      { entries: [] },
      { entries: one() },
      { entries: [one()], extra: true },
      { entries: Array.from({ length: SEND_BATCH_MAX + 1 }, one) },
    ]) {
      const ack = await requestRaw(a, ClientEvent.sendBatch, payload);
      expect(ack, JSON.stringify(payload)?.slice(0, 80)).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BAD_REQUEST },
      });
    }
    // Each entry within the limits, together over the payload limit.
    const long = Array.from({ length: 6 }, () => draft(room.id, '語'.repeat(MESSAGE_TEXT_MAX)));
    expect(await requestRaw(a, ClientEvent.sendBatch, { entries: long })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.PAYLOAD_TOO_LARGE },
    });
    expect(await srv.store.messagesAfter(room.id, 0, 10)).toEqual([]);
    expect(stored(await sendBatch(a, [draft(room.id, 'still here')]))).toMatchObject([{ seq: 1 }]);
  });
});

describe(`${ClientEvent.sendBatch} under the send rate limit`, () => {
  it('stores entries while the allowance lasts, answers the next RATE_LIMITED with a wait, tries none after it', async () => {
    const limited = await startTestServer({ env: { SEND_BURST: '3', SEND_RATE_PER_SECOND: '0.001' } });
    try {
      const alice = await signUp(limited.url);
      const room = await roomWith(limited.url, alice);
      const a = await connect(limited.url, alice.cookie);
      const entries = Array.from({ length: 5 }, (_, i) => draft(room.id, `n${i}`));
      const results = await sendBatch(a, entries);
      expect(results.map((r) => r.ok)).toEqual([true, true, true, false]);
      expect(results[3]).toMatchObject({
        ok: false,
        error: { code: ErrorCode.RATE_LIMITED, retryAfterMs: expect.any(Number) },
      });
      expect((await limited.store.messagesAfter(room.id, 0, 10)).map((m) => m.text)).toEqual([
        'n0',
        'n1',
        'n2',
      ]);
      // A replay of the whole batch gets the stored ones as duplicates (they cost nothing) and
      // stops again at the first new one.
      const replay = await sendBatch(a, entries);
      expect(replay.map((r) => r.ok && r.duplicate)).toEqual([true, true, true, false]);
      expect(replay[3]).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED } });
    } finally {
      await limited.close();
    }
  });
});
