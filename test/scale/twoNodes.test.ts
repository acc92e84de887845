/**
 * Two server processes on two ports, sharing PostgreSQL and Redis, act as one: people on
 * different nodes chat, see each other's receipts, typing and presence, and share the limits.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  HttpPath,
  eventsPath,
  messagesPath,
  fullMessage,
  type Ack,
  type CompactMessage,
  type HandshakeAuth,
  type Message,
  ClientEvent,
  ServerEvent,
  membersPath,
} from '../../contract/index.js';
import {
  closeAllSockets,
  collectEvents,
  connect,
  draft,
  http,
  nextEvent,
  openSse,
  request,
  roomAcross,
  signIn,
  signUp,
  uniqueUsername,
  type SseClient,
  type TestUser,
} from '../server/support/clients.js';
import { startCluster, watchBus, type Cluster } from './support/cluster.js';
import { waitUntil } from '../support/wait.js';

/** Creates a room as `owner` on one node and lets `others` join it by invite, each on theirs. */
const roomWith = (ownerNode: string, owner: TestUser, others: [string, TestUser][]) =>
  roomAcross(ownerNode, owner, others, 'across nodes');

describe('two nodes sharing PostgreSQL and Redis', () => {
  let cluster: Cluster;
  let A: string;
  let B: string;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2 });
    [A, B] = cluster.nodes.map((n) => n.url) as [string, string];
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  afterEach(() => closeAllSockets());

  it('stores a batch sent on one node in order for a member on the other (in one event, compact or whole, as each socket asked), and refuses in its place an entry for a conversation the sender is not in', async () => {
    const alice = await signUp(A);
    const bob = await signUp(B);
    const mallory = await signUp(B);
    const room = await roomWith(A, alice, [[B, bob]]);
    const aliceSocket = await connect(A, alice.cookie);
    const bobSocket = await connect(B, bob.cookie);
    const bobCompact = await connect(B, bob.cookie, { auth: { compact: true } satisfies HandshakeAuth });
    const bobBatched = await connect(B, bob.cookie, { auth: { batch: true } satisfies HandshakeAuth });
    const texts = ['one', 'two', 'three', 'four'];
    const heard: number[] = [];
    bobSocket.on(ServerEvent.message, (m) => void heard.push(m.seq));
    const heardCompact: unknown[] = [];
    bobCompact.on(ServerEvent.message, (m) => void heardCompact.push(m));
    const heardBatched = collectEvents(bobBatched);
    const sent = await request(aliceSocket, ClientEvent.sendBatch, {
      entries: texts.map((text) => draft(room.id, text)),
    });
    expect(sent.ok && sent.results.map((r) => r.ok && [r.message.text, r.message.seq])).toEqual(
      texts.map((text, i) => [text, i + 1]),
    );
    await waitUntil(
      'bob on node B to hear all four, on every socket',
      () => heard.length === 4 && heardCompact.length === 4 && heardBatched.length === 1,
    );
    expect(heard).toEqual([1, 2, 3, 4]);
    // One commit: one event through Redis to the other node's batching socket.
    expect(heardBatched.map((event) => event.map((m) => m.seq))).toEqual([[1, 2, 3, 4]]);
    // Across nodes too, each socket gets the form it asked for at its handshake.
    expect(heardCompact.map((m) => Object.keys(m as object).includes('reactions'))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(heardCompact.map((m) => fullMessage(m as CompactMessage))).toEqual(
      sent.ok ? sent.results.map((r) => r.ok && r.message) : [],
    );

    // On PostgreSQL the membership is read inside the commit: a non-member's entry is refused
    // there, in its place, and the entries around it (the sender's own) are stored.
    const own = await roomWith(B, mallory, []);
    const mallorySocket = await connect(B, mallory.cookie);
    const probe = await request(mallorySocket, ClientEvent.sendBatch, {
      entries: [draft(own.id, 'mine'), draft(room.id, 'probe'), draft(own.id, 'after')],
    });
    expect(probe.ok && probe.results.map((r) => (r.ok ? r.message.text : r.error.code))).toEqual([
      'mine',
      'FORBIDDEN',
      'after',
    ]);
    // Nothing of the probe reached the room.
    expect(
      await request(bobSocket, ClientEvent.messagesAfter, { conversationId: room.id, afterSeq: 4 }),
    ).toMatchObject({
      ok: true,
      messages: [],
    });
  });

  it('refuses a room name and a message text with U+0000 with a clear BAD_REQUEST (PostgreSQL text cannot hold it)', async () => {
    const alice = await signUp(A);
    const socket = await connect(A, alice.cookie);
    const named = await request(socket, ClientEvent.createRoom, { name: 'nul \u0000 room' });
    expect(named.ok || named.error).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('NUL'),
    });
    const room = await request(socket, ClientEvent.createRoom, { name: 'plain room' });
    if (!room.ok) throw new Error(room.error.message);
    const sent = await request(socket, ClientEvent.send, draft(room.conversation.id, 'nul \u0000 text'));
    expect(sent.ok || sent.error).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('NUL'),
    });
    // The connection and the store carry on.
    const fine = await request(socket, ClientEvent.send, draft(room.conversation.id, 'plain text'));
    expect(fine.ok).toBe(true);
  });

  it('lets people on different nodes chat, with receipts, typing and presence', async () => {
    const alice = await signUp(A);
    const bob = await signUp(B);
    const room = await roomWith(A, alice, [[B, bob]]);

    const aliceSocket = await connect(A, alice.cookie);
    // Bob comes online on node B: Alice on node A hears it.
    const bobOnline = nextEvent(aliceSocket, ServerEvent.presence, (p) => p.userId === bob.id && p.online);
    const bobSocket = await connect(B, bob.cookie);
    await bobOnline;

    // Messages both ways, each seen live by the other node's socket.
    const toBob = nextEvent(bobSocket, ServerEvent.message, (m) => m.text === 'hello from A');
    const sent = await request(aliceSocket, ClientEvent.send, draft(room.id, 'hello from A'));
    expect(sent).toMatchObject({ ok: true, duplicate: false, message: { seq: 1 } });
    expect(await toBob).toMatchObject({ seq: 1, senderId: alice.id, conversationId: room.id });

    const toAlice = nextEvent(aliceSocket, ServerEvent.message, (m) => m.text === 'hello from B');
    expect(await request(bobSocket, ClientEvent.send, draft(room.id, 'hello from B'))).toMatchObject({
      ok: true,
      message: { seq: 2 },
    });
    expect(await toAlice).toMatchObject({ seq: 2, senderId: bob.id });

    // Bob has read everything: Alice's node relays his receipt.
    const receipt = nextEvent(
      aliceSocket,
      ServerEvent.receipt,
      (r) => r.userId === bob.id && r.readSeq === 2,
    );
    expect(
      await request(bobSocket, ClientEvent.receipt, { conversationId: room.id, readSeq: 2 }),
    ).toMatchObject({
      ok: true,
    });
    expect(await receipt).toMatchObject({ conversationId: room.id, deliveredSeq: 2, readSeq: 2 });

    // Typing on A reaches B.
    const typing = nextEvent(bobSocket, ServerEvent.typing, (t) => t.userId === alice.id);
    aliceSocket.emit(ClientEvent.typing, { conversationId: room.id, typing: true });
    expect(await typing).toMatchObject({ conversationId: room.id, typing: true, username: alice.username });

    // Bob's last connection closes on B: Alice on A sees him go offline.
    const bobOffline = nextEvent(aliceSocket, ServerEvent.presence, (p) => p.userId === bob.id && !p.online);
    bobSocket.close();
    await bobOffline;
  });

  it('moves a connected socket into a room joined through the other node', async () => {
    const alice = await signUp(A);
    const bob = await signUp(B);
    const room = await roomWith(A, alice, []);
    const bobSocket = await connect(B, bob.cookie);
    const joinedEvent = nextEvent(bobSocket, ServerEvent.joined, (c) => c.id === room.id);
    // Bob joins over HTTP on node A while his socket lives on node B.
    const joined = await http(A, HttpPath.join, {
      method: 'POST',
      body: { inviteCode: room.inviteCode },
      cookie: bob.cookie,
    });
    expect(joined.body).toMatchObject({ ok: true });
    await joinedEvent;
    const live = nextEvent(bobSocket, ServerEvent.message, (m) => m.text === 'welcome');
    const aliceSocket = await connect(A, alice.cookie);
    await request(aliceSocket, ClientEvent.send, draft(room.id, 'welcome'));
    expect(await live).toMatchObject({ conversationId: room.id, seq: 1 });
  });

  it('feeds an SSE stream on one node with messages sent through the other', async () => {
    const alice = await signUp(A);
    const bob = await signUp(B);
    const room = await roomWith(A, alice, [[B, bob]]);
    const feed = await openSse(B, eventsPath(room.id), bob.cookie, { lastEventId: '0' });
    expect(feed.status).toBe(200);
    try {
      const aliceSocket = await connect(A, alice.cookie);
      for (const text of ['one', 'two', 'three'])
        await request(aliceSocket, ClientEvent.send, draft(room.id, text));
      await feed.until((events) => events.filter((e) => e.event === 'message').length >= 3);
      const messages = feed.events
        .filter((e) => e.event === 'message')
        .map((e) => JSON.parse(e.data) as Message);
      expect(messages.map((m) => [m.seq, m.text])).toEqual([
        [1, 'one'],
        [2, 'two'],
        [3, 'three'],
      ]);
      expect(feed.events.filter((e) => e.event === 'message').map((e) => e.id)).toEqual(['1', '2', '3']);
    } finally {
      feed.close();
    }
  });

  it('feeds an SSE stream on one node with a burst sent at once through the other, in seq order, each once', async () => {
    const alice = await signUp(A);
    const bob = await signUp(B);
    const room = await roomWith(A, alice, [[B, bob]]);
    const feed = await openSse(B, eventsPath(room.id), bob.cookie, { lastEventId: '0' });
    expect(feed.status).toBe(200);
    try {
      const aliceSocket = await connect(A, alice.cookie);
      const texts = Array.from({ length: 40 }, (_, i) => `burst ${i}`);
      // Emitted in one go: they commit together and cross to node B together.
      const acks = await Promise.all(
        texts.map((text) => request(aliceSocket, ClientEvent.send, draft(room.id, text))),
      );
      expect(acks.every((ack) => ack.ok)).toBe(true);
      await feed.until((events) => events.filter((e) => e.event === 'message').length >= texts.length);
      const messages = feed.events
        .filter((e) => e.event === 'message')
        .map((e) => JSON.parse(e.data) as Message);
      // One socket's sends keep their order: seq i is the i-th text.
      expect(messages.map((m) => [m.seq, m.text])).toEqual(texts.map((text, i) => [i + 1, text]));
    } finally {
      feed.close();
    }
  });

  it('publishes a conversation to the other nodes only while some node has a feed open in it', async () => {
    const alice = await signUp(A);
    const bob = await signUp(B);
    const first = await roomWith(A, alice, [[B, bob]]);
    const second = await roomWith(A, alice, [[B, bob]]);
    const crossing = await watchBus(cluster);
    const aliceSocket = await connect(A, alice.cookie);
    const crossed = (text: string) => crossing.packets.some((p) => p.includes(text));
    const sentTo = new Map<string, string[]>([
      [first.id, []],
      [second.id, []],
    ]);
    // Node A publishes in the order its sends settle, so `fed`'s message crossing after `quiet`'s
    // proves `quiet`'s did not cross. A node publishes everything until it has heard which feeds
    // the others have open (just after it started): rounds go on until that holds.
    const publishesOnlyFed = async (fed: string, quiet: string, feed: SseClient) => {
      for (let round = 0; ; round++) {
        const [silent, heard] = [`${quiet} quiet ${round}`, `${fed} fed ${round}`];
        await request(aliceSocket, ClientEvent.send, draft(quiet, silent));
        await request(aliceSocket, ClientEvent.send, draft(fed, heard));
        sentTo.get(quiet)?.push(silent);
        sentTo.get(fed)?.push(heard);
        await waitUntil(`"${heard}" published across`, () => crossed(heard));
        await feed.until((events) => events.some((e) => e.data.includes(heard)));
        if (!crossed(silent)) return;
      }
    };
    // A feed sends its backlog only after every other node has heard of it (RemoteFeeds), but its
    // response starts before: a message read back from the store marks that node A now knows.
    const openHeardFeed = async (conversationId: string, marker: string): Promise<SseClient> => {
      await request(aliceSocket, ClientEvent.send, draft(conversationId, marker));
      sentTo.get(conversationId)?.push(marker);
      const feed = await openSse(B, eventsPath(conversationId), bob.cookie, { lastEventId: '0' });
      await feed.until((events) => events.some((e) => e.data.includes(marker)));
      return feed;
    };
    try {
      const feedOfFirst = await openHeardFeed(first.id, 'first heard');
      try {
        await publishesOnlyFed(first.id, second.id, feedOfFirst);
      } finally {
        feedOfFirst.close();
      }
      // The feed moved to the other conversation: so does what crosses.
      const feedOfSecond = await openHeardFeed(second.id, 'second heard');
      try {
        await publishesOnlyFed(second.id, first.id, feedOfSecond);
        // And the feed got every message of its conversation once, in seq order, the ones that
        // did not cross from the store.
        const messages = feedOfSecond.events
          .filter((e) => e.event === 'message')
          .map((e) => JSON.parse(e.data) as Message);
        expect(messages.map((m) => m.seq)).toEqual(messages.map((_, i) => i + 1));
        expect(messages.map((m) => m.text)).toEqual(sentTo.get(second.id));
      } finally {
        feedOfSecond.close();
      }
    } finally {
      await crossing.stop();
    }
  });

  it('counts presence over connections on both nodes', async () => {
    const alice = await signUp(A);
    const bob = await signUp(B);
    const room = await roomWith(A, alice, [[B, bob]]);
    const aliceSocket = await connect(A, alice.cookie);
    const events: { userId: string; online: boolean }[] = [];
    aliceSocket.on(ServerEvent.presence, (p) => events.push(p));

    const bobOnB = await connect(B, bob.cookie);
    await waitUntil('bob online', () => events.some((e) => e.userId === bob.id && e.online), {
      timeoutMs: undefined,
    });
    const bobOnA = await connect(A, bob.cookie);
    const bobOnline = async (): Promise<boolean> => {
      const res = await request(aliceSocket, ClientEvent.members, { conversationId: room.id });
      if (!res.ok) throw new Error(res.error.message);
      return res.members.find((m) => m.userId === bob.id)!.online;
    };
    expect(await bobOnline()).toBe(true);

    // One of two connections closes (on B): Bob is still online through A, on every node.
    bobOnB.close();
    await waitUntil('B to count the disconnect', async () => (await countBobConnections()) === 1, {
      timeoutMs: undefined,
    });
    expect(await bobOnline()).toBe(true);
    const viaB = await http<Ack<{ members: { userId: string; online: boolean }[] }>>(
      B,
      membersPath(room.id),
      { cookie: alice.cookie },
    );
    expect(viaB.body.ok && viaB.body.members.find((m) => m.userId === bob.id)?.online).toBe(true);
    expect(events.filter((e) => e.userId === bob.id && !e.online)).toEqual([]);

    // The last one closes: offline everywhere, announced once.
    const offline = nextEvent(aliceSocket, ServerEvent.presence, (p) => p.userId === bob.id && !p.online);
    bobOnA.close();
    await offline;
    expect(await bobOnline()).toBe(false);
    expect(events.filter((e) => e.userId === bob.id && e.online)).toHaveLength(1);

    async function countBobConnections(): Promise<number> {
      const { withRedis } = await import('./support/redis.js');
      return withRedis(cluster.redisUrl, async (c) =>
        Number((await c.hGet(`${cluster.redisPrefix}presence:total`, bob.id)) ?? 0),
      );
    }
  });

  it('holds the sign-in throttle across nodes', async () => {
    const carol = await signUp(A);
    const answers: number[] = [];
    // Wrong passwords, alternating between the nodes: the shared bucket runs out all the same.
    for (let i = 0; i < 6; i++) {
      const res = await signIn(i % 2 ? A : B, carol.username, 'not the password');
      answers.push(res.status);
    }
    expect(answers.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(answers[5]).toBe(429);
    const right = await signIn(A, carol.username, carol.password);
    expect(right.status).toBe(429);
    expect(right.body).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  });

  it('relays an edit, a reaction and a deletion made on one node to sockets on the other', async () => {
    const alice = await signUp(A);
    const bob = await signUp(B);
    const room = await roomWith(A, alice, [[B, bob]]);
    const a = await connect(A, alice.cookie);
    const b = await connect(B, bob.cookie);
    const sent = await request(a, ClientEvent.send, draft(room.id, 'across'));
    if (!sent.ok) throw new Error(sent.error.message);
    const m = sent.message;

    const editSeen = nextEvent(b, ServerEvent.message, (x) => x.kind === 'edit');
    const edit = {
      id: randomUUID(),
      conversationId: room.id,
      kind: 'edit',
      targetId: m.id,
      text: 'across, edited',
      typedAt: Date.now(),
    } as const;
    expect(await request(a, ClientEvent.send, edit)).toMatchObject({
      ok: true,
    });
    expect(await editSeen).toMatchObject({
      seq: 2,
      targetId: m.id,
      text: 'across, edited',
      senderId: alice.id,
    });

    const reactionSeen = nextEvent(a, ServerEvent.message, (x) => x.kind === 'reaction');
    const reaction = {
      kind: 'reaction',
      targetId: m.id,
      emoji: '👍',
      on: true,
      typedAt: Date.now(),
    } as const;
    expect(
      await request(b, ClientEvent.send, { ...reaction, id: randomUUID(), conversationId: room.id }),
    ).toMatchObject({
      ok: true,
    });
    expect(await reactionSeen).toMatchObject({ seq: 3, emoji: '👍', senderId: bob.id });

    const deleteSeen = nextEvent(b, ServerEvent.message, (x) => x.kind === 'delete');
    const removal = {
      id: randomUUID(),
      conversationId: room.id,
      kind: 'delete',
      targetId: m.id,
      typedAt: 1,
    } as const;
    expect(await request(a, ClientEvent.send, removal)).toMatchObject({ ok: true });
    expect(await deleteSeen).toMatchObject({ seq: 4, targetId: m.id });
    const page = await request(b, ClientEvent.messagesAfter, { conversationId: room.id, afterSeq: 0 });
    if (!page.ok) throw new Error(page.error.message);
    expect(page.messages[0]).toMatchObject({
      deleted: true,
      text: '',
      reactions: [{ emoji: '👍', userIds: [bob.id] }],
    });
    expect(page.messages[1]).toMatchObject({ kind: 'edit', text: '' });
  });

  it('decides an edit and a deletion of one message sent at once on two nodes one after the other', async () => {
    const alice = await signUp(A);
    const room = await roomWith(A, alice, []);
    const onA = await connect(A, alice.cookie);
    const onB = await connect(B, alice.cookie);
    const outcomes = new Set<string>();
    for (let round = 0; round < 8; round++) {
      const sent = await request(onA, ClientEvent.send, draft(room.id, `race ${round}`));
      if (!sent.ok) throw new Error(sent.error.message);
      const target = sent.message.id;
      const edit = { kind: 'edit', targetId: target, text: `race ${round}, edited`, typedAt: 1 } as const;
      const removal = { kind: 'delete', targetId: target, typedAt: 1 } as const;
      // Alternate which node gets which, so either may win the conversation's row lock.
      const [editOn, deleteOn] = round % 2 === 0 ? [onA, onB] : [onB, onA];
      const [edited, deleted] = await Promise.all([
        request(editOn, ClientEvent.send, { ...edit, id: randomUUID(), conversationId: room.id }),
        request(deleteOn, ClientEvent.send, { ...removal, id: randomUUID(), conversationId: room.id }),
      ]);
      // The deletion always succeeds; the edit either came first (and lost its text with the
      // deletion) or came after it and was refused.
      if (!deleted.ok) throw new Error(deleted.error.message);
      if (edited.ok) {
        expect(edited.message.seq).toBeLessThan(deleted.message.seq);
        outcomes.add('edit first');
      } else {
        expect(edited.error.code).toBe('MESSAGE_DELETED');
        outcomes.add('delete first');
      }
      // Both nodes read one log, with the message deleted and no text left anywhere.
      for (const socket of [onA, onB]) {
        const page = await request(socket, ClientEvent.messagesAfter, {
          conversationId: room.id,
          afterSeq: sent.message.seq - 1,
        });
        if (!page.ok) throw new Error(page.error.message);
        expect(page.messages[0]).toMatchObject({ id: target, deleted: true, text: '' });
        expect(page.messages.filter((x) => x.kind === 'edit').every((x) => x.text === '')).toBe(true);
        expect(page.messages.map((x) => x.kind)).toEqual(
          edited.ok ? ['message', 'edit', 'delete'] : ['message', 'delete'],
        );
      }
    }
    expect(outcomes.size).toBeGreaterThan(0);
  });
});

