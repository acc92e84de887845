/**
 * Redis restarts (losing everything: no persistence) while two nodes are serving. Sends keep
 * being acked, cross-node delivery resumes once Redis is back, and a client that detects a gap
 * in seqs fills it by catch-up, ending with every message once and in order. An SSE feed opened
 * while Redis is away gets the other node's messages live again once it is back. Runs on a
 * private redis-server: the shared one is never restarted.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventsPath, type Ack, type Message, type MessagePage } from '../../contract/index.js';
import {
  closeAllSockets,
  connect,
  draft,
  openSse,
  request,
  roomAcross,
  signUp,
  sseTexts,
  type ClientSocket,
} from '../server/support/clients.js';
import { startCluster, watchBus, type Cluster } from './support/cluster.js';
import { startPrivateRedis, type PrivateRedis } from './support/redis.js';
import { ClientEvent, ServerEvent } from '../../contract/index.js';
import { waitUntil } from '../support/wait.js';

/**
 * A receiving client as the hub behaves: applies live messages in seq order, and on a gap (a live
 * seq beyond last + 1) pages the missing ones in by catch-up first. Duplicates are dropped.
 */
class Receiver {
  readonly messages: Message[] = [];
  /** Ids that arrived as live events (not by catch-up). */
  readonly live = new Set<string>();
  private work: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: ClientSocket,
    private readonly conversationId: string,
  ) {
    socket.on(ServerEvent.message, (m) => {
      this.live.add(m.id);
      this.work = this.work.then(() => this.receive(m));
    });
  }

  get lastSeq(): number {
    return this.messages.at(-1)?.seq ?? 0;
  }

  /** Catch-up from the last seq held, as after any reconnect. */
  catchUp(): Promise<void> {
    this.work = this.work.then(() => this.fill());
    return this.work;
  }

  private async receive(m: Message): Promise<void> {
    if (m.seq <= this.lastSeq) return;
    if (m.seq > this.lastSeq + 1) await this.fill();
    if (m.seq === this.lastSeq + 1) this.messages.push(m);
  }

  private async fill(): Promise<void> {
    for (;;) {
      const page: Ack<MessagePage> = await request(this.socket, ClientEvent.messagesAfter, {
        conversationId: this.conversationId,
        afterSeq: this.lastSeq,
      });
      if (!page.ok) throw new Error(page.error.message);
      this.messages.push(...page.messages);
      if (!page.hasMore || page.messages.length === 0) return;
    }
  }
}

