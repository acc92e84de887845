/**
 * Bad input of every shape: wrong types, missing and extra fields, huge strings, non-object
 * payloads, unknown events, over-size payloads and packets, invalid JSON, invalid UTF-8, broken
 * compression, lone surrogates and NUL, ids in upper case, and garbage bytes. Each gets a clear
 * error (or, for an id in another case, its duplicate ack); the connection that sent it keeps working (or, for bytes that are not the
 * socket.io protocol at all, only that connection is closed and its client reconnects); the
 * process never goes down.
 */
import { randomUUID } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ClientEvent,
  ErrorCode,
  HttpPath,
  HttpRoute,
  MAX_PACKET_BYTES,
  MAX_PAYLOAD_BYTES,
  MESSAGE_TEXT_MAX,
  messagesPath,
  type Ack,
  type SendResult,
  ServerEvent,
} from '../../contract/index.js';
import { clientEventSchemas } from '../../contract/schemas.js';
import { startTestServer, type TestServer } from './support/app.js';
import { readAll } from './support/burst.js';
import {
  closeAllSockets,
  connect,
  draft,
  http,
  nextEvent,
  request,
  requestRaw,
  signUp,
  type ClientSocket,
  type TestUser,
} from './support/clients.js';
import { waitUntil } from '../support/wait.js';

let server: TestServer;
let user: TestUser;
let socket: ClientSocket;
let conversationId: string;
/** Disconnects seen on `socket`: must stay empty, the bad input never costs the connection. */
let disconnects: string[];
let engineId: string;

type Failure = Extract<Ack, { ok: false }>;

beforeAll(async () => {
  server = await startTestServer();
  user = await signUp(server.url);
});
afterAll(() => server?.close());

beforeEach(async () => {
  socket = await connect(server.url, user.cookie);
  disconnects = [];
  socket.on('disconnect', (reason) => disconnects.push(reason));
  engineId = socket.io.engine.id;
  const created = await request(socket, ClientEvent.createRoom, { name: 'bad input' });
  if (!created.ok) throw new Error(created.error.message);
  conversationId = created.conversation.id;
});
afterEach(() => closeAllSockets());

/** The same connection (same engine.io session) still sends and gets acks. */
async function expectSameConnectionWorks(): Promise<void> {
  const sent = await request(socket, ClientEvent.send, draft(conversationId, 'still here'));
  expect(sent.ok).toBe(true);
  expect(socket.io.engine.id).toBe(engineId);
  expect(disconnects).toEqual([]);
}

/** Emits and expects an error ack with `code`; returns the error. */
async function expectError(code: ErrorCode, event: string, ...args: unknown[]) {
  const ack = await requestRaw(socket, event, ...args);
  expect(ack.ok, `${event} ${JSON.stringify(args).slice(0, 120)}`).toBe(false);
  const { error } = ack as Failure;
  expect(error.code, `${event} ${JSON.stringify(args).slice(0, 120)}`).toBe(code);
  expect(error.message.length).toBeGreaterThan(10);
  return error;
}

