/**
 * The socket layer: handshake authentication, both transports, receipts, typing and presence
 * reaching the other member, and robustness (unknown events, bad payloads, missing acks, a failing
 * handler) with the connection still usable afterwards.
 */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import {
  ErrorCode,
  TYPING_EVENTS_PER_WINDOW,
  fullMessage,
  type CompactMessage,
  type HandshakeAuth,
  type Receipt,
  ClientEvent,
  ServerEvent,
} from '../../contract/index.js';
import { startTestServer, storeWith, useTestServer } from './support/app.js';
import {
  collect,
  collectEvents,
  connect,
  draft,
  makeSocket,
  nextEvent,
  request,
  requestRaw,
  roomWith,
  signUp,
  twoInARoom,
  type ClientSocket,
} from './support/clients.js';
import { waitUntil } from '../support/wait.js';
import type { AppendResult, Store } from '../../server/store/Store.js';

const srv = useTestServer();

/** The socket.io connect_error of a handshake that should fail. */
function handshakeError(
  socket: ClientSocket,
): Promise<Error & { data?: { code?: string; message?: string } }> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected, but should have been refused')));
    socket.once('connect_error', (err) => resolve(err as Error & { data?: { code?: string } }));
  });
}

describe('handshake', () => {
  it.each(['websocket', 'polling'] as const)(
    'refuses a handshake without a session cookie with UNAUTHENTICATED and a clear message (%s)',
    async (transport) => {
      const err = await handshakeError(makeSocket(srv.url, null, { transports: [transport] }));
      expect(err.data?.code).toBe(ErrorCode.UNAUTHENTICATED);
      expect(err.message).toMatch(/not signed in/i);
    },
  );

  it('refuses a forged or expired session cookie', async () => {
    const forged = await handshakeError(makeSocket(srv.url, `ferry_session=${'x'.repeat(43)}`));
    expect(forged.data?.code).toBe(ErrorCode.UNAUTHENTICATED);
    const garbage = await handshakeError(makeSocket(srv.url, 'ferry_session=%%%; other=1'));
    expect(garbage.data?.code).toBe(ErrorCode.UNAUTHENTICATED);
  });
});

describe('transports', () => {
  it.each([
    ['long-polling only', ['polling']],
    ['WebSocket only', ['websocket']],
    ['polling upgraded to WebSocket', ['polling', 'websocket']],
  ] as const)('delivers messages end to end over %s', async (_name, transports) => {
    const { bob, room, a, b } = await twoInARoom(srv.url, { transports: [...transports] });
    const toBob = nextEvent(b, ServerEvent.message, (m) => m.conversationId === room.id);
    const ack = await request(a, ClientEvent.send, draft(room.id, `over ${transports.join('+')}`));
    expect(ack).toMatchObject({ ok: true, duplicate: false, message: { seq: 1 } });
    expect((await toBob).text).toBe(`over ${transports.join('+')}`);
    const reply = nextEvent(a, ServerEvent.message, (m) => m.senderId === bob.id);
    await request(b, ClientEvent.send, draft(room.id, 'reply'));
    expect((await reply).seq).toBe(2);
  });
});