describe('two nodes with small rate limits', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    // 4 messages at once, then one every 100 s; 3 sign-ups per address, then one an hour:
    // nothing refills during the test. TRUST_PROXY lets a test pick its client address.
    cluster = await startCluster({
      nodes: 2,
      env: {
        SEND_BURST: '4',
        SEND_RATE_PER_SECOND: '0.01',
        SIGNUP_BURST: '3',
        SIGNUP_RATE_PER_HOUR: '1',
        TRUST_PROXY: 'true',
      },
    });
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  afterEach(() => closeAllSockets());

  it('holds the per-user send rate limit across nodes', async () => {
    const [A, B] = cluster.nodes.map((n) => n.url) as [string, string];
    const dave = await signUp(A);
    const room = await roomWith(A, dave, []);
    const onA = await connect(A, dave.cookie);
    const onB = await connect(B, dave.cookie);
    const results: Ack[] = [];
    for (let i = 0; i < 4; i++) {
      results.push(await request(i % 2 ? onA : onB, ClientEvent.send, draft(room.id, `m${i}`)));
    }
    expect(results.every((r) => r.ok)).toBe(true);
    const overA = await request(onA, ClientEvent.send, draft(room.id, 'one too many'));
    const overB = await http(B, messagesPath(room.id), {
      method: 'POST',
      body: { id: crypto.randomUUID(), text: 'one too many', typedAt: Date.now() },
      cookie: dave.cookie,
    });
    expect(overA).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect(overA.ok || overA.error.retryAfterMs).toBeGreaterThan(0);
    expect(overB.status).toBe(429);
  });

  it('holds the per-address sign-up limit across nodes', async () => {
    const [A, B] = cluster.nodes.map((n) => n.url) as [string, string];
    const signUpFrom = (url: string, address: string) =>
      http(url, HttpPath.signup, {
        method: 'POST',
        body: { username: uniqueUsername(), password: 'a good password' },
        headers: { 'x-forwarded-for': address },
      });
    const statuses: number[] = [];
    for (const url of [A, B, A, B]) statuses.push((await signUpFrom(url, '198.51.100.20')).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    expect((await signUpFrom(A, '198.51.100.21')).status).toBe(201);
  });
});
