/**
 * HTTP long-polling only (networks that block WebSocket): a client that never upgrades signs in,
 * sends, receives, gets acks and catches up exactly like a WebSocket client.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGE_TEXT_MAX, MAX_PAYLOAD_BYTES, ClientEvent, ServerEvent } from '../../contract/index.js';
import { startTestServer, type TestServer } from './support/app.js';
import { makeBurst, pump, readAll } from './support/burst.js';
import {
  closeAllSockets,
  collect,
  connect,
  draft,
  nextEvent,
  request,
  signUp,
  type ClientSocket,
  type TestUser,
} from './support/clients.js';

const POLLING_ONLY = { transports: ['polling'], upgrade: false };

let server: TestServer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  alice = await signUp(server.url);
  bob = await signUp(server.url);
});
afterEach(() => closeAllSockets());
afterAll(() => server?.close());

/** True while the engine.io connection is still on HTTP long-polling. */
const onPolling = (socket: ClientSocket): boolean => socket.io.engine.transport.name === 'polling';

describe('long-polling-only client', () => {
  it('authenticates from the session cookie and stays on polling', async () => {
    const socket = await connect(server.url, alice.cookie, POLLING_ONLY);
    expect(socket.connected).toBe(true);
    expect(onPolling(socket)).toBe(true);
  });

  it('is refused with UNAUTHENTICATED without a session', async () => {
    const err = await connect(server.url, null, POLLING_ONLY).then(
      () => null,
      (e: Error & { data?: { code?: string } }) => e,
    );
    expect(err?.data?.code).toBe('UNAUTHENTICATED');
  });

  it('sends and receives messages both ways with a WebSocket client, with acks and gapless seqs', async () => {
    const polling = await connect(server.url, alice.cookie, POLLING_ONLY);
    const ws = await connect(server.url, bob.cookie, { transports: ['websocket'] });
    const created = await request(polling, ClientEvent.createRoom, { name: 'polling room' });
    if (!created.ok) throw new Error(created.error.message);
    const { id: conversationId, inviteCode } = created.conversation;
    const joinedNotice = nextEvent(
      polling,
      ServerEvent.memberJoined,
      (p) => p.conversationId === conversationId,
    );
    const joined = await request(ws, ClientEvent.joinRoom, { inviteCode: inviteCode! });
    expect(joined.ok).toBe(true);
    await joinedNotice;

    // polling -> websocket
    const atBob = nextEvent(ws, ServerEvent.message, (m) => m.conversationId === conversationId);
    const sent = await request(polling, ClientEvent.send, draft(conversationId, 'hi over polling'));
    expect(sent).toMatchObject({ ok: true, duplicate: false, message: { seq: 1, text: 'hi over polling' } });
    expect(await atBob).toMatchObject({ seq: 1, senderId: alice.id, text: 'hi over polling' });

    // websocket -> polling
    const atAlice = nextEvent(polling, ServerEvent.message, (m) => m.conversationId === conversationId);
    const reply = await request(ws, ClientEvent.send, draft(conversationId, 'hi back'));
    expect(reply).toMatchObject({ ok: true, message: { seq: 2 } });
    expect(await atAlice).toMatchObject({ seq: 2, senderId: bob.id, text: 'hi back' });

    // Idempotent resend over polling returns the original.
    if (sent.ok) {
      const again = await request(polling, ClientEvent.send, {
        id: sent.message.id,
        conversationId,
        text: 'hi over polling',
        typedAt: sent.message.typedAt,
      });
      expect(again).toMatchObject({
        ok: true,
        duplicate: true,
        message: { seq: 1, createdAt: sent.message.createdAt },
      });
    }

    // Receipts travel over polling too.
    const receipt = nextEvent(polling, ServerEvent.receipt, (r) => r.userId === bob.id && r.readSeq === 2);
    expect(await request(ws, ClientEvent.receipt, { conversationId, readSeq: 2 })).toMatchObject({
      ok: true,
    });
    await receipt;

    // Catch-up over polling.
    const page = await request(polling, ClientEvent.messagesAfter, { conversationId, afterSeq: 0 });
    expect(page.ok && page.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(onPolling(polling)).toBe(true);
  });

  it('sends a burst larger than one polling request body without being cut off', async () => {
    const polling = await connect(server.url, alice.cookie, POLLING_ONLY);
    // Her second device, also polling-only, hears the burst: ~160 KB down over long-polling.
    const otherDevice = await connect(server.url, alice.cookie, POLLING_ONLY);
    const created = await request(polling, ClientEvent.createRoom, { name: 'polling burst' });
    if (!created.ok) throw new Error(created.error.message);
    const conversationId = created.conversation.id;
    const received = collect(otherDevice, ServerEvent.message);
    let disconnected = false;
    polling.on('disconnect', () => (disconnected = true));

    // 40 near-limit messages emitted at once: ~160 KB, more than one POST may carry (64 KB).
    // engine.io-client must split them across requests below the server's maxPayload.
    const burst = makeBurst(conversationId, 40, 'big');
    for (const d of burst.drafts) d.text = `${d.text} ${'x'.repeat(MESSAGE_TEXT_MAX - 20)}`;
    expect(burst.drafts.reduce((n, d) => n + d.text.length, 0)).toBeGreaterThan(2 * MAX_PAYLOAD_BYTES);
    await pump(polling, burst, burst.drafts.length).done;

    expect(disconnected).toBe(false);
    expect(burst.failed).toEqual(new Map());
    expect(burst.acked.size).toBe(40);
    const stored = await readAll(polling, conversationId);
    expect(stored.map((m) => m.id)).toEqual(burst.drafts.map((d) => d.id));
    expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
    await expect.poll(() => received.items.length).toBe(40);
    expect(received.items.map((m) => m.id)).toEqual(burst.drafts.map((d) => d.id));
    expect(onPolling(polling)).toBe(true);
    expect(onPolling(otherDevice)).toBe(true);
  });
});