describe('compact messages', () => {
  it.each(['websocket', 'polling'] as const)(
    'reach a socket that asked for them without their default fields, and every other socket whole, from one broadcast (%s)',
    async (transport) => {
      const { bob, room, a } = await twoInARoom(srv.url);
      const compact = await connect(srv.url, bob.cookie, {
        transports: [transport],
        auth: { compact: true } satisfies HandshakeAuth,
      });
      const whole = await connect(srv.url, bob.cookie, { transports: [transport] });
      const seenCompact = collect(compact, ServerEvent.message);
      const seenWhole = collect(whole, ServerEvent.message);

      const sent = await request(a, ClientEvent.send, draft(room.id, 'plain'));
      if (!sent.ok) throw new Error(sent.error.message);
      const reaction = await request(a, ClientEvent.send, {
        id: randomUUID(),
        kind: 'reaction',
        targetId: sent.message.id,
        emoji: '👍',
        on: true,
        conversationId: room.id,
        typedAt: 1,
      });
      if (!reaction.ok) throw new Error(reaction.error.message);
      await waitUntil(
        'both sockets to get both',
        () => seenCompact.items.length === 2 && seenWhole.items.length === 2,
      );

      // Whole: exactly what the sender's ack holds, every field.
      expect(seenWhole.items).toEqual([sent.message, reaction.message]);
      // Compact: the same entries without what holds its default, which fullMessage puts back.
      const [plain, react] = seenCompact.items as unknown as CompactMessage[];
      expect(Object.keys(plain!).sort()).toEqual(
        ['id', 'conversationId', 'seq', 'senderId', 'senderName', 'text', 'typedAt', 'createdAt'].sort(),
      );
      expect(react).toMatchObject({
        kind: 'reaction',
        targetId: sent.message.id,
        emoji: '👍',
        reactionOn: true,
      });
      expect(react).not.toHaveProperty('deleted');
      expect(seenCompact.items.map((m) => fullMessage(m as unknown as CompactMessage))).toEqual(
        seenWhole.items,
      );
      expect(JSON.stringify(plain).length).toBeLessThan(JSON.stringify(sent.message).length * 0.8);
    },
  );
});

/**
 * A store that holds the first `count` append calls (appendMessage or appendMessages) until all
 * have come, then starts them together in arrival order: one commit, settled in one tick.
 */
function holdAppends(count: number) {
  const calls: (() => void)[] = [];
  const hold = (start: () => void): void => {
    calls.push(start);
    if (calls.length === count) for (const call of calls) call();
  };
  const wrap = (real: Store): Store =>
    storeWith(real, {
      appendMessage: (input) =>
        calls.length >= count
          ? real.appendMessage(input)
          : new Promise<AppendResult>((resolve) => hold(() => resolve(real.appendMessage(input)))),
      appendMessages: (inputs) => {
        if (calls.length >= count) return real.appendMessages(inputs);
        const settles: ((result: Promise<AppendResult>) => void)[] = [];
        const results = inputs.map(() => new Promise<AppendResult>((resolve) => settles.push(resolve)));
        hold(() => real.appendMessages(inputs).forEach((result, i) => settles[i]!(result)));
        return results;
      },
    });
  return { wrap, count: () => calls.length };
}

/** Alice, Bob and Carol in one room on `url`. */
async function threeInARoom(url: string) {
  const [alice, bob, carol] = [await signUp(url), await signUp(url), await signUp(url)];
  return { alice, bob, carol, room: await roomWith(url, alice, bob, carol) };
}

