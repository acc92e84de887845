/**
 * Server search over the socket (`messages:search`): every conversation the user is in and no
 * other, English by word prefix and Chinese by word, newest first in pages that continue with
 * the cursor, the "In this conversation" and "From" filters, and the same answers for a
 * conversation that is not the user's as for one that does not exist.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  SEARCH_PAGE_MAX,
  SEARCH_QUERY_MAX,
  type Message,
  type SearchCursor,
  ClientEvent,
} from '../../contract/index.js';
import { useTestServer } from './support/app.js';
import { connect, createRoom, draft, request, roomWith, signUp } from './support/clients.js';

const srv = useTestServer();

async function send(socket: Awaited<ReturnType<typeof connect>>, conversationId: string, text: string) {
  const ack = await request(socket, ClientEvent.send, draft(conversationId, text));
  if (!ack.ok) throw new Error(ack.error.message);
  return ack.message;
}

describe(ClientEvent.search, () => {
  it('finds English by prefix and Chinese by word, in every room of the user and no other', async () => {
    const [alice, bob, mallory] = [await signUp(srv.url), await signUp(srv.url), await signUp(srv.url)];
    const shared = await roomWith(srv.url, alice, bob);
    const own = await createRoom(srv.url, alice, 'own');
    const theirs = await createRoom(srv.url, mallory, 'theirs');
    const [a, m] = [await connect(srv.url, alice.cookie), await connect(srv.url, mallory.cookie)];
    const english = await send(a, shared.id, 'Meet me at the ferry terminal');
    const chinese = await send(a, own.id, '我们明天在北京见面吧');
    const secret = await send(m, theirs.id, 'ferry tickets for the terminal, secret');

    const found = async (socket: typeof a, query: string) => {
      const ack = await request(socket, ClientEvent.search, { query });
      if (!ack.ok) throw new Error(ack.error.message);
      return ack.messages;
    };
    expect(await found(a, 'termin')).toEqual([english]);
    expect(await found(a, '北京')).toEqual([chinese]);
    expect(await found(m, 'terminal')).toEqual([secret]);
    expect(await found(m, '北京')).toEqual([]);

    // A conversation that is not the user's is refused like one that does not exist.
    const notMine = await request(m, ClientEvent.search, { query: 'ferry', conversationId: shared.id });
    const missing = await request(m, ClientEvent.search, { query: 'ferry', conversationId: randomUUID() });
    expect(notMine).toEqual(missing);
    expect(notMine).toMatchObject({ ok: false, error: { code: ErrorCode.FORBIDDEN } });

    // Punctuation alone is no query words: an empty page, not an error.
    expect(await request(a, ClientEvent.search, { query: '?!' })).toEqual({
      ok: true,
      messages: [],
      next: null,
    });
  });

  it('pages newest first with `next` until it is null, and filters by conversation and sender', async () => {
    const [alice, bob] = [await signUp(srv.url), await signUp(srv.url)];
    const room = await roomWith(srv.url, alice, bob);
    const other = await createRoom(srv.url, alice, 'other');
    const [a, b] = [await connect(srv.url, alice.cookie), await connect(srv.url, bob.cookie)];
    const sent: Message[] = [];
    for (let i = 0; i < 9; i++) sent.push(await send(i % 3 === 0 ? b : a, room.id, `harbour note ${i}`));
    sent.push(await send(a, other.id, 'harbour elsewhere'));
    const newestFirst = [...sent].sort((x, y) => y.createdAt - x.createdAt || (x.id < y.id ? 1 : -1));

    const seen: Message[] = [];
    let after: SearchCursor | undefined;
    let pages = 0;
    do {
      const ack = await request(a, ClientEvent.search, {
        query: 'harbour',
        limit: 4,
        ...(after ? { after } : {}),
      });
      if (!ack.ok) throw new Error(ack.error.message);
      seen.push(...ack.messages);
      after = ack.next ?? undefined;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen.map((x) => x.id)).toEqual(newestFirst.map((x) => x.id));

    const inRoomFromBob = await request(a, ClientEvent.search, {
      query: 'harbour',
      conversationId: room.id,
      senderId: bob.id,
      limit: SEARCH_PAGE_MAX,
    });
    if (!inRoomFromBob.ok) throw new Error(inRoomFromBob.error.message);
    expect(inRoomFromBob.messages.map((x) => x.text).sort()).toEqual([
      'harbour note 0',
      'harbour note 3',
      'harbour note 6',
    ]);
    expect(inRoomFromBob.next).toBeNull();
  });

  it('refuses an empty or too long query and a page over the limit', async () => {
    const alice = await signUp(srv.url);
    const a = await connect(srv.url, alice.cookie);
    for (const payload of [
      { query: '   ' },
      { query: 'x'.repeat(SEARCH_QUERY_MAX + 1) },
      { query: 'ok', limit: SEARCH_PAGE_MAX + 1 },
    ])
      expect(await request(a, ClientEvent.search, payload)).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BAD_REQUEST },
      });
  });
});
