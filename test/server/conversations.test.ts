/**
 * Conversations over the socket and HTTP: rooms with invite codes, direct conversations by
 * username, leaving, member lists with online flags, and the events members' devices get.
 */
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  HttpPath,
  type ConversationSummary,
  ClientEvent,
  ServerEvent,
  membersPath,
} from '../../contract/index.js';
import { useTestServer } from './support/app.js';
import { connect, createRoom, draft, http, joinRoom, nextEvent, request, signUp } from './support/clients.js';
import { waitUntil } from '../support/wait.js';

const srv = useTestServer();

describe('rooms', () => {
  it('creates a room named as asked, with an invite code, the creator as only member', async () => {
    const alice = await signUp(srv.url);
    const socket = await connect(srv.url, alice.cookie);
    const ack = await request(socket, ClientEvent.createRoom, { name: '  Book club  ' });
    if (!ack.ok) throw new Error(ack.error.message);
    const room = ack.conversation;
    expect(room).toMatchObject({
      kind: 'room',
      name: 'Book club',
      lastSeq: 0,
      lastMessage: null,
      readSeq: 0,
    });
    expect(room.inviteCode).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    expect(room.members).toEqual([
      { userId: alice.id, username: alice.username, deliveredSeq: 0, readSeq: 0, online: true },
    ]);
    const list = await request(socket, ClientEvent.listConversations, {});
    expect(list.ok && list.conversations.map((c) => c.id)).toContain(room.id);
  });

  it('joins by invite code: both see each other, the creator hears member:joined, the joiner gets live messages at once', async () => {
    const alice = await signUp(srv.url);
    const bob = await signUp(srv.url);
    const aliceSocket = await connect(srv.url, alice.cookie);
    const bobSocket = await connect(srv.url, bob.cookie);
    const bobOtherDevice = await connect(srv.url, bob.cookie);
    const room = await createRoom(srv.url, alice, 'Hikers');

    const memberJoined = nextEvent(
      aliceSocket,
      ServerEvent.memberJoined,
      (p) => p.conversationId === room.id,
    );
    const joinedOnOtherDevice = nextEvent(bobOtherDevice, ServerEvent.joined, (c) => c.id === room.id);
    const ack = await request(bobSocket, ClientEvent.joinRoom, { inviteCode: room.inviteCode! });
    if (!ack.ok) throw new Error(ack.error.message);
    expect(ack.conversation.members.map((m) => m.userId).sort()).toEqual([alice.id, bob.id].sort());
    expect((await memberJoined).member).toMatchObject({
      userId: bob.id,
      username: bob.username,
      online: true,
    });
    expect((await joinedOnOtherDevice).name).toBe('Hikers');

    // Bob's already-open sockets were moved into the room: no reconnect needed.
    const onBob = nextEvent(bobSocket, ServerEvent.message, (m) => m.conversationId === room.id);
    const onBobOther = nextEvent(bobOtherDevice, ServerEvent.message, (m) => m.conversationId === room.id);
    const sent = await request(aliceSocket, ClientEvent.send, draft(room.id, 'welcome'));
    expect(sent.ok).toBe(true);
    expect((await onBob).text).toBe('welcome');
    expect((await onBobOther).text).toBe('welcome');

    const members = await request(aliceSocket, ClientEvent.members, { conversationId: room.id });
    expect(members.ok && members.members.map((m) => m.username).sort()).toEqual(
      [alice.username, bob.username].sort(),
    );
  });

  it('joining twice is harmless and tells nobody twice', async () => {
    const alice = await signUp(srv.url);
    const bob = await signUp(srv.url);
    const room = await createRoom(srv.url, alice);
    await joinRoom(srv.url, bob, room.inviteCode!);
    const again = await joinRoom(srv.url, bob, room.inviteCode!);
    expect(again.members).toHaveLength(2);
  });

  it('refuses an unknown invite code with NOT_FOUND', async () => {
    const bob = await signUp(srv.url);
    const socket = await connect(srv.url, bob.cookie);
    const ack = await request(socket, ClientEvent.joinRoom, { inviteCode: 'no-such-code' });
    expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_FOUND } });
  });

  it('leaves a room: no more messages, sends are FORBIDDEN, the others hear member:left', async () => {
    const alice = await signUp(srv.url);
    const bob = await signUp(srv.url);
    const aliceSocket = await connect(srv.url, alice.cookie);
    const bobSocket = await connect(srv.url, bob.cookie);
    const room = await createRoom(srv.url, alice);
    await joinRoom(srv.url, bob, room.inviteCode!);
    const other = await createRoom(srv.url, bob, 'bob only');

    const memberLeft = nextEvent(aliceSocket, ServerEvent.memberLeft, (p) => p.conversationId === room.id);
    const left = nextEvent(bobSocket, ServerEvent.left, (p) => p.conversationId === room.id);
    expect(await request(bobSocket, ClientEvent.leave, { conversationId: room.id })).toEqual({ ok: true });
    expect((await memberLeft).userId).toBe(bob.id);
    await left;

    const received: string[] = [];
    bobSocket.on(ServerEvent.message, (m) => received.push(m.text));
    expect((await request(aliceSocket, ClientEvent.send, draft(room.id, 'after bob left'))).ok).toBe(true);
    // Events on one socket arrive in order: once Bob's laptop has the later message from his
    // phone, Alice's would have come before it.
    const bobPhone = await connect(srv.url, bob.cookie);
    const marker = nextEvent(bobSocket, ServerEvent.message, (m) => m.conversationId === other.id);
    expect((await request(bobPhone, ClientEvent.send, draft(other.id, 'marker'))).ok).toBe(true);
    await marker;
    expect(received).toEqual(['marker']);

    const denied = await request(bobSocket, ClientEvent.send, draft(room.id, 'let me back'));
    expect(denied).toMatchObject({ ok: false, error: { code: ErrorCode.FORBIDDEN } });
    const list = await request(bobSocket, ClientEvent.listConversations, {});
    expect(list.ok && list.conversations.map((c) => c.id)).not.toContain(room.id);
  });
});