describe('batched messages', () => {
  const batching = { auth: { batch: true } satisfies HandshakeAuth };

  it.each(['websocket', 'polling'] as const)(
    "reach each socket of the conversation in one event per commit, in seq order, without the socket's own (%s)",
    async (transport) => {
      const held = holdAppends(3);
      const other = await startTestServer({ wrapStore: held.wrap });
      try {
        const { url } = other;
        const { alice, bob, carol, room } = await threeInARoom(url);
        const options = { ...batching, transports: [transport] };
        const [a, aOther, b, c] = [
          await connect(url, alice.cookie, options),
          await connect(url, alice.cookie, options),
          await connect(url, bob.cookie, options),
          await connect(url, carol.cookie, options),
        ];
        const seen = new Map([a, aOther, b, c].map((s) => [s, collectEvents(s)]));

        // Three senders: a socket's own sends are handled one after another, so each sends one.
        const a1 = request(a, ClientEvent.send, draft(room.id, 'a1'));
        await waitUntil('the first to reach the store', () => held.count() === 1);
        const b1 = request(b, ClientEvent.send, draft(room.id, 'b1'));
        await waitUntil('the second to reach the store', () => held.count() === 2);
        const a2 = request(aOther, ClientEvent.send, draft(room.id, 'a2'));
        const acks = await Promise.all([a1, b1, a2]);
        expect(acks.map((ack) => ack.ok && ack.message.seq)).toEqual([1, 2, 3]);

        const texts = (s: ClientSocket) => seen.get(s)!.map((event) => event.map((m) => m.text));
        await waitUntil('every socket to get its event', () =>
          [a, aOther, b, c].every((s) => seen.get(s)!.length === 1),
        );
        expect(texts(c)).toEqual([['a1', 'b1', 'a2']]);
        expect(seen.get(c)![0]!.map((m) => m.seq)).toEqual([1, 2, 3]);
        expect(texts(a)).toEqual([['b1', 'a2']]);
        expect(texts(aOther)).toEqual([['a1', 'b1']]);
        expect(texts(b)).toEqual([['a1', 'a2']]);
        // A later commit comes as its own event, after.
        await request(c, ClientEvent.send, draft(room.id, 'c1'));
        await waitUntil('the next commit at a', () => seen.get(a)!.length === 2);
        expect(texts(a)).toEqual([['b1', 'a2'], ['c1']]);
      } finally {
        await other.close();
      }
    },
  );

  it("come in seq order when one device's batch and another's send share a commit", async () => {
    const held = holdAppends(2);
    const other = await startTestServer({ wrapStore: held.wrap });
    try {
      const { url } = other;
      const { alice, bob, carol, room } = await threeInARoom(url);
      const [a, b, c] = [
        await connect(url, alice.cookie, batching),
        await connect(url, bob.cookie, batching),
        await connect(url, carol.cookie, batching),
      ];
      const seen = collectEvents(c);
      const batch = request(a, ClientEvent.sendBatch, {
        entries: [draft(room.id, 'x1'), draft(room.id, 'x2')],
      });
      await waitUntil('the batch to reach the store', () => held.count() === 1);
      const single = request(b, ClientEvent.send, draft(room.id, 'y'));
      await Promise.all([batch, single]);
      await waitUntil('the commit at c', () => seen.length === 1);
      expect(seen[0]!.map((m) => [m.seq, m.text])).toEqual([
        [1, 'x1'],
        [2, 'x2'],
        [3, 'y'],
      ]);
    } finally {
      await other.close();
    }
  });

  it.each(['websocket', 'polling'] as const)(
    'of one commit come one an event to a socket that did not ask for batches (compact or whole), together to one that did, never to the sender (%s)',
    async (transport) => {
      const { alice, bob, room, a } = await twoInARoom(srv.url, batching);
      const aSeen = collectEvents(a);
      const [batched, compact, whole] = [
        await connect(srv.url, alice.cookie, { ...batching, transports: [transport] }),
        await connect(srv.url, bob.cookie, { auth: { compact: true }, transports: [transport] }),
        await connect(srv.url, bob.cookie, { transports: [transport] }),
      ];
      const seen = [batched, compact, whole].map(collectEvents);
      const ack = await request(a, ClientEvent.sendBatch, {
        entries: [draft(room.id, 'one'), draft(room.id, 'two')],
      });
      if (!ack.ok) throw new Error(ack.error.message);
      const stored = ack.results.map((r) => (r.ok ? r.message : null));
      await waitUntil('every socket to get both', () => seen.every((events) => events.flat().length === 2));
      expect(seen[0]!.map((event) => event.map(fullMessage))).toEqual([stored]);
      expect(seen[1]!.map((event) => event.map(fullMessage))).toEqual(stored.map((m) => [m]));
      expect(seen[2]).toEqual(stored.map((m) => [m]));
      // The sending socket has both in its ack alone.
      expect(aSeen).toEqual([]);
    },
  );
});