describe('socket payloads that fail the schema', () => {
  it('answers wrong types with BAD_REQUEST naming the field', async () => {
    const good = draft(conversationId, 'ok');
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, text: 123 }, 'text'],
      [{ ...good, typedAt: 'now' }, 'typedAt'],
      [{ ...good, typedAt: 1.5 }, 'typedAt'],
      [{ ...good, typedAt: -1 }, 'typedAt'],
      [{ ...good, id: 'not-a-uuid' }, 'id'],
      [{ ...good, conversationId: 5 }, 'conversationId'],
      [{ ...good, text: { toString: 'x' } }, 'text'],
    ];
    for (const [payload, field] of cases) {
      const error = await expectError(ErrorCode.BAD_REQUEST, ClientEvent.send, payload);
      expect(error.message).toContain(field);
    }
    await expectError(ErrorCode.BAD_REQUEST, ClientEvent.messagesAfter, { conversationId, afterSeq: '0' });
    await expectError(ErrorCode.BAD_REQUEST, ClientEvent.messagesAfter, {
      conversationId,
      afterSeq: 0,
      limit: 10_000,
    });
    await expectError(ErrorCode.BAD_REQUEST, ClientEvent.typing, { conversationId, typing: 'yes' });
    await expectSameConnectionWorks();
  });

  it('answers missing fields with BAD_REQUEST saying what is required', async () => {
    const { id, typedAt } = draft(conversationId, '');
    const error = await expectError(ErrorCode.BAD_REQUEST, ClientEvent.send, { id, conversationId, typedAt });
    expect(error.message).toMatch(/text.*required/);
    await expectError(ErrorCode.BAD_REQUEST, ClientEvent.send, {});
    await expectError(ErrorCode.BAD_REQUEST, ClientEvent.receipt, { conversationId });
    await expectError(ErrorCode.BAD_REQUEST, ClientEvent.createRoom, {});
    await expectSameConnectionWorks();
  });

  it('refuses extra fields, so a payload cannot smuggle a sender', async () => {
    const error = await expectError(ErrorCode.BAD_REQUEST, ClientEvent.send, {
      ...draft(conversationId, 'spoof'),
      senderId: '00000000-0000-4000-8000-000000000000',
    });
    expect(error.message).toContain('senderId');
    await expectSameConnectionWorks();
  });

  it('is not polluted by a __proto__ key', async () => {
    const payload = JSON.parse(
      `{"id":"${draft(conversationId, '').id}","conversationId":"${conversationId}","text":"x","typedAt":1,"__proto__":{"polluted":true}}`,
    ) as object;
    await expectError(ErrorCode.BAD_REQUEST, ClientEvent.send, payload);
    // The server runs in this process: its Object.prototype is ours.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectSameConnectionWorks();
  });

  it('refuses huge strings with a limit the person can act on', async () => {
    const tooLong = await expectError(
      ErrorCode.BAD_REQUEST,
      ClientEvent.send,
      draft(conversationId, 'a'.repeat(MESSAGE_TEXT_MAX + 1)),
    );
    expect(tooLong.message).toContain(String(MESSAGE_TEXT_MAX));
    // Well over the text limit but under the packet limit: still a schema answer, not a cut-off.
    const huge = 'b'.repeat(MAX_PAYLOAD_BYTES - 1_000);
    await expectError(ErrorCode.BAD_REQUEST, ClientEvent.send, draft(conversationId, huge));
    await expectError(ErrorCode.BAD_REQUEST, ClientEvent.createRoom, { name: huge });
    await expectError(ErrorCode.BAD_REQUEST, ClientEvent.joinRoom, { inviteCode: huge });
    await expectError(ErrorCode.BAD_REQUEST, ClientEvent.startDirect, { username: huge });
    await expectError(ErrorCode.BAD_REQUEST, ClientEvent.send, draft(conversationId, '   \n\t '));
    await expectSameConnectionWorks();
  });

  it('counts the text limit in characters, so 4,000 emoji fit', async () => {
    const emoji = '🚢'.repeat(MESSAGE_TEXT_MAX);
    const sent = (await requestRaw(
      socket,
      ClientEvent.send,
      draft(conversationId, emoji),
    )) as Ack<SendResult>;
    expect(sent.ok && sent.message.text).toBe(emoji);
  });

  it('answers every client event given bad input of every shape with BAD_REQUEST, and keeps the connection', async () => {
    const payloads: unknown[] = [
      null,
      42,
      'text',
      [],
      [draft(conversationId, 'in an array')],
      true,
      { unexpected: true },
      { conversationId: 42 },
    ];
    // The schema table is keyed by the contract's events, so an event added there is tried here.
    for (const event of Object.keys(clientEventSchemas)) {
      for (const payload of payloads) await expectError(ErrorCode.BAD_REQUEST, event, payload);
      // No payload at all: the ack callback is the only argument.
      await expectError(ErrorCode.BAD_REQUEST, event);
    }
    await expectSameConnectionWorks();
  });

  it('reports a bad payload sent without an ack callback as a ferry:error event', async () => {
    const notice = nextEvent(socket, ServerEvent.error, (p) => p.event === ClientEvent.send);
    (socket as unknown as { emit(e: string, p: unknown): void }).emit(ClientEvent.send, { text: 1 });
    expect(await notice).toMatchObject({ event: ClientEvent.send, error: { code: 'BAD_REQUEST' } });
    await expectSameConnectionWorks();
  });
});

