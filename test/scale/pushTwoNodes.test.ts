/**
 * Web Push across two nodes on PostgreSQL and Redis: a member connected to the other node counts
 * as online (presence in Redis), so the node that stored the message pushes nothing to them; once
 * they leave, it does. The subscriptions and mutes live in PostgreSQL here.
 */
import webpush from 'web-push';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  HttpPath,
  messagesPath,
  mutePath,
  type Ack,
  type PushNotice,
  ServerEvent,
} from '../../contract/index.js';
import {
  closeAllSockets,
  connect,
  http,
  nextEvent,
  roomAcross,
  signUp,
  type TestUser,
} from '../server/support/clients.js';
import {
  startPushService,
  type TestPushService,
  type TestSubscription,
} from '../server/support/pushService.js';
import { startCluster, type Cluster } from './support/cluster.js';
import { waitUntil } from '../support/wait.js';

describe('Web Push on two nodes', () => {
  const vapid = webpush.generateVAPIDKeys();
  let cluster: Cluster;
  let service: TestPushService;
  let A: string;
  let B: string;

  beforeAll(async () => {
    service = await startPushService(() => vapid.publicKey);
    cluster = await startCluster({
      nodes: 2,
      env: {
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        PUSH_ALLOW_LOOPBACK_HTTP: 'true',
        PUSH_COALESCE_MS: '300',
      },
    });
    [A, B] = cluster.nodes.map((n) => n.url) as [string, string];
  });
  afterAll(async () => {
    await cluster?.stop();
    await service?.close();
  });
  afterEach(() => closeAllSockets());

  async function subscribe(url: string, user: TestUser): Promise<TestSubscription> {
    const sub = service.subscription();
    const res = await http(url, HttpPath.pushSubscribe, {
      method: 'POST',
      body: { subscription: sub.json },
      cookie: user.cookie,
    });
    expect(res.status).toBe(201);
    return sub;
  }
  async function send(url: string, user: TestUser, conversationId: string, text: string): Promise<number> {
    const res = await http<Ack<{ message: { seq: number } }>>(url, messagesPath(conversationId), {
      method: 'POST',
      body: { id: crypto.randomUUID(), text, typedAt: Date.now() },
      cookie: user.cookie,
    });
    if (!res.body.ok) throw new Error(`send failed: ${res.text}`);
    return res.body.message.seq;
  }
  const seqsTo = (sub: TestSubscription) =>
    service.pushesTo(sub.json.endpoint).map((n: PushNotice) => (n.kind === 'message' ? n.seq : -1));
  const until = (sub: TestSubscription, seq: number) =>
    waitUntil(`push of seq ${seq}`, () => seqsTo(sub).includes(seq), { timeoutMs: 10_000 });

  it('pushes nothing to a member online on the other node, and pushes once they leave', async () => {
    const [alice, bob, carol] = [await signUp(A), await signUp(B), await signUp(B)];
    const room = await roomAcross(A, alice, [
      [B, bob],
      [B, carol],
    ]);
    const [toBob, toCarol] = [await subscribe(B, bob), await subscribe(B, carol)];
    const aliceSocket = await connect(A, alice.cookie);
    const bobOnline = nextEvent(aliceSocket, ServerEvent.presence, (p) => p.userId === bob.id && p.online);
    const bobSocket = await connect(B, bob.cookie);
    await bobOnline;

    const first = await send(A, alice, room.id, 'bob is on node B');
    await until(toCarol, first);
    const bobGone = nextEvent(aliceSocket, ServerEvent.presence, (p) => p.userId === bob.id && !p.online);
    bobSocket.disconnect();
    await bobGone;
    const second = await send(A, alice, room.id, 'bob left');
    await until(toBob, second);
    expect(seqsTo(toBob)).toEqual([second]);

    // A mute made through node B silences node A's pushes (PostgreSQL holds it). Node A sends to
    // the members in join order, one after the other: carol's push comes after any to bob.
    await http(B, mutePath(room.id, true), { method: 'POST', cookie: bob.cookie });
    const third = await send(A, alice, room.id, 'bob muted');
    await until(toCarol, third);
    expect(seqsTo(toBob)).toEqual([second]);
    expect(service.problems).toEqual([]);
  });
});