describe('direct conversations', () => {
  it('starts one by username, named after the other person, announced to both', async () => {
    const alice = await signUp(srv.url);
    const bob = await signUp(srv.url);
    const aliceSocket = await connect(srv.url, alice.cookie);
    const bobSocket = await connect(srv.url, bob.cookie);
    const announced = nextEvent(bobSocket, ServerEvent.joined, (c) => c.kind === 'direct');
    const ack = await request(aliceSocket, ClientEvent.startDirect, { username: bob.username.toUpperCase() });
    if (!ack.ok) throw new Error(ack.error.message);
    expect(ack.conversation).toMatchObject({ kind: 'direct', name: bob.username, inviteCode: null });
    const bobView = await announced;
    expect(bobView).toMatchObject({ id: ack.conversation.id, name: alice.username });

    // Bob is in the room at once: he receives Alice's message live.
    const live = nextEvent(bobSocket, ServerEvent.message, (m) => m.conversationId === ack.conversation.id);
    await request(aliceSocket, ClientEvent.send, draft(ack.conversation.id, 'hi bob'));
    expect((await live).senderId).toBe(alice.id);
  });

  it('returns the same conversation when either side starts it again', async () => {
    const alice = await signUp(srv.url);
    const bob = await signUp(srv.url);
    const first = await http<{ ok: true; conversation: ConversationSummary }>(srv.url, HttpPath.direct, {
      method: 'POST',
      body: { username: bob.username },
      cookie: alice.cookie,
    });
    const second = await http<{ ok: true; conversation: ConversationSummary }>(srv.url, HttpPath.direct, {
      method: 'POST',
      body: { username: alice.username },
      cookie: bob.cookie,
    });
    expect(first.body.conversation.id).toBe(second.body.conversation.id);
    expect(second.body.conversation.name).toBe(alice.username);
  });

  it('refuses an unknown username (UNKNOWN_USER), oneself (BAD_REQUEST) and leaving (BAD_REQUEST)', async () => {
    const alice = await signUp(srv.url);
    const bob = await signUp(srv.url);
    const socket = await connect(srv.url, alice.cookie);
    expect(await request(socket, ClientEvent.startDirect, { username: 'nobody-here-123' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.UNKNOWN_USER },
    });
    expect(await request(socket, ClientEvent.startDirect, { username: alice.username })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST },
    });
    const direct = await request(socket, ClientEvent.startDirect, { username: bob.username });
    if (!direct.ok) throw new Error(direct.error.message);
    expect(
      await request(socket, ClientEvent.leave, { conversationId: direct.conversation.id }),
    ).toMatchObject({
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST },
    });
  });
});

describe('members', () => {
  it('flags members online while they have a connection', async () => {
    const alice = await signUp(srv.url);
    const bob = await signUp(srv.url);
    const room = await createRoom(srv.url, alice);
    await joinRoom(srv.url, bob, room.inviteCode!);
    const onlineOf = async (): Promise<Record<string, boolean>> => {
      const res = await http<{ ok: true; members: { username: string; online: boolean }[] }>(
        srv.url,
        membersPath(room.id),
        { cookie: alice.cookie },
      );
      return Object.fromEntries(res.body.members.map((m) => [m.username, m.online]));
    };
    expect(await onlineOf()).toEqual({ [alice.username]: false, [bob.username]: false });
    const bobSocket = await connect(srv.url, bob.cookie);
    await waitUntil('bob online', async () => (await onlineOf())[bob.username] === true, {
      timeoutMs: undefined,
    });
    bobSocket.close();
    await waitUntil('bob offline', async () => (await onlineOf())[bob.username] === false, {
      timeoutMs: undefined,
    });
  });

  it('refuses the member list to a non-member and for an unknown conversation alike (FORBIDDEN)', async () => {
    const alice = await signUp(srv.url);
    const mallory = await signUp(srv.url);
    const room = await createRoom(srv.url, alice);
    const socket = await connect(srv.url, mallory.cookie);
    expect(await request(socket, ClientEvent.members, { conversationId: room.id })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.FORBIDDEN },
    });
    expect(
      await request(socket, ClientEvent.members, { conversationId: '00000000-0000-4000-8000-000000000000' }),
    ).toMatchObject({ ok: false, error: { code: ErrorCode.FORBIDDEN } });
  });
});