describe('receipts', () => {
  it("reach the other member and the user's other devices, and never go down", async () => {
    const { bob, room, a, b } = await twoInARoom(srv.url);
    const bOther = await connect(srv.url, bob.cookie);
    for (let i = 0; i < 3; i++) await request(a, ClientEvent.send, draft(room.id, `m${i}`));

    const isBobs = (r: Receipt): boolean => r.userId === bob.id && r.readSeq === 2;
    const atAlice = nextEvent(a, ServerEvent.receipt, isBobs);
    const atBobsOtherDevice = nextEvent(bOther, ServerEvent.receipt, isBobs);
    const ack = await request(b, ClientEvent.receipt, {
      conversationId: room.id,
      deliveredSeq: 3,
      readSeq: 2,
    });
    const expected = { conversationId: room.id, userId: bob.id, deliveredSeq: 3, readSeq: 2 };
    expect(ack).toEqual({ ok: true, receipt: expected });
    expect(await atAlice).toEqual(expected);
    expect(await atBobsOtherDevice).toEqual(expected);

    // A late, lower receipt (from a slow device) does not move them back.
    const lower = await request(bOther, ClientEvent.receipt, {
      conversationId: room.id,
      deliveredSeq: 1,
      readSeq: 1,
    });
    expect(lower).toEqual({ ok: true, receipt: expected });
    const members = await request(a, ClientEvent.members, { conversationId: room.id });
    expect(members.ok && members.members.find((m) => m.userId === bob.id)).toMatchObject({
      deliveredSeq: 3,
      readSeq: 2,
    });
  });

  it('refuses a receipt from a non-member with FORBIDDEN', async () => {
    const alice = await signUp(srv.url);
    const mallory = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const m = await connect(srv.url, mallory.cookie);
    expect(await request(m, ClientEvent.receipt, { conversationId: room.id, readSeq: 1 })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.FORBIDDEN },
    });
  });
});

describe('typing', () => {
  it('reaches the other member (not the sending socket) and is rate-limited per user and conversation', async () => {
    const { alice, room, a, b } = await twoInARoom(srv.url);
    const echoed = collect(a, ServerEvent.typing);

    const atBob = nextEvent(b, ServerEvent.typing);
    expect(await request(a, ClientEvent.typing, { conversationId: room.id, typing: true })).toEqual({
      ok: true,
    });
    expect(await atBob).toEqual({
      conversationId: room.id,
      userId: alice.id,
      username: alice.username,
      typing: true,
    });

    const answers = [];
    for (let i = 1; i < TYPING_EVENTS_PER_WINDOW + 1; i++) {
      answers.push(await request(a, ClientEvent.typing, { conversationId: room.id, typing: i % 2 === 0 }));
    }
    expect(answers.slice(0, -1).every((x) => x.ok)).toBe(true);
    const limited = answers.at(-1)!;
    expect(limited).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED } });
    expect(limited.ok === false && limited.error.retryAfterMs).toBeGreaterThan(0);

    // The sender's own socket never got its typing back: a message sent after it arrives first.
    const marker = nextEvent(a, ServerEvent.message);
    await request(b, ClientEvent.send, draft(room.id, 'marker'));
    await marker;
    expect(echoed.items).toEqual([]);
  });

  it('refuses typing in a conversation the user is not in', async () => {
    const alice = await signUp(srv.url);
    const mallory = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const m = await connect(srv.url, mallory.cookie);
    expect(await request(m, ClientEvent.typing, { conversationId: room.id, typing: true })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.FORBIDDEN },
    });
  });
});

describe('presence', () => {
  it('tells members when a user comes online and when their last connection closes', async () => {
    const alice = await signUp(srv.url);
    const bob = await signUp(srv.url);
    await roomWith(srv.url, alice, bob);
    const a = await connect(srv.url, alice.cookie);

    const online = nextEvent(a, ServerEvent.presence, (p) => p.userId === bob.id);
    const b1 = await connect(srv.url, bob.cookie);
    expect(await online).toEqual({ userId: bob.id, online: true });

    const b2 = await connect(srv.url, bob.cookie);
    const changes = collect(a, ServerEvent.presence);
    const socketsOnServer = (): number => srv.app.io.of('/').sockets.size;
    const before = socketsOnServer();
    b1.close();
    await waitUntil('server to see the close', () => socketsOnServer() === before - 1, {
      timeoutMs: undefined,
    });
    // One of two connections closed: still online, nobody told otherwise.
    const members = await request(a, ClientEvent.members, {
      conversationId: (await srv.store.listUserConversationIds(bob.id))[0]!,
    });
    expect(members.ok && members.members.find((m) => m.userId === bob.id)?.online).toBe(true);

    const offline = nextEvent(a, ServerEvent.presence, (p) => p.userId === bob.id);
    b2.close();
    expect(await offline).toEqual({ userId: bob.id, online: false });
    expect(changes.items.filter((p) => p.userId === bob.id)).toEqual([{ userId: bob.id, online: false }]);
  });
});

