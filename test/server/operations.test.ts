/**
 * Every action as an entry of the conversation log, over the socket and HTTP: replies, edits,
 * deletions for everyone and reaction changes get their own seq, relay live (socket and SSE),
 * come back in catch-up in seq order, resend idempotently (also after their target changed), and
 * each refused rule answers its code. A deletion removes the text from the SQLite file and search.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  HTTP_STATUS,
  eventsPath,
  messagesPath,
  type Message,
  type MessagePage,
  type SendMessageRequest,
  type SendResult,
  type Ack,
  ClientEvent,
  ServerEvent,
} from '../../contract/index.js';
import { loadConfig } from '../../server/config.js';
import { DATABASE_FILE } from '../../server/store/sqlite/openDatabase.js';
import { startTestServer, useTestServer } from './support/app.js';
import {
  collect,
  connect,
  draft,
  http,
  joinRoom,
  openSse,
  request,
  signUp,
  twoInARoom,
  type ClientSocket,
  type TestUser,
} from './support/clients.js';
import { waitUntil } from '../support/wait.js';

const srv = useTestServer();

const edit = (conversationId: string, targetId: string, text: string, id = randomUUID()) =>
  ({ id, conversationId, kind: 'edit', targetId, text, typedAt: Date.now() }) as const;
const del = (conversationId: string, targetId: string, id = randomUUID()) =>
  ({ id, conversationId, kind: 'delete', targetId, typedAt: Date.now() }) as const;
const react = (conversationId: string, targetId: string, emoji: string, on = true, id = randomUUID()) =>
  ({ id, conversationId, kind: 'reaction', targetId, emoji, on, typedAt: Date.now() }) as const;
const reply = (conversationId: string, replyTo: string, text: string) => ({
  ...draft(conversationId, text),
  replyTo,
});

/** Sends one entry and returns what was stored, failing the test on an error ack. */
async function send(socket: ClientSocket, payload: SendMessageRequest): Promise<Message> {
  const ack = await request(socket, ClientEvent.send, payload);
  if (!ack.ok) throw new Error(`${ack.error.code}: ${ack.error.message}`);
  expect(ack.duplicate).toBe(false);
  return ack.message;
}

/** The code a refused send answers with. */
async function refusedWith(socket: ClientSocket, payload: SendMessageRequest): Promise<string> {
  const ack = await request(socket, ClientEvent.send, payload);
  if (ack.ok) throw new Error(`expected a refusal, got seq ${ack.message.seq}`);
  return ack.error.code;
}

/** POST of one entry over HTTP (the conversation id goes in the path). */
async function post(baseUrl: string, user: TestUser, payload: SendMessageRequest) {
  const { conversationId, ...body } = payload;
  return http<Ack<SendResult>>(baseUrl, messagesPath(conversationId), {
    method: 'POST',
    body,
    cookie: user.cookie,
  });
}

async function after(socket: ClientSocket, conversationId: string, afterSeq: number): Promise<Message[]> {
  const ack = await request(socket, ClientEvent.messagesAfter, { conversationId, afterSeq });
  if (!ack.ok) throw new Error(ack.error.message);
  return ack.messages;
}

