/**
 * Web Push from the server's side, against a push service the test runs on 127.0.0.1 that
 * checks every VAPID signature and decrypts every payload: who gets a push (offline members only,
 * never for their own messages, never for a muted conversation), what it says (and without the
 * text when the device turned previews off), coalescing, "read up to" pushes, and when a
 * subscription goes (410/404 from the push service, sign-out, unsubscribe). Absence is proven by
 * what arrives next, never by waiting a while.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  HttpPath,
  messagesPath,
  mutePath,
  readPath,
  type Ack,
  type ConversationSummary,
  type PushMessageNotice,
  type PushNotice,
  ClientEvent,
  ServerEvent,
} from '../../contract/index.js';
import { VAPID_FILE } from '../../server/push/index.js';
import { retryDelayMs } from '../../server/push/PushNotifier.js';
import { useTestServer } from './support/app.js';
import {
  connect,
  draft,
  http,
  nextEvent,
  request,
  roomWith,
  signIn,
  signUp,
  type TestUser,
} from './support/clients.js';
import { startPushService, type TestPushService, type TestSubscription } from './support/pushService.js';
import { waitUntil } from '../support/wait.js';

const srv = useTestServer({ env: { PUSH_ALLOW_LOOPBACK_HTTP: 'true', PUSH_COALESCE_MS: '300' } });
let service: TestPushService;
let vapidKey = '';

beforeAll(async () => {
  service = await startPushService(() => vapidKey);
  const res = await http<Ack<{ publicKey: string }>>(srv.url, HttpPath.pushKey, {
    cookie: (await signUp(srv.url)).cookie,
  });
  if (!res.body.ok) throw new Error('no key');
  vapidKey = res.body.publicKey;
});
afterAll(async () => {
  expect(service.problems).toEqual([]);
  await service.close();
});

async function subscribe(user: TestUser, showText?: boolean): Promise<TestSubscription> {
  const sub = service.subscription();
  const body = showText === undefined ? { subscription: sub.json } : { subscription: sub.json, showText };
  const res = await http(srv.url, HttpPath.pushSubscribe, { method: 'POST', body, cookie: user.cookie });
  expect(res.status).toBe(201);
  return sub;
}

async function send(user: TestUser, conversationId: string, text: string): Promise<number> {
  const res = await http<Ack<{ message: { seq: number } }>>(srv.url, messagesPath(conversationId), {
    method: 'POST',
    body: { id: crypto.randomUUID(), text, typedAt: Date.now() },
    cookie: user.cookie,
  });
  if (!res.body.ok) throw new Error(`send failed: ${res.text}`);
  return res.body.message.seq;
}

async function pushesUntil(sub: TestSubscription, done: (list: PushNotice[]) => boolean, what: string) {
  await waitUntil(what, () => done(service.pushesTo(sub.json.endpoint)), { timeoutMs: 10_000 });
  return service.pushesTo(sub.json.endpoint);
}
const seqs = (list: PushNotice[]) => list.map((n) => (n.kind === 'message' ? n.seq : -n.readSeq));
const hasSeq = (seq: number) => (list: PushNotice[]) => seqs(list).includes(seq);

describe('VAPID keys', () => {
  it('are made at first start and kept in DATA_DIR readable by the owner only', () => {
    const file = join(srv.dataDir, VAPID_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(vapidKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
  });

  it('needs a session to read the public key', async () => {
    const res = await http(srv.url, HttpPath.pushKey);
    expect(res.status).toBe(401);
  });
});

describe('subscribe', () => {
  it.each([
    ['no keys', (s: TestSubscription) => ({ subscription: { endpoint: s.json.endpoint } })],
    [
      'a short p256dh',
      (s: TestSubscription) => ({ subscription: { ...s.json, keys: { ...s.json.keys, p256dh: 'AAAA' } } }),
    ],
    [
      'a 17-byte auth',
      (s: TestSubscription) => ({
        subscription: { ...s.json, keys: { ...s.json.keys, auth: Buffer.alloc(17).toString('base64url') } },
      }),
    ],
    [
      'an endpoint that is no URL',
      (s: TestSubscription) => ({ subscription: { ...s.json, endpoint: 'push' } }),
    ],
    [
      'an http endpoint on another host',
      (s: TestSubscription) => ({ subscription: { ...s.json, endpoint: 'http://push.example.com/x' } }),
    ],
    [
      'an https endpoint on a private address',
      (s: TestSubscription) => ({ subscription: { ...s.json, endpoint: 'https://10.0.0.1/x' } }),
    ],
    ['showText not a boolean', (s: TestSubscription) => ({ subscription: s.json, showText: 'yes' })],
    ['an unknown field', (s: TestSubscription) => ({ subscription: s.json, extra: 1 })],
  ])('refuses %s with 400 BAD_REQUEST', async (_, makeBody) => {
    const alice = await signUp(srv.url);
    const res = await http<Ack>(srv.url, HttpPath.pushSubscribe, {
      method: 'POST',
      body: makeBody(service.subscription()),
      cookie: alice.cookie,
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
    expect(await srv.store.listPushSubscriptions([alice.id])).toEqual([]);
  });

  it('refuses a request without a session with 401', async () => {
    const res = await http(srv.url, HttpPath.pushSubscribe, {
      method: 'POST',
      body: { subscription: service.subscription().json },
    });
    expect(res.status).toBe(401);
  });

  it('is removed by unsubscribe, and only the owner can remove it', async () => {
    const [alice, bob] = [await signUp(srv.url), await signUp(srv.url)];
    const sub = await subscribe(alice);
    const body = { endpoint: sub.json.endpoint };
    await http(srv.url, HttpPath.pushUnsubscribe, { method: 'POST', body, cookie: bob.cookie });
    expect(await srv.store.listPushSubscriptions([alice.id])).toHaveLength(1);
    const res = await http(srv.url, HttpPath.pushUnsubscribe, { method: 'POST', body, cookie: alice.cookie });
    expect(res.status).toBe(200);
    expect(await srv.store.listPushSubscriptions([alice.id])).toEqual([]);
  });
});

describe('pushes for new messages', () => {
  it('reach an offline member with the decrypted fields, and never the sender', async () => {
    const [alice, bob] = [await signUp(srv.url), await signUp(srv.url)];
    const room = await roomWith(srv.url, alice, bob);
    const [toAlice, toBob] = [await subscribe(alice), await subscribe(bob)];
    const seq = await send(alice, room.id, 'dinner at 8? 🍝');
    const [notice, ...more] = await pushesUntil(toBob, (l) => l.length > 0, 'a push to bob');
    expect(more).toEqual([]);
    expect(notice).toEqual({
      kind: 'message',
      conversationId: room.id,
      conversationName: 'Test room',
      senderName: alice.username,
      text: 'dinner at 8? 🍝',
      seq,
      count: 1,
      unreadTotal: 1,
    } satisfies PushMessageNotice);
    const headers = service.received.find((r) => r.endpoint === toBob.json.endpoint)!.headers;
    expect(headers.urgency).toBe('high');
    expect(headers.topic).toBe(room.id.replaceAll('-', ''));
    // Bob answers; alice (offline too) gets his message, and her own earlier one was never pushed to her.
    const reply = await send(bob, room.id, 'yes');
    const toAlicePushes = await pushesUntil(toAlice, (l) => l.length > 0, 'a push to alice');
    expect(seqs(toAlicePushes)).toEqual([reply]);
    expect(toAlicePushes[0]).toMatchObject({ senderName: bob.username, unreadTotal: 1 });
    expect(seqs(service.pushesTo(toBob.json.endpoint))).toEqual([seq]);
  });

  it('are not sent to a member who is online, and are once the member goes offline', async () => {
    const [alice, bob, carol] = [await signUp(srv.url), await signUp(srv.url), await signUp(srv.url)];
    const room = await roomWith(srv.url, alice, bob, carol);
    const [toBob, toCarol] = [await subscribe(bob), await subscribe(carol)];
    const aliceSocket = await connect(srv.url, alice.cookie);
    const bobSocket = await connect(srv.url, bob.cookie);
    const first = await send(alice, room.id, 'while bob is here');
    // Carol's push comes from the same window that would have pushed to bob.
    await pushesUntil(toCarol, hasSeq(first), 'carol hears the first message');
    const bobLeft = nextEvent(aliceSocket, ServerEvent.presence, (p) => p.userId === bob.id && !p.online);
    bobSocket.disconnect();
    await bobLeft;
    const second = await send(alice, room.id, 'after bob left');
    await pushesUntil(toBob, hasSeq(second), 'bob hears the second message');
    await pushesUntil(toCarol, hasSeq(second), 'carol hears the second message');
    expect(seqs(service.pushesTo(toBob.json.endpoint))).toEqual([second]);
  });

  it('coalesce a burst into one push carrying the newest message and the count', async () => {
    const [alice, bob] = [await signUp(srv.url), await signUp(srv.url)];
    const room = await roomWith(srv.url, alice, bob);
    const toBob = await subscribe(bob);
    const socket = await connect(srv.url, alice.cookie);
    const acks = await Promise.all(
      ['one', 'two', 'three'].map((text) => request(socket, ClientEvent.send, draft(room.id, text))),
    );
    const last = Math.max(...acks.map((a) => (a.ok ? a.message.seq : 0)));
    const burst = await pushesUntil(toBob, (l) => l.length > 0, 'the burst push');
    expect(burst).toEqual([expect.objectContaining({ seq: last, count: 3, text: 'three', unreadTotal: 3 })]);
    socket.disconnect();
    const later = await send(alice, room.id, 'four');
    expect(seqs(await pushesUntil(toBob, hasSeq(later), 'the next push'))).toEqual([last, later]);
  });

  it('are not sent for a muted conversation; unmuting brings them back', async () => {
    const [alice, bob, carol] = [await signUp(srv.url), await signUp(srv.url), await signUp(srv.url)];
    const room = await roomWith(srv.url, alice, bob, carol);
    const [toBob, toCarol] = [await subscribe(bob), await subscribe(carol)];
    const muted = await http<Ack<{ muted: boolean }>>(srv.url, mutePath(room.id, true), {
      method: 'POST',
      cookie: bob.cookie,
    });
    expect(muted.body).toEqual({ ok: true, muted: true });
    const list = await http<Ack<{ conversations: ConversationSummary[] }>>(srv.url, HttpPath.conversations, {
      cookie: bob.cookie,
    });
    expect(list.body.ok && list.body.conversations.find((c) => c.id === room.id)?.muted).toBe(true);
    const quiet = await send(alice, room.id, 'bob muted this');
    await pushesUntil(toCarol, hasSeq(quiet), 'carol hears it');
    await http(srv.url, mutePath(room.id, false), { method: 'POST', cookie: bob.cookie });
    const loud = await send(alice, room.id, 'bob unmuted');
    expect(seqs(await pushesUntil(toBob, hasSeq(loud), 'bob hears it'))).toEqual([loud]);
  });

  it('refuse mute for a non-member with FORBIDDEN', async () => {
    const [alice, eve] = [await signUp(srv.url), await signUp(srv.url)];
    const room = await roomWith(srv.url, alice);
    const res = await http<Ack>(srv.url, mutePath(room.id, true), { method: 'POST', cookie: eve.cookie });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ ok: false, error: { code: ErrorCode.FORBIDDEN } });
  });

  it('leave out the text on a device that turned the preview off', async () => {
    const [alice, bob] = [await signUp(srv.url), await signUp(srv.url)];
    const room = await roomWith(srv.url, alice, bob);
    const [quiet, open] = [await subscribe(bob, false), await subscribe(bob, true)];
    const seq = await send(alice, room.id, 'secret plans');
    const [withoutText] = await pushesUntil(quiet, hasSeq(seq), 'the preview-off push');
    const [withText] = await pushesUntil(open, hasSeq(seq), 'the preview-on push');
    expect(withoutText).not.toHaveProperty('text');
    expect(withoutText).toMatchObject({ kind: 'message', seq, senderName: alice.username });
    expect(withText).toMatchObject({ text: 'secret plans' });
  });
});

describe('read pushes', () => {
  it('tell the reader\'s devices "read up to seq N" when the reader has no live connection', async () => {
    const [alice, bob] = [await signUp(srv.url), await signUp(srv.url)];
    const room = await roomWith(srv.url, alice, bob);
    const toBob = await subscribe(bob);
    const seq = await send(alice, room.id, 'read me');
    await pushesUntil(toBob, hasSeq(seq), 'the message push');
    const res = await http(srv.url, readPath(room.id), {
      method: 'POST',
      body: { readSeq: seq },
      cookie: bob.cookie,
    });
    expect(res.status).toBe(200);
    const list = await pushesUntil(toBob, (l) => l.some((n) => n.kind === 'read'), 'the read push');
    expect(list.at(-1)).toEqual({ kind: 'read', conversationId: room.id, readSeq: seq, unreadTotal: 0 });
    expect((await srv.store.getMember(room.id, bob.id))?.readSeq).toBe(seq);
  });
});

describe('a busy or failing push service', () => {
  it('is asked again after 429 and 5xx, honouring Retry-After, and the push arrives once', async () => {
    const [alice, bob] = [await signUp(srv.url), await signUp(srv.url)];
    const room = await roomWith(srv.url, alice, bob);
    const device = await subscribe(bob);
    service.answerNext(
      device.json.endpoint,
      { status: 429, retryAfter: '0' },
      { status: 503, retryAfter: '0' },
    );
    const seq = await send(alice, room.id, 'through a busy service');
    const pushes = await pushesUntil(device, hasSeq(seq), 'the push after two refusals');
    expect(seqs(pushes)).toEqual([seq]);
    expect(service.attempts(device.json.endpoint)).toBe(3);
  });

  it('backs off by itself when a 500 says nothing of when to come back', async () => {
    const [alice, bob] = [await signUp(srv.url), await signUp(srv.url)];
    const room = await roomWith(srv.url, alice, bob);
    const device = await subscribe(bob);
    service.answerNext(device.json.endpoint, { status: 500 });
    const seq = await send(alice, room.id, 'after a crash');
    expect(seqs(await pushesUntil(device, hasSeq(seq), 'the push after a 500'))).toEqual([seq]);
    expect(service.attempts(device.json.endpoint)).toBe(2);
  });

  it('waits as Retry-After says (seconds or a date, at most a minute), else 1 s, 4 s, 16 s with jitter', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    expect(retryDelayMs('7', 1, now)).toBe(7000);
    expect(retryDelayMs('Mon, 30 Nov 2026 12:00:30 GMT', 1, now)).toBe(30_000);
    expect(retryDelayMs('3600', 1, now)).toBe(60_000);
    expect(retryDelayMs('Mon, 30 Nov 2026 11:00:00 GMT', 1, now)).toBe(0);
    for (const [attempt, full] of [
      [1, 1000],
      [2, 4000],
      [3, 16_000],
    ] as const) {
      for (const header of [null, '', 'soon']) {
        const delay = retryDelayMs(header, attempt, now);
        expect(delay).toBeGreaterThanOrEqual(full / 2);
        expect(delay).toBeLessThanOrEqual(full);
      }
    }
  });

  it('is not asked again after a refusal that would repeat (400)', async () => {
    const [alice, bob] = [await signUp(srv.url), await signUp(srv.url)];
    const room = await roomWith(srv.url, alice, bob);
    const device = await subscribe(bob);
    service.answerNext(device.json.endpoint, { status: 400 });
    const refused = await send(alice, room.id, 'refused');
    await waitUntil('the refused push', () => service.attempts(device.json.endpoint) === 1);
    // The next window's push is the second request: the refused one was never tried again.
    const seq = await send(alice, room.id, 'next one');
    expect(seqs(await pushesUntil(device, hasSeq(seq), 'the next push'))).toEqual([seq]);
    expect(refused).toBeLessThan(seq);
    expect(service.attempts(device.json.endpoint)).toBe(2);
  });
});

describe('subscriptions go away', () => {
  it.each([410, 404])('when the push service answers %i', async (status) => {
    const [alice, bob] = [await signUp(srv.url), await signUp(srv.url)];
    const room = await roomWith(srv.url, alice, bob);
    const [gone, kept] = [await subscribe(bob), await subscribe(bob)];
    service.answer(gone.json.endpoint, status);
    const seq = await send(alice, room.id, 'anyone there?');
    await pushesUntil(kept, hasSeq(seq), 'the kept device hears it');
    await waitUntil(
      'the gone subscription to be deleted',
      async () => (await srv.store.listPushSubscriptions([bob.id])).length === 1,
      { timeoutMs: 10_000 },
    );
    expect((await srv.store.listPushSubscriptions([bob.id]))[0]?.endpoint).toBe(kept.json.endpoint);
  });

  it("on sign-out of that device's session, keeping the other devices'", async () => {
    const bob = await signUp(srv.url);
    const laptop = await signIn(srv.url, bob.username, bob.password);
    const onPhone = await subscribe(bob);
    const onLaptop = await subscribe({ ...bob, cookie: laptop.cookie! });
    const res = await http(srv.url, HttpPath.signout, { method: 'POST', cookie: bob.cookie });
    expect(res.status).toBe(200);
    const left = await srv.store.listPushSubscriptions([bob.id]);
    expect(left.map((s) => s.endpoint)).toEqual([onLaptop.json.endpoint]);
    expect(left.map((s) => s.endpoint)).not.toContain(onPhone.json.endpoint);
  });
});