describe('unknown events', () => {
  it('answers an unknown event that has an ack callback with UNKNOWN_EVENT', async () => {
    const error = await expectError(ErrorCode.UNKNOWN_EVENT, 'admin:drop-tables', {});
    expect(error.message).toContain('admin:drop-tables');
    const long = await expectError(ErrorCode.UNKNOWN_EVENT, 'x'.repeat(20_000));
    expect(long.message.length).toBeLessThan(200);
    await expectSameConnectionWorks();
  });

  it('reports an unknown event without an ack callback as a ferry:error event', async () => {
    const notice = nextEvent(socket, ServerEvent.error, (p) => p.event === 'no:such-event');
    (socket as unknown as { emit(e: string, p: unknown): void }).emit('no:such-event', { a: 1 });
    expect(await notice).toMatchObject({ error: { code: 'UNKNOWN_EVENT' } });
    await expectSameConnectionWorks();
  });
});

/** A raw engine.io/socket.io v4 client over WebSocket: text frames in, text frames out. */
async function rawSocket(): Promise<{ ws: WebSocket; frames: string[]; closed: Promise<number> }> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, {
    headers: { cookie: user.cookie, origin: server.url },
  });
  const frames: string[] = [];
  ws.on('message', (data) => {
    const text = String(data);
    if (text === '2') ws.send('3'); // engine.io ping -> pong
    frames.push(text);
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send('40'); // socket.io CONNECT to the main namespace
  await waitUntil('socket.io connect', () => frames.some((f) => f.startsWith('40{')), { timeoutMs: 5_000 });
  return { ws, frames, closed };
}

/** The JSON of the socket.io ACK packet `43<id>[...]`. */
async function rawAck(frames: string[], id: number): Promise<Ack> {
  const prefix = `43${id}[`;
  await waitUntil(`ack ${id}`, () => frames.some((f) => f.startsWith(prefix)), { timeoutMs: 5_000 });
  const frame = frames.find((f) => f.startsWith(prefix))!;
  return (JSON.parse(frame.slice(prefix.length - 1)) as Ack[])[0]!;
}

describe('raw socket.io protocol', () => {
  it('answers odd but well-formed packets and keeps the raw connection', async () => {
    const { ws, frames } = await rawSocket();
    ws.send('421[7]'); // the event "name" is a number
    expect(await rawAck(frames, 1)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_EVENT' } });
    // An event packet: "42", the ack id, then the JSON array of event name and arguments.
    const packet = (ackId: number, ...args: unknown[]) =>
      `42${ackId}${JSON.stringify([ClientEvent.send, ...args])}`;
    ws.send(packet(2)); // no payload
    expect(await rawAck(frames, 2)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    ws.send(packet(3, draft(conversationId, 'x'), 'extra', 4)); // extra args
    expect((await rawAck(frames, 3)).ok).toBe(true);
    ws.send(packet(4, draft(conversationId, 'raw ok')));
    expect(await rawAck(frames, 4)).toMatchObject({ ok: true, message: { text: 'raw ok' } });
    ws.terminate();
  });

  it('closes only the connection that sends garbage bytes; the process and other clients carry on', async () => {
    const garbage: (string | Buffer)[] = [
      '!!not engine.io',
      '42[not json',
      '42{"an":"object"}',
      '42[]',
      Buffer.from([0, 1, 2, 0xff, 0xfe]),
      `451-${JSON.stringify([ClientEvent.send, { _placeholder: true, num: 0 }])}`, // promises a binary attachment...
      '4599999999-["x",{"_placeholder":true,"num":5}]', // ...or a billion of them
      '\u0000\uffff'.repeat(1000),
    ];
    for (const frame of garbage) {
      const { ws, closed } = await rawSocket();
      ws.send(frame);
      if (typeof frame === 'string' && frame.startsWith('451-')) ws.send('42["then text"]');
      // The server hangs up on this connection (a protocol violation cannot be answered in-band).
      await closed;
    }
    expect((await http(server.url, HttpPath.health)).status).toBe(200);
    await expectSameConnectionWorks();
  });

  it('survives garbage over HTTP long-polling and malformed engine.io requests', async () => {
    const base = `${server.url}/socket.io/?EIO=4&transport=polling`;
    const headers = { cookie: user.cookie, origin: server.url };
    const open = await (await fetch(base, { headers })).text();
    const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
    const garbage = await fetch(`${base}&sid=${sid}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/plain' },
      body: '\u0000garbage\u001e42[broken',
    });
    expect(garbage.status).toBeLessThan(500);
    const bad = [
      fetch(`${server.url}/socket.io/?EIO=99&transport=polling`, { headers }),
      fetch(`${server.url}/socket.io/?EIO=4&transport=carrier-pigeon`, { headers }),
      fetch(`${base}&sid=not-a-session`, { method: 'POST', headers, body: '40' }),
      fetch(base, { method: 'POST', headers, body: 'x'.repeat(MAX_PAYLOAD_BYTES * 2) }),
    ];
    for (const res of await Promise.all(bad)) {
      expect(res.status).toBe(400);
      expect(await res.json()).toHaveProperty('message');
    }
    expect((await http(server.url, HttpPath.health)).status).toBe(200);
    await expectSameConnectionWorks();
  });

  it('answers a garbage HTTP request line with 400 and keeps serving', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const tcp = netConnect(server.port, '127.0.0.1', () => tcp.write('\u0001\u0002GARBAGE / NOPE\r\n\r\n'));
      let text = '';
      tcp.setEncoding('utf8');
      tcp.on('data', (chunk: string) => (text += chunk));
      tcp.on('end', () => resolve(text));
      tcp.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await http(server.url, HttpPath.health)).status).toBe(200);
  });
});

describe('over-size packets', () => {
  for (const transport of ['websocket', 'polling'] as const) {
    it(`over ${transport}: answers a payload over MAX_PAYLOAD_BYTES with PAYLOAD_TOO_LARGE and keeps the connection`, async () => {
      const big = await connect(server.url, user.cookie, { transports: [transport], upgrade: false });
      const reasons: string[] = [];
      big.on('disconnect', (reason) => reasons.push(reason));
      const session = big.io.engine.id;
      const oversize = draft(conversationId, 'z'.repeat(MAX_PAYLOAD_BYTES + 1_000));
      const ack = await requestRaw(big, ClientEvent.send, oversize);
      expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.PAYLOAD_TOO_LARGE } });
      expect((ack as Failure).error.message).toContain(String(MAX_PAYLOAD_BYTES / 1024));
      // Without an ack callback the answer is a ferry:error event.
      const notice = nextEvent(big, ServerEvent.error, (p) => p.error.code === ErrorCode.PAYLOAD_TOO_LARGE);
      (big as unknown as { emit(e: string, p: unknown): void }).emit(ClientEvent.createRoom, {
        name: 'y'.repeat(MAX_PAYLOAD_BYTES + 1),
      });
      expect(await notice).toMatchObject({ event: ClientEvent.createRoom });

      expect(await request(big, ClientEvent.send, draft(conversationId, 'after it'))).toMatchObject({
        ok: true,
      });
      expect(big.io.engine.id).toBe(session);
      expect(reasons).toEqual([]);
      expect((await readAll(big, conversationId)).map((m) => m.id)).not.toContain(oversize.id);
    });

    it(`over ${transport}: a packet over MAX_PACKET_BYTES drops the connection; the client reconnects and carries on`, async () => {
      const big = await connect(server.url, user.cookie, {
        transports: [transport],
        upgrade: false,
        reconnection: true,
        reconnectionDelay: 50,
        reconnectionDelayMax: 200,
      });
      const reasons: string[] = [];
      big.on('disconnect', (reason) => reasons.push(reason));
      const firstSession = big.io.engine.id;
      const oversize = draft(conversationId, 'z'.repeat(MAX_PACKET_BYTES + 1_000));
      // The transport refuses to read a packet this large: no ack can come for it.
      big.emit(ClientEvent.send, oversize, () => reasons.push('unexpected ack'));

      await waitUntil(
        'reconnect',
        () => reasons.length > 0 && big.connected && big.io.engine.id !== firstSession,
        { timeoutMs: 10_000 },
      );
      expect(reasons[0]).toBe(transport === 'websocket' ? 'transport close' : 'transport error');
      const after = await request(big, ClientEvent.send, draft(conversationId, 'after the reconnect'));
      expect(after.ok).toBe(true);
      expect(reasons).not.toContain('unexpected ack');
      const stored = await readAll(big, conversationId);
      expect(stored.map((m) => m.id)).not.toContain(oversize.id);
      // Another connection of the same user never noticed.
      await expectSameConnectionWorks();
    });
  }
});

describe('text that would not come back as it was sent', () => {
  const LONE = ['\ud800', '\udfff', 'a\ud83db', 'end\ud83d'];

  it('refuses lone surrogates and NUL in every string field, over the socket and HTTP', async () => {
    for (const bad of [...LONE, 'nul\u0000']) {
      const send = await expectError(ErrorCode.BAD_REQUEST, ClientEvent.send, draft(conversationId, bad));
      expect(send.message).toContain('text');
      await expectError(ErrorCode.BAD_REQUEST, ClientEvent.createRoom, { name: `room ${bad}` });
      await expectError(ErrorCode.BAD_REQUEST, ClientEvent.joinRoom, { inviteCode: `code${bad}` });
      await expectError(ErrorCode.BAD_REQUEST, ClientEvent.startDirect, { username: `abc${bad}` });
      const room = await http(server.url, HttpPath.conversations, {
        method: 'POST',
        cookie: user.cookie,
        body: { name: `room ${bad}` },
      });
      expect(room.status, JSON.stringify(bad)).toBe(400);
      const signup = await http(server.url, HttpPath.signup, {
        method: 'POST',
        body: { username: 'surrogate-user', password: `password ${bad}` },
      });
      expect(signup.status, JSON.stringify(bad)).toBe(400);
    }
    // A well-formed pair (an emoji) is fine, and comes back exactly as acked.
    const ack = (await requestRaw(
      socket,
      ClientEvent.send,
      draft(conversationId, 'ship 🚢'),
    )) as Ack<SendResult>;
    expect(ack.ok && ack.message.text).toBe('ship 🚢');
    await expectSameConnectionWorks();
  });

  it('acks exactly what history returns', async () => {
    for (const bad of LONE)
      await expectError(ErrorCode.BAD_REQUEST, ClientEvent.send, draft(conversationId, bad));
    const texts = (await readAll(socket, conversationId)).map((m) => m.text);
    expect(texts.some((t) => t.includes('\ufffd'))).toBe(false);
  });

  it('refuses invalid UTF-8 bytes inside a JSON string with 400 instead of storing U+FFFD', async () => {
    const utf8 = (s: string) => new TextEncoder().encode(s);
    const withBadBytes = (before: string, after: string) =>
      new Uint8Array([...utf8(before), 0xc3, 0x28, 0xff, ...utf8(after)]);
    const cases: [string, Uint8Array<ArrayBuffer>][] = [
      [HttpPath.conversations, withBadBytes('{"name":"room ', '"}')],
      [messagesPath(conversationId), withBadBytes(`{"id":"${randomUUID()}","typedAt":1,"text":"hi `, '"}')],
    ];
    for (const [path, rawBody] of cases) {
      const res = await http<Ack>(server.url, path, {
        method: 'POST',
        cookie: user.cookie,
        rawBody,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status, path).toBe(400);
      expect(res.body).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
      expect((res.body as Failure).error.message).toMatch(/UTF-8/);
    }
    const rooms = await request(socket, ClientEvent.listConversations, {});
    expect(rooms.ok && rooms.conversations.some((c) => c.name.includes('\ufffd'))).toBe(false);
    expect((await readAll(socket, conversationId)).some((m) => m.text.includes('\ufffd'))).toBe(false);
  });
});

describe('message ids in another letter case', () => {
  it('stores an id resent in upper case once, and answers the resend as its duplicate', async () => {
    const first = draft(conversationId, 'case matters not');
    const sent = (await request(socket, ClientEvent.send, first)) as Ack<SendResult>;
    expect(sent.ok && sent.duplicate).toBe(false);
    const upper = { ...first, id: first.id.toUpperCase(), conversationId: conversationId.toUpperCase() };
    const again = (await requestRaw(socket, ClientEvent.send, upper)) as Ack<SendResult>;
    expect(again).toMatchObject({ ok: true, duplicate: true, message: { id: first.id } });
    const overHttp = await http<Ack<SendResult>>(server.url, messagesPath(conversationId.toUpperCase()), {
      method: 'POST',
      cookie: user.cookie,
      body: { id: first.id.toUpperCase(), text: first.text, typedAt: first.typedAt },
    });
    expect(overHttp.status).toBe(200);
    expect(overHttp.body).toMatchObject({ ok: true, duplicate: true, message: { id: first.id } });
    const stored = (await readAll(socket, conversationId)).filter((m) => m.text === 'case matters not');
    expect(stored.map((m) => m.id)).toEqual([first.id]);
  });
});

describe('HTTP bodies', () => {
  const path = () => messagesPath(conversationId);
  const post = (rawBody: string | Uint8Array<ArrayBuffer>, contentType = 'application/json') =>
    http<Ack>(server.url, path(), {
      method: 'POST',
      cookie: user.cookie,
      rawBody,
      headers: { 'content-type': contentType },
    });

  it('answers invalid JSON, garbage bytes and non-objects with 400 BAD_REQUEST JSON', async () => {
    const bodies: (string | Uint8Array<ArrayBuffer>)[] = [
      '{"id": ',
      "{'single': 'quotes'}",
      new Uint8Array([0xff, 0xfe, 0x00, 0x01, 0x7b]),
      'null',
      '42',
      '"text"',
      '[]',
      '',
    ];
    for (const body of bodies) {
      const res = await post(body);
      expect(res.status, String(body)).toBe(400);
      expect(res.body).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    const notJson = await post('id=1&text=hi', 'application/x-www-form-urlencoded');
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('answers schema failures with 400 naming the field', async () => {
    const { id, typedAt } = draft(conversationId, '');
    const res = await post(JSON.stringify({ id, typedAt, text: 7 }));
    expect(res.status).toBe(400);
    expect((res.body as Failure).error.message).toContain('text');
    const extra = await post(JSON.stringify({ id, typedAt, text: 'x', senderId: user.id }));
    expect(extra.status).toBe(400);
  });

  it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE JSON', async () => {
    const { id, typedAt } = draft(conversationId, '');
    const res = await post(JSON.stringify({ id, typedAt, text: 'y'.repeat(MAX_PAYLOAD_BYTES) }));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('answers a body that does not decompress with 400 on every POST route, and takes real gzip', async () => {
    const posts = Object.values(HttpRoute).filter((route) => route.method === 'POST');
    expect(posts.length).toBeGreaterThanOrEqual(8);
    for (const route of posts) {
      for (const encoding of ['gzip', 'deflate', 'br', 'x-unknown']) {
        const res = await http<Ack>(server.url, route.path.replace(':id', conversationId), {
          method: 'POST',
          cookie: user.cookie,
          rawBody: new TextEncoder().encode('{"this is":"not compressed"}'),
          headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        });
        expect(res.status, `${route.path} ${encoding}`).toBe(400);
        expect(res.body).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
        expect((res.body as Failure).error.message).toMatch(/Content-Encoding/);
      }
    }
    const { id, text, typedAt } = draft(conversationId, 'gzipped');
    const res = await post(new Uint8Array(gzipSync(JSON.stringify({ id, text, typedAt }))));
    expect(res.status).toBe(400); // no content-encoding header: gzip bytes are not JSON
    const gz = await http<Ack>(server.url, path(), {
      method: 'POST',
      cookie: user.cookie,
      rawBody: new Uint8Array(gzipSync(JSON.stringify({ id, text, typedAt }))),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(gz.status).toBe(201);
    // A small bomb: far over the limit once inflated.
    const bomb = await http<Ack>(server.url, path(), {
      method: 'POST',
      cookie: user.cookie,
      rawBody: new Uint8Array(gzipSync(`{"text":"${'a'.repeat(MAX_PAYLOAD_BYTES * 8)}"}`)),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(bomb.status).toBe(413);
    expect(bomb.body).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('keeps the session and the API working after all of it', async () => {
    await post('{broken');
    const { id, text, typedAt } = draft(conversationId, 'over http');
    const res = await post(JSON.stringify({ id, text, typedAt }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ok: true, message: { text: 'over http' } });
  });
});