describe('operations over the socket', () => {
  it('relays a reply, an edit, reactions and a deletion live in seq order; catch-up returns every kind and the final state', async () => {
    const { alice, bob, room, a, b } = await twoInARoom(srv.url);
    const seenByA = collect(a, ServerEvent.message);
    const seenByB = collect(b, ServerEvent.message);
    const hello = await send(a, draft(room.id, 'hello there'));
    const answer = await send(b, reply(room.id, hello.id, 'hi!'));
    expect(answer).toMatchObject({ kind: 'message', replyTo: hello.id, seq: 2 });
    const edited = await send(a, edit(room.id, hello.id, 'hello everyone'));
    expect(edited).toMatchObject({ kind: 'edit', targetId: hello.id, text: 'hello everyone', seq: 3 });
    const thumbs = await send(b, react(room.id, hello.id, '👍'));
    expect(thumbs).toMatchObject({ kind: 'reaction', emoji: '👍', reactionOn: true, text: '', seq: 4 });
    await send(a, react(room.id, answer.id, '❤️'));
    const removal = await send(b, del(room.id, answer.id));
    expect(removal).toMatchObject({ kind: 'delete', targetId: answer.id, text: '', seq: 6 });

    // Each sees the other's entries live (their own come in their acks), in seq order.
    await waitUntil('live entries', () => seenByA.items.length === 3 && seenByB.items.length === 3, {
      timeoutMs: undefined,
    });
    expect(seenByB.items.map((m) => [m.seq, m.kind])).toEqual([
      [1, 'message'],
      [3, 'edit'],
      [5, 'reaction'],
    ]);
    expect(seenByA.items.map((m) => [m.seq, m.kind])).toEqual([
      [2, 'message'],
      [4, 'reaction'],
      [6, 'delete'],
    ]);

    // Catch-up after seq 2 has every kind; a message read afterwards carries their effect.
    expect((await after(b, room.id, 2)).map((m) => m.kind)).toEqual([
      'edit',
      'reaction',
      'reaction',
      'delete',
    ]);
    const [first, second] = await after(a, room.id, 0);
    expect(first).toMatchObject({
      id: hello.id,
      text: 'hello everyone',
      editedAt: edited.createdAt,
      deleted: false,
      reactions: [{ emoji: '👍', userIds: [bob.id] }],
    });
    expect(second).toMatchObject({ id: answer.id, deleted: true, text: '', replyTo: hello.id });
    // History pages read the same state.
    const history = await request(a, ClientEvent.messagesBefore, { conversationId: room.id });
    if (!history.ok) throw new Error(history.error.message);
    expect(history.messages.slice(0, 2)).toEqual([first, second]);
    expect(alice.id).not.toBe(bob.id);
  });

  it('relays operations over HTTP long-polling like over WebSocket', async () => {
    const { room, a, b } = await twoInARoom(srv.url, { transports: ['polling'], upgrade: false });
    expect(a.io.engine.transport.name).toBe('polling');
    const seen = collect(b, ServerEvent.message);
    const m = await send(a, draft(room.id, 'polled'));
    await send(a, edit(room.id, m.id, 'polled, edited'));
    await send(b, react(room.id, m.id, '👍'));
    await send(a, del(room.id, m.id));
    await waitUntil('message, edit and deletion over polling', () => seen.items.length === 3, {
      timeoutMs: undefined,
    });
    expect(seen.items.map((x) => [x.seq, x.kind])).toEqual([
      [1, 'message'],
      [2, 'edit'],
      [4, 'delete'],
    ]);
  });

  it('totals reactions per emoji with who reacted, as people add and take them back', async () => {
    const { alice, room, a, b } = await twoInARoom(srv.url);
    const carol = await signUp(srv.url);
    await joinRoom(srv.url, carol, room.inviteCode!);
    const c = await connect(srv.url, carol.cookie);
    const m = await send(a, draft(room.id, 'vote'));
    await send(b, react(room.id, m.id, '👍'));
    await send(c, react(room.id, m.id, '👍'));
    await send(c, react(room.id, m.id, '😂'));
    await send(a, react(room.id, m.id, '👍'));
    // Adding again changes nothing, but is logged like any change.
    await send(a, react(room.id, m.id, '👍'));
    await send(b, react(room.id, m.id, '👍', false));
    const [read] = await after(c, room.id, 0);
    expect(read!.reactions).toEqual([
      { emoji: '👍', userIds: [carol.id, alice.id] },
      { emoji: '😂', userIds: [carol.id] },
    ]);
    expect((await after(c, room.id, 0)).length).toBe(7);
  });

  it('answers a resend of each kind as its duplicate, also after the target changed, and another payload under its id with ID_CONFLICT', async () => {
    const { alice, room, a, b } = await twoInARoom(srv.url);
    const seenByB = collect(b, ServerEvent.message);
    const m = await send(a, draft(room.id, 'first'));
    const payloads = {
      reply: reply(room.id, m.id, 'an answer'),
      edit: edit(room.id, m.id, 'first, edited'),
      reaction: react(room.id, m.id, '🎉'),
      delete: del(room.id, m.id),
    };
    const stored: Record<string, Message> = {};
    for (const [name, payload] of Object.entries(payloads)) stored[name] = await send(a, payload);
    // The message is deleted now: an edit, a reaction or a reply to it would be refused, but
    // these are resends of entries already accepted.
    for (const [name, payload] of Object.entries(payloads)) {
      const again = await request(a, ClientEvent.send, payload);
      expect(again, name).toMatchObject({ ok: true, duplicate: true, message: { id: payload.id } });
      if (again.ok) expect(again.message.seq).toBe(stored[name]!.seq);
    }
    // The edit's text went with the deletion.
    const resentEdit = await request(a, ClientEvent.send, payloads.edit);
    expect(resentEdit).toMatchObject({ ok: true, message: { text: '' } });
    // Over HTTP too: 200 for a duplicate.
    const overHttp = await post(srv.url, alice, payloads.reaction);
    expect(overHttp.status).toBe(200);
    expect(overHttp.body).toEqual({ ok: true, duplicate: true, message: stored.reaction });

    expect(await refusedWith(a, { ...payloads.reaction, on: false })).toBe(ErrorCode.ID_CONFLICT);
    expect(await refusedWith(a, { ...payloads.reaction, emoji: '👍' })).toBe(ErrorCode.ID_CONFLICT);
    expect(await refusedWith(a, { ...payloads.reply, text: 'other text' })).toBe(ErrorCode.ID_CONFLICT);
    expect(await refusedWith(a, { ...payloads.edit, targetId: payloads.reply.id })).toBe(
      ErrorCode.ID_CONFLICT,
    );
    expect(await refusedWith(a, { ...payloads.delete, kind: 'edit', text: 'x' })).toBe(ErrorCode.ID_CONFLICT);
    expect(await refusedWith(b, payloads.reaction)).toBe(ErrorCode.ID_CONFLICT);
    // Nothing new was stored or relayed.
    expect((await after(a, room.id, 0)).length).toBe(5);
    await waitUntil('five live entries', () => seenByB.items.length === 5, { timeoutMs: undefined });
    const probe = await send(a, draft(room.id, 'probe'));
    await waitUntil('probe', () => seenByB.items.some((x) => x.id === probe.id), { timeoutMs: undefined });
    expect(seenByB.items.map((x) => x.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('rules', () => {
  it('refuses what a rule forbids with its code, over the socket and HTTP, and stores nothing', async () => {
    const { alice, bob, room, a, b } = await twoInARoom(srv.url);
    const other = await twoInARoom(srv.url);
    const m = await send(a, draft(room.id, 'mine'));
    const elsewhere = await send(other.a, draft(other.room.id, 'not in this room'));
    const anEdit = await send(a, edit(room.id, m.id, 'mine, edited'));

    expect(await refusedWith(b, edit(room.id, m.id, 'hijacked'))).toBe(ErrorCode.NOT_AUTHOR);
    expect(await refusedWith(b, del(room.id, m.id))).toBe(ErrorCode.NOT_AUTHOR);
    expect(await refusedWith(a, edit(room.id, elsewhere.id, 'x'))).toBe(ErrorCode.MESSAGE_NOT_FOUND);
    expect(await refusedWith(a, react(room.id, elsewhere.id, '👍'))).toBe(ErrorCode.MESSAGE_NOT_FOUND);
    expect(await refusedWith(a, reply(room.id, elsewhere.id, 'x'))).toBe(ErrorCode.MESSAGE_NOT_FOUND);
    expect(await refusedWith(a, del(room.id, randomUUID()))).toBe(ErrorCode.MESSAGE_NOT_FOUND);
    // An operation is not a message: it cannot be the target of another.
    expect(await refusedWith(a, del(room.id, anEdit.id))).toBe(ErrorCode.MESSAGE_NOT_FOUND);
    for (const emoji of ['ok', '👍👍', '', 'a👍', '\u0000']) {
      expect(await refusedWith(b, react(room.id, m.id, emoji)), emoji).toBe(ErrorCode.BAD_REQUEST);
    }
    expect(await refusedWith(a, { ...edit(room.id, m.id, 'x'), targetId: 'nope' })).toBe(
      ErrorCode.BAD_REQUEST,
    );
    expect(await refusedWith(a, { ...del(room.id, m.id), text: 'stray' } as never)).toBe(
      ErrorCode.BAD_REQUEST,
    );
    expect(await refusedWith(a, { ...draft(room.id, 'x'), kind: 'pin' } as never)).toBe(
      ErrorCode.BAD_REQUEST,
    );

    // The same answers over HTTP, with the contract's status.
    const httpNotAuthor = await post(srv.url, bob, edit(room.id, m.id, 'hijacked'));
    expect(httpNotAuthor.status).toBe(HTTP_STATUS.NOT_AUTHOR);
    expect(httpNotAuthor.body).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_AUTHOR } });
    const httpBadEmoji = await post(srv.url, bob, react(room.id, m.id, 'xx'));
    expect(httpBadEmoji.status).toBe(400);

    await send(a, del(room.id, m.id));
    expect(await refusedWith(a, edit(room.id, m.id, 'too late'))).toBe(ErrorCode.MESSAGE_DELETED);
    expect(await refusedWith(b, react(room.id, m.id, '👍'))).toBe(ErrorCode.MESSAGE_DELETED);
    expect(await refusedWith(b, reply(room.id, m.id, 'what was it?'))).toBe(ErrorCode.MESSAGE_DELETED);
    const httpDeleted = await post(srv.url, alice, edit(room.id, m.id, 'too late'));
    expect(httpDeleted.status).toBe(HTTP_STATUS.MESSAGE_DELETED);
    // Deleting again is accepted as its own entry (documented in README).
    const again = await send(a, del(room.id, m.id));
    expect(again.seq).toBe(4);
    expect((await after(a, room.id, 0)).map((x) => x.kind)).toEqual(['message', 'edit', 'delete', 'delete']);
  });

  it('closes the edit window EDIT_WINDOW_HOURS after sending by the server clock; deleting stays possible', async () => {
    expect(loadConfig({}).editWindowHours).toBe(48);
    expect(loadConfig({ EDIT_WINDOW_HOURS: '0.5' }).editWindowHours).toBe(0.5);
    expect(() => loadConfig({ EDIT_WINDOW_HOURS: '-1' })).toThrow(/EDIT_WINDOW_HOURS/);
    let offsetMs = 0;
    const server = await startTestServer({
      env: { EDIT_WINDOW_HOURS: '1' },
      deps: { now: () => Date.now() + offsetMs },
    });
    try {
      const { alice, room, a } = await twoInARoom(server.url);
      const m = await send(a, draft(room.id, 'typo'));
      offsetMs = 59 * 60_000;
      await send(a, edit(room.id, m.id, 'typo fixed'));
      offsetMs = 61 * 60_000;
      expect(await refusedWith(a, edit(room.id, m.id, 'typo fixed again'))).toBe(
        ErrorCode.EDIT_WINDOW_CLOSED,
      );
      const overHttp = await post(server.url, alice, edit(room.id, m.id, 'typo fixed again'));
      expect(overHttp.status).toBe(HTTP_STATUS.EDIT_WINDOW_CLOSED);
      await send(a, del(room.id, m.id));
    } finally {
      await server.close();
    }
  });
});

describe('rate limit', () => {
  it('spends the sender allowance on operations like on messages; a resend of an accepted one still gets its duplicate ack', async () => {
    // Refills one token per 1,000 s: nothing comes back during the test.
    const limited = await startTestServer({ env: { SEND_BURST: '4', SEND_RATE_PER_SECOND: '0.001' } });
    try {
      const { room, a } = await twoInARoom(limited.url);
      const m = await send(a, draft(room.id, 'limited'));
      const accepted = [
        edit(room.id, m.id, 'limited, edited'),
        react(room.id, m.id, '👍'),
        del(room.id, m.id),
      ];
      for (const entry of accepted) await send(a, entry);
      expect(await refusedWith(a, react(room.id, m.id, '👍', false))).toBe(ErrorCode.RATE_LIMITED);
      // The message is deleted and the allowance spent: resends are still duplicates.
      for (const entry of accepted) {
        expect(await request(a, ClientEvent.send, entry)).toMatchObject({ ok: true, duplicate: true });
      }
      expect(await limited.store.messagesAfter(room.id, 0, 10)).toHaveLength(4);
    } finally {
      await limited.close();
    }
  });
});

describe('over HTTP', () => {
  it('POSTs each kind (201, then 200 for a resend) and GET catch-up returns every kind in seq order', async () => {
    const { alice, bob, room } = await twoInARoom(srv.url);
    const m = draft(room.id, 'over http');
    const entries: SendMessageRequest[] = [
      m,
      reply(room.id, m.id, 'answer over http'),
      edit(room.id, m.id, 'over http, edited'),
      react(room.id, m.id, '🙏'),
      del(room.id, m.id),
    ];
    const authors = [alice, bob, alice, bob, alice];
    for (const [i, entry] of entries.entries()) {
      const first = await post(srv.url, authors[i]!, entry);
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ ok: true, duplicate: false, message: { seq: i + 1 } });
      const again = await post(srv.url, authors[i]!, entry);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ ok: true, duplicate: true, message: { seq: i + 1 } });
    }
    const page = await http<Ack<MessagePage>>(srv.url, `${messagesPath(room.id)}?after=0`, {
      cookie: bob.cookie,
    });
    if (!page.body.ok) throw new Error(page.text);
    expect(page.body.messages.map((x) => [x.seq, x.kind])).toEqual([
      [1, 'message'],
      [2, 'message'],
      [3, 'edit'],
      [4, 'reaction'],
      [5, 'delete'],
    ]);
    expect(page.body.messages[0]).toMatchObject({ deleted: true, text: '', reactions: [{ emoji: '🙏' }] });
    expect(page.body.messages[2]).toMatchObject({ kind: 'edit', text: '' });
  });

  it('streams every kind as SSE message events', async () => {
    const { alice, bob, room, a } = await twoInARoom(srv.url);
    const feed = await openSse(srv.url, eventsPath(room.id), bob.cookie);
    try {
      const m = await send(a, draft(room.id, 'to the stream'));
      await send(a, edit(room.id, m.id, 'to the stream, edited'));
      await post(srv.url, bob, react(room.id, m.id, '😮'));
      await send(a, del(room.id, m.id));
      await feed.until((events) => events.filter((e) => e.event === 'message').length >= 4);
      const streamed = feed.events
        .filter((e) => e.event === 'message')
        .map((e) => JSON.parse(e.data) as Message);
      expect(streamed.map((x) => [x.seq, x.kind, x.targetId])).toEqual([
        [1, 'message', null],
        [2, 'edit', m.id],
        [3, 'reaction', m.id],
        [4, 'delete', m.id],
      ]);
      expect(feed.events.filter((e) => e.event === 'message').map((e) => e.id)).toEqual(['1', '2', '3', '4']);
      expect(alice.id).toBeTruthy();
    } finally {
      feed.close();
    }
  });
});