describe('Redis restarted mid-run', () => {
  let redis: PrivateRedis;
  let cluster: Cluster;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    // No SSE heartbeat in a test's time: a heartbeat re-reads the store, which would hide a feed
    // that gets nothing live.
    cluster = await startCluster({ nodes: 2, redisUrl: redis.url, env: { SSE_HEARTBEAT_MS: '600000' } });
  });
  afterAll(async () => {
    await cluster?.stop();
    await redis?.kill();
  });
  afterEach(() => closeAllSockets());

  it('keeps acking sends, resumes cross-node delivery and fills the gap by catch-up', async () => {
    const [A, B] = cluster.nodes.map((n) => n.url) as [string, string];
    const alice = await signUp(A);
    const bob = await signUp(B);
    const room = await roomAcross(A, alice, [[B, bob]], 'through a restart');

    const aliceSocket = await connect(A, alice.cookie);
    const bobSocket = await connect(B, bob.cookie);
    const bob$ = new Receiver(bobSocket, room.id);
    const sent: string[] = [];
    const send = async (text: string): Promise<void> => {
      const ack = await request(aliceSocket, ClientEvent.send, draft(room.id, text));
      if (!ack.ok) throw new Error(`send failed: ${ack.error.code} ${ack.error.message}`);
      sent.push(ack.message.id);
    };

    for (let i = 0; i < 20; i++) await send(`before ${i}`);
    await waitUntil('live delivery before the restart', () => bob$.lastSeq === 20, { timeoutMs: 10_000 });
    expect(bob$.live.size).toBe(20);

    await redis.kill();
    // Redis is gone: sends are still stored and acked (the rate limiter falls back per node).
    for (let i = 0; i < 20; i++) await send(`during ${i}`);
    expect(sent).toHaveLength(40);
    // The sockets stay connected through the outage: nothing forces Bob to reconnect.
    expect(bobSocket.connected && aliceSocket.connected).toBe(true);

    await redis.start();
    // Delivery resumes: keep typing until one message reaches node B live again.
    const afterRestart: string[] = [];
    await waitUntil(
      'cross-node delivery after Redis came back',
      async () => {
        await send(`after ${afterRestart.length}`);
        afterRestart.push(sent.at(-1)!);
        await new Promise((r) => setTimeout(r, 100));
        return afterRestart.some((id) => bob$.live.has(id));
      },
      { timeoutMs: 30_000 },
    );
    // One more after resumption, so the receiver's gap check has a live message to trigger on.
    await send('final');
    await waitUntil('the gap filled', () => bob$.lastSeq === sent.length, { timeoutMs: 10_000 });
    await bob$.catchUp();

    expect(bob$.messages.map((m) => m.seq)).toEqual(sent.map((_, i) => i + 1));
    expect(bob$.messages.map((m) => m.id)).toEqual(sent);
    // Messages sent while Redis was away reached Bob by catch-up, not live.
    console.log(
      `redis restart: ${sent.length} sent, ${bob$.live.size} delivered live, ` +
        `${sent.length - [...sent].filter((id) => bob$.live.has(id)).length} filled by catch-up`,
    );

    // Presence lived in the lost Redis data: each node rewrites its counts from memory.
    const bobOnline = async (): Promise<boolean> => {
      const res = await request(aliceSocket, ClientEvent.members, { conversationId: room.id });
      return res.ok && res.members.find((m) => m.userId === bob.id)!.online;
    };
    await waitUntil('presence restored after the restart', bobOnline, { timeoutMs: 20_000 });
  });

  it("gets the other node's messages live once Redis is back", async () => {
    const [A, B] = cluster.nodes.map((n) => n.url) as [string, string];
    const alice = await signUp(A);
    const bob = await signUp(B);
    const fed = await roomAcross(A, alice, [[B, bob]], 'fed before the restart');
    const quiet = await roomAcross(A, alice, [[B, bob]], 'opened during the restart');
    const aliceSocket = await connect(A, alice.cookie);
    const sentQuiet: string[] = [];
    const send = async (conversationId: string, text: string): Promise<void> => {
      const ack = await request(aliceSocket, ClientEvent.send, draft(conversationId, text));
      if (!ack.ok) throw new Error(`send failed: ${ack.error.code} ${ack.error.message}`);
      if (conversationId === quiet.id) sentQuiet.push(text);
    };

    // Node A publishes a conversation across only once it knows some node has a feed open in it
    // (after it has heard which, just after it started): rounds until `quiet` stops crossing.
    const crossing = await watchBus(cluster);
    const crossed = (text: string) => crossing.packets.some((p) => p.includes(text));
    const fedFeed = await openSse(B, eventsPath(fed.id), bob.cookie, { lastEventId: '0' });
    for (let round = 0; ; round++) {
      await send(quiet.id, `quiet ${round}`);
      await send(fed.id, `fed ${round}`);
      await waitUntil(`"fed ${round}" published across`, () => crossed(`fed ${round}`));
      if (!crossed(`quiet ${round}`)) break;
    }
    fedFeed.close();
    await crossing.stop();

    await redis.kill();
    await send(quiet.id, 'while away, before the feed');
    // Node B cannot tell node A of this feed now.
    const feed = await openSse(B, eventsPath(quiet.id), bob.cookie, { lastEventId: '0' });
    expect(feed.status).toBe(200);
    await feed.until(() => sseTexts(feed).includes('while away, before the feed'));
    await send(quiet.id, 'while away, after the feed');

    await redis.start();
    // Node A must learn of the feed (or publish everything) once Redis is back: keep writing
    // until one message reaches the feed live.
    let after = 0;
    await waitUntil(
      'live delivery to the feed after Redis came back',
      async () => {
        await send(quiet.id, `after ${after++}`);
        await new Promise((r) => setTimeout(r, 100));
        return sseTexts(feed).some((text) => text.startsWith('after '));
      },
      { timeoutMs: 30_000 },
    );
    // Every message once and in order: what was lost live came from the store.
    await send(quiet.id, 'final');
    await feed.until(() => sseTexts(feed).includes('final'));
    const seqs = feed.events
      .filter((e) => e.event === 'message')
      .map((e) => (JSON.parse(e.data) as Message).seq);
    expect(seqs).toEqual(sentQuiet.map((_, i) => i + 1));
    expect(sseTexts(feed)).toEqual(sentQuiet);
    feed.close();
  });
});
