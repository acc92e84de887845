/**
 * A device never keeps a hole in a conversation. Two nodes share PostgreSQL and a private Redis;
 * alice's browser talks to node A, bob's to node B. A message alice sends while Redis is down is
 * acked on A but never reaches B live. Bob's device then shows it within seconds, over the socket
 * it already had (no reload, no reconnect), whichever way the hole shows: his own next ack skips
 * the seq, another member's receipt reaches past it, or nothing at all arrives and node B's
 * announced check after its Redis reconnect finds it. Each way is tested with the others shut out.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SESSION_COOKIE, ClientEvent } from '../../contract/index';
import {
  closeAllSockets,
  connect,
  request,
  roomAcross,
  signUp,
  type TestUser,
} from '../server/support/clients';
import type { LogLine, ServerProcess } from '../server/support/process';
import { startCluster, type Cluster } from '../scale/support/cluster';
import { startPrivateRedis, type PrivateRedis } from '../scale/support/redis';
import {
  launchBrowser,
  messageArticle,
  messages,
  newContext,
  openConversation,
  ownMessageStatus,
  sendMessage,
  waitForText,
  waitOnline,
} from './support/index';

const ROOM = 'Night crossing';

/** A browser context signed in as `user` on `origin`, with one tab open on the app and online. */
async function openAs(
  browser: Browser,
  origin: string,
  user: TestUser,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newContext(browser);
  const value = user.cookie.slice(SESSION_COOKIE.length + 1);
  await context.addCookies([{ name: SESSION_COOKIE, value, url: origin, httpOnly: true, sameSite: 'Lax' }]);
  const page = await context.newPage();
  await page.goto(origin + '/');
  await waitOnline(page);
  return { context, page };
}

/**
 * Records every state the status bar shows from now on (the hub's socket state: a reconnect shows
 * as Connecting or Offline, however briefly).
 */
async function recordConnectionStates(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen: string[] = [];
    const read = (): void => {
      const state = document.querySelector('[role="status"]')?.className ?? 'none';
      if (seen.at(-1) !== state) seen.push(state);
    };
    read();
    new MutationObserver(read).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['class'],
    });
    (globalThis as { ferryStates?: string[] }).ferryStates = seen;
  });
  return () => page.evaluate(() => [...((globalThis as { ferryStates?: string[] }).ferryStates ?? [])]);
}

/** A node's "Redis connection restored" log lines so far. */
function redisRestored(node: ServerProcess): LogLine[] {
  return node.logs.filter((l) => l.msg === 'Redis connection restored');
}

/** The nodes serve /metrics only to the bearer of this token. */
const METRICS_TOKEN = 'hole-test-metrics-token';