describe('bad input', () => {
  it('answers an unknown event with UNKNOWN_EVENT, or ferry:error without an ack, and stays usable', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const a = await connect(srv.url, alice.cookie);
    const ack = await requestRaw(a, 'message:delete', { id: 'x' });
    expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.UNKNOWN_EVENT } });

    const error = nextEvent(a, ServerEvent.error);
    (a as unknown as { emit(e: string, p: unknown): void }).emit('no:such:event', { x: 1 });
    expect(await error).toMatchObject({ event: 'no:such:event', error: { code: ErrorCode.UNKNOWN_EVENT } });

    expect((await request(a, ClientEvent.send, draft(room.id, 'still works'))).ok).toBe(true);
  });

  it('answers payloads of the wrong shape with BAD_REQUEST and stays usable', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const a = await connect(srv.url, alice.cookie);
    const bad: unknown[][] = [
      [],
      [null],
      ['a string'],
      [42],
      [[1, 2, 3]],
      [{ ...draft(room.id, 'x'), id: 'not-a-uuid' }],
      [{ ...draft(room.id, 'x'), typedAt: 'yesterday' }],
      [{ conversationId: room.id }],
      [{ ...draft(room.id, 'x'), text: { nested: true } }],
    ];
    for (const args of bad) {
      const ack = await requestRaw(a, ClientEvent.send, ...args);
      expect(ack, JSON.stringify(args)).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
      expect(ack.ok === false && ack.error.message.length).toBeGreaterThan(10);
    }
    expect(
      await requestRaw(a, ClientEvent.messagesAfter, { conversationId: room.id, afterSeq: -1 }),
    ).toMatchObject({
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST },
    });
    expect((await request(a, ClientEvent.send, draft(room.id, 'still works'))).ok).toBe(true);
  });

  it('handles a send without an ack callback (stored, delivered, nothing crashes)', async () => {
    const { room, a, b } = await twoInARoom(srv.url);
    const atBob = nextEvent(b, ServerEvent.message);
    (a as unknown as { emit(e: string, p: unknown): void }).emit(ClientEvent.send, draft(room.id, 'no ack'));
    expect((await atBob).text).toBe('no ack');
    // And a bad one without an ack comes back as ferry:error.
    const error = nextEvent(a, ServerEvent.error);
    (a as unknown as { emit(e: string, p: unknown): void }).emit(ClientEvent.send, { nonsense: true });
    expect(await error).toMatchObject({ event: ClientEvent.send, error: { code: ErrorCode.BAD_REQUEST } });
  });

  it('answers INTERNAL when a handler fails unexpectedly, and the process and connection carry on', async () => {
    // A real store whose catch-up read breaks, as a corrupt page or a lost database would.
    const other = await startTestServer({
      wrapStore: (real) =>
        storeWith(real, { messagesAfter: () => Promise.reject(new Error('disk on fire')) }),
    });
    const { url } = other;
    try {
      const alice = await signUp(url);
      const conversationId = (await roomWith(url, alice)).id;
      const a = await connect(url, alice.cookie);
      const ack = await request(a, ClientEvent.messagesAfter, { conversationId, afterSeq: 0 });
      expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.INTERNAL } });
      expect(ack.ok === false && ack.error.message).not.toContain('disk on fire');
      expect((await request(a, ClientEvent.send, draft(conversationId, 'still here'))).ok).toBe(true);
    } finally {
      await other.close();
    }
  });
});