describe('deletion for everyone, search and the conversation list', () => {
  it('removes the text from the SQLite file and from search; search finds an edited message by its latest text only', async () => {
    const { bob, room, a, b } = await twoInARoom(srv.url);
    const found = async (query: string) => {
      const ack = await request(b, ClientEvent.search, { query, conversationId: room.id });
      if (!ack.ok) throw new Error(ack.error.message);
      return ack.messages.map((x) => x.id);
    };
    const m = await send(a, draft(room.id, 'pelican briefing'));
    const kept = await send(a, draft(room.id, 'pelican crossing'));
    await send(a, edit(room.id, m.id, 'albatross briefing'));
    expect(await found('albatross')).toEqual([m.id]);
    expect(await found('pelican')).toEqual([kept.id]);
    await send(a, del(room.id, m.id));
    expect(await found('albatross')).toEqual([]);
    expect(await found('briefing')).toEqual([]);
    expect(await found('pelican')).toEqual([kept.id]);

    const db = new Database(join(srv.dataDir, DATABASE_FILE), { readonly: true });
    try {
      const texts = db
        .prepare<[string], string>('SELECT text FROM messages WHERE conversation_id = ?')
        .pluck()
        .all(room.id);
      expect(texts.join(' ')).toContain('pelican crossing');
      expect(texts.join(' ')).not.toMatch(/briefing|albatross/);
    } finally {
      db.close();
    }
    expect(bob.id).toBeTruthy();
  });

  it('counts unread and names the last message from messages only: operations and deleted messages do not count', async () => {
    const { room, a, b } = await twoInARoom(srv.url);
    const summaryOf = async (socket: ClientSocket) => {
      const ack = await request(socket, ClientEvent.listConversations, {});
      if (!ack.ok) throw new Error(ack.error.message);
      return ack.conversations.find((c) => c.id === room.id)!;
    };
    const m1 = await send(a, draft(room.id, 'one'));
    const m2 = await send(a, draft(room.id, 'two'));
    const m3 = await send(a, draft(room.id, 'three'));
    expect(await summaryOf(b)).toMatchObject({ unreadCount: 3, lastSeq: 3, lastMessage: { id: m3.id } });
    await send(a, edit(room.id, m1.id, 'one, edited'));
    await send(a, del(room.id, m2.id));
    await send(a, react(room.id, m3.id, '👍'));
    const listed = await summaryOf(b);
    expect(listed).toMatchObject({
      unreadCount: 2,
      lastSeq: 6,
      readSeq: 0,
      lastMessage: { id: m3.id, kind: 'message', reactions: [{ emoji: '👍' }] },
    });
    expect(await summaryOf(a)).toMatchObject({ unreadCount: 0, lastMessage: { id: m3.id } });
    // Bob's own reaction raises his receipts to its seq, like any entry he makes.
    await send(b, react(room.id, m1.id, '😂'));
    expect(await summaryOf(b)).toMatchObject({ unreadCount: 0, readSeq: 7 });
    await send(a, draft(room.id, 'four'));
    await send(a, del(room.id, m3.id));
    expect(await summaryOf(b)).toMatchObject({ unreadCount: 1, lastMessage: { text: 'four' } });
  });
});