/** Open socket.io connections of a node, from its /metrics. */
async function connectionsOn(origin: string): Promise<number> {
  const response = await fetch(origin + '/metrics', {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  expect(response.status).toBe(200);
  const text = await response.text();
  return [...text.matchAll(/^ferry_connections\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

interface TwoNodes {
  redis: PrivateRedis;
  cluster: Cluster;
  browser: Browser;
}

/** Two nodes on PostgreSQL and a private Redis, and Chromium, for the tests of one describe. */
function twoNodes(env: Record<string, string> = {}): TwoNodes {
  const state = {} as TwoNodes;
  beforeAll(async () => {
    state.redis = await startPrivateRedis();
    state.cluster = await startCluster({
      nodes: 2,
      redisUrl: state.redis.url,
      env: { METRICS_TOKEN, ...env },
    });
    state.browser = await launchBrowser();
  });
  afterAll(async () => {
    await state.browser?.close();
    await state.cluster?.stop();
    await state.redis?.kill();
  });
  return state;
}

/**
 * bob (on B) sends seq 1, alice (on A) sends seq 2 which reaches bob live, Redis is killed and
 * alice's seq 3 is acked on A only, then Redis comes back. Returns both tabs and a reader of the
 * connection states bob's tab showed meanwhile.
 */
async function holeInBobsRoom({ redis, cluster, browser }: TwoNodes, room: string) {
  const [A, B] = cluster.nodes.map((n) => n.url) as [string, string];
  const alice = await signUp(A);
  const bob = await signUp(B);
  // carol (on A) is a member with no device open; a test may make her send a receipt.
  const carol = await signUp(A);
  const conversation = await roomAcross(
    A,
    alice,
    [
      [B, bob],
      [A, carol],
    ],
    room,
  );

  const a = await openAs(browser, A, alice);
  const b = await openAs(browser, B, bob);
  await openConversation(a.page, room);
  await openConversation(b.page, room);
  const bobStates = await recordConnectionStates(b.page);

  await b.page.bringToFront();
  await sendMessage(b.page, 'one: bob is aboard');
  await waitForText(ownMessageStatus(b.page, room, 'bob is aboard'), /^(Sent|Delivered|Read)$/);
  await a.page.bringToFront();
  await sendMessage(a.page, 'two: alice is aboard');
  await messageArticle(b.page, room, 'alice is aboard').waitFor();

  await redis.kill();
  await sendMessage(a.page, 'three: sent while Redis was down');
  await waitForText(ownMessageStatus(a.page, room, 'while Redis was down'), /^(Sent|Delivered|Read)$/);
  await redis.start();
  return { A, B, a, b, bobStates, carol, conversationId: conversation.id };
}

describe('a hole revealed by an own ack', () => {
  // The nodes' announced checks are pushed out of the picture (a spread of ten minutes, no
  // routine check), so only bob's own ack can reveal the hole.
  const nodes = twoNodes({ SYNC_CHECK_SPREAD_MS: '600000', SYNC_CHECK_INTERVAL_MS: '0' });

  it("fills bob's hole when his own ack skips a seq, on the socket he already has", async () => {
    const { B, a, b, bobStates } = await holeInBobsRoom(nodes, ROOM);

    // The hole is there: seq 3 never reached bob live.
    expect(await messageArticle(b.page, ROOM, 'while Redis was down').count()).toBe(0);
    // alice leaves, so no receipt of hers can reveal the hole either; bob sends on B and his ack
    // carries seq 4.
    await a.context.close();
    await b.page.bringToFront();
    await sendMessage(b.page, 'four: bob again');
    await waitForText(ownMessageStatus(b.page, ROOM, 'bob again'), /^(Sent|Delivered|Read)$/);

    // Bob's device shows seq 3 without a reload or a reconnect.
    await messageArticle(b.page, ROOM, 'while Redis was down').waitFor({ timeout: 10_000 });
    const texts = await messages(b.page, ROOM).allTextContents();
    expect(texts.map((t) => t.match(/(one|two|three|four):/)?.[1])).toEqual(['one', 'two', 'three', 'four']);
    expect(await bobStates()).toEqual(['conn conn-online']);
    expect(await connectionsOn(B)).toBe(1);

    await b.context.close();
  });
});

describe('a hole revealed by a receipt', () => {
  const nodes = twoNodes({ SYNC_CHECK_SPREAD_MS: '600000', SYNC_CHECK_INTERVAL_MS: '0' });
  afterEach(() => closeAllSockets());

  it("fills bob's hole when another member's receipt reaches past it", async () => {
    const restoredBefore = nodes.cluster.nodes.map((n) => redisRestored(n).length);
    const { A, B, a, b, bobStates, carol, conversationId } = await holeInBobsRoom(nodes, ROOM);
    await a.context.close();
    // Both nodes talk to Redis again, so carol's receipt crosses from A to B.
    await Promise.all(
      nodes.cluster.nodes.map((n, i) => n.waitForLog(() => redisRestored(n).length > restoredBefore[i]!)),
    );
    expect(await messageArticle(b.page, ROOM, 'while Redis was down').count()).toBe(0);
    const carolSocket = await connect(A, carol.cookie);
    const ack = await request(carolSocket, ClientEvent.receipt, { conversationId, readSeq: 3 });
    expect(ack.ok).toBe(true);

    await messageArticle(b.page, ROOM, 'while Redis was down').waitFor({ timeout: 10_000 });
    const texts = await messages(b.page, ROOM).allTextContents();
    expect(texts.map((t) => t.match(/(one|two|three):/)?.[1])).toEqual(['one', 'two', 'three']);
    expect(await bobStates()).toEqual(['conn conn-online']);
    expect(await connectionsOn(B)).toBe(1);
    await b.context.close();
  });
});

describe('a hole nothing reveals', () => {
  const nodes = twoNodes();

  it('is filled after Redis comes back though nobody writes again', async () => {
    const { B, a, b, bobStates } = await holeInBobsRoom(nodes, ROOM);

    // Nothing new arrives: node B saw Redis come back and asks its devices to check.
    await messageArticle(b.page, ROOM, 'while Redis was down').waitFor({ timeout: 10_000 });
    const texts = await messages(b.page, ROOM).allTextContents();
    expect(texts.map((t) => t.match(/(one|two|three):/)?.[1])).toEqual(['one', 'two', 'three']);
    expect(await bobStates()).toEqual(['conn conn-online']);
    expect(await connectionsOn(B)).toBe(1);

    await a.context.close();
    await b.context.close();
  });
});
