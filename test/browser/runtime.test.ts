/**
 * The runtime (hub, local store, outbox) in real Chromium against a real Ferry server: one socket
 * per browser however many tabs, fan-out to every tab, catch-up after a server restart, the
 * elected-tab mode where SharedWorker is missing (including its leader closing), and the outbox's
 * typing order. What the hub stored is read from IndexedDB; what the server holds, over HTTP.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { ConversationSummary } from '../../contract/index';
import { createStore } from '../../server/store/createStore';
import {
  addSessionCookie,
  connectionStatus,
  ferrySuite,
  messageArticle,
  messages,
  newContext,
  newUser,
  openOnlineTab,
  openTab,
  openTabs,
  ownMessageStatus,
  removeSharedWorker,
  sendMessage,
  sendViaApi,
  serverMessages,
  sharedRoom,
  signUp,
  socketCount,
  startFerry,
  waitOffline,
  waitOnline,
  waitUntil,
  type Ferry,
  type SignedUpUser,
} from './support/index';
import { waitForServiceWorkerControl } from './pwaSupport';
import { isLeader, storedMessages, storedOutbox, type StoredMessage } from './runtimeHelpers';

const suite = ferrySuite();

/** Opens `n` tabs of a context on a conversation and waits until each says Online. */
async function tabsOn(context: BrowserContext, room: ConversationSummary, n: number): Promise<Page[]> {
  const tabs = await openTabs(context, suite.ferry, n, `/c/${room.id}`);
  for (const tab of tabs) await waitOnline(tab);
  return tabs;
}

/** Waits until a tab shows a message, and shows it once. */
async function showsOnce(tab: Page, room: string, text: string): Promise<void> {
  await messageArticle(tab, room, text).waitFor({ timeout: 20_000 });
  await expect.poll(() => messageArticle(tab, room, text).count()).toBe(1);
}

/** Asserts a stored list is exactly the server's: same ids, in seq order, no gap, no duplicate. */
function expectSameAsServer(stored: StoredMessage[], server: { id: string; seq: number }[]): void {
  expect(stored.map((m) => m.seq)).toEqual(server.map((m) => m.seq));
  expect(stored.map((m) => m.id)).toEqual(server.map((m) => m.id));
  expect(new Set(stored.map((m) => m.id)).size).toBe(stored.length);
}

/** Writes messages straight into the stopped server's store (real SQLite), in order. */
async function appendWhileDown(sender: SignedUpUser, conversationId: string, texts: string[]): Promise<void> {
  if (suite.ferry.running) throw new Error('appendWhileDown needs the server stopped');
  const store = await createStore({ dataDir: suite.ferry.dataDir });
  try {
    for (const text of texts) {
      const result = await store.appendMessage({
        id: randomUUID(),
        conversationId,
        senderId: sender.user.id,
        senderName: sender.user.username,
        text,
        typedAt: Date.now(),
      });
      if (result.status !== 'created') throw new Error(`append of "${text}" gave ${result.status}`);
    }
  } finally {
    await store.close();
  }
}

/**
 * Cuts the live socket the way a network outage would: the browser goes offline (page and Service
 * Worker requests fail) and the server dies (a SharedWorker's socket.io is not held back by
 * setOffline, and an open WebSocket survives it).
 */
async function goOffline(context: BrowserContext): Promise<void> {
  await context.setOffline(true);
  await suite.ferry.kill();
}

async function comeBack(context: BrowserContext): Promise<void> {
  await suite.ferry.restart();
  await context.setOffline(false);
}

/** Init script: records how many message rows the page showed when it first reached its hub. */
function countRowsAtHubStart(): void {
  const Real = window.SharedWorker;
  const w = window as unknown as { __rowsAtHubStart?: number };
  window.SharedWorker = class extends Real {
    constructor(...args: ConstructorParameters<typeof SharedWorker>) {
      w.__rowsAtHubStart ??= document.querySelectorAll('[role="log"] article').length;
      super(...args);
    }
  };
}

/** The rows countRowsAtHubStart saw; null before the page reached its hub. */
const rowsAtHubStart = (tab: Page) =>
  tab.evaluate(() => (window as unknown as { __rowsAtHubStart?: number }).__rowsAtHubStart ?? null);

/**
 * Init script: every wait of a second or more becomes ten minutes, the page's own wait before it
 * reaches its hub (HubClient's 1 s) among them, even if that wait is lengthened.
 */
function stretchHubStartWait(): void {
  const real = window.setTimeout;
  window.setTimeout = ((handler: TimerHandler, ms?: number, ...args: unknown[]) =>
    real(handler, (ms ?? 0) >= 1_000 ? 600_000 : ms, ...args)) as typeof window.setTimeout;
}

/**
 * With one tab of `context` Online, a second tab opened on a conversation the device does not hold
 * (nothing to draw, nothing asked of the hub) reaches the running hub at once and says Online.
 */
async function reachesRunningHub(context: BrowserContext): Promise<void> {
  await openOnlineTab(context, suite.ferry);
  await context.addInitScript(stretchHubStartWait);
  const second = await openTab(context, suite.ferry, `/c/${randomUUID()}`);
  await second.getByText('Opening the conversation…').waitFor();
  await waitOnline(second);
}

describe('the hub with a SharedWorker', () => {
  it('serves three tabs with one socket, shows a message sent in one tab in all three, and lets go when tabs close', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'rt-alice');
    const bob = await signUp(suite.ferry, 'rt-bob');
    const room = await sharedRoom(suite.ferry, alice, bob, 'Harbour');
    const tabs = await tabsOn(alice.context, room, 3);
    expect(await tabs[0]!.evaluate(() => typeof SharedWorker)).toBe('function');

    await waitUntil('a socket for alice', async () => (await socketCount(suite.ferry, alice.user.id)) >= 1);
    expect(await socketCount(suite.ferry, alice.user.id)).toBe(1);

    await sendMessage(tabs[0]!, 'Sent from the first tab');
    for (const tab of tabs) await showsOnce(tab, 'Harbour', 'Sent from the first tab');

    await sendViaApi(suite.ferry, bob.cookie, room.id, 'Bob answers');
    for (const tab of tabs) await showsOnce(tab, 'Harbour', 'Bob answers');

    // The hub stored each message once, as the server did.
    expectSameAsServer(
      await storedMessages(tabs[2]!, room.id),
      await serverMessages(suite.ferry, bob.cookie, room.id),
    );
    expect(await socketCount(suite.ferry, alice.user.id)).toBe(1);

    // Closed tabs are forgotten; the last one is still served, on the same socket.
    await tabs[0]!.close();
    await tabs[1]!.close();
    await sendViaApi(suite.ferry, bob.cookie, room.id, 'Anyone left?');
    await showsOnce(tabs[2]!, 'Harbour', 'Anyone left?');
    expect(await socketCount(suite.ferry, alice.user.id)).toBe(1);
    // No tab left: the browser holds no connection.
    await tabs[2]!.close();
    await waitUntil('alice disconnected', async () => (await socketCount(suite.ferry, alice.user.id)) === 0);
    await alice.context.close();
  });

  it('opened on a conversation, draws it from the device before it starts the hub, which then connects', async () => {
    const gina = await newUser(suite.browser, suite.ferry, 'rt-gina');
    const hal = await signUp(suite.ferry, 'rt-hal');
    const room = await sharedRoom(suite.ferry, gina, hal, 'Jetty');
    await sendViaApi(suite.ferry, hal.cookie, room.id, 'Already on the device');
    const [first] = await tabsOn(gina.context, room, 1);
    await showsOnce(first!, 'Jetty', 'Already on the device');
    // Every tab closed: the SharedWorker ends, and the next tab starts it anew.
    await first!.close();
    await waitUntil('gina disconnected', async () => (await socketCount(suite.ferry, gina.user.id)) === 0);
    await gina.context.addInitScript(countRowsAtHubStart);

    const tab = await openTab(gina.context, suite.ferry, `/c/${room.id}`);
    await showsOnce(tab, 'Jetty', 'Already on the device');
    await waitOnline(tab);
    expect(await rowsAtHubStart(tab)).toBeGreaterThan(0);
    // Live again: a new message reaches the open conversation.
    await sendViaApi(suite.ferry, hal.cookie, room.id, 'And one after');
    await showsOnce(tab, 'Jetty', 'And one after');
    await tab.close();
    await waitUntil('gina disconnected', async () => (await socketCount(suite.ferry, gina.user.id)) === 0);

    await gina.context.close();

    // Nothing to draw and nothing asked of the hub (a device that remembers Ivy, who has no
    // conversation, opened on one it does not hold): the hub starts a moment later anyway.
    const ivy = await newUser(suite.browser, suite.ferry, 'rt-ivy');
    await (await openOnlineTab(ivy.context, suite.ferry)).close();
    await waitUntil('ivy disconnected', async () => (await socketCount(suite.ferry, ivy.user.id)) === 0);
    await ivy.context.addInitScript(countRowsAtHubStart);
    const missing = await openTab(ivy.context, suite.ferry, `/c/${randomUUID()}`);
    await missing.getByText('Opening the conversation…').waitFor();
    await waitOnline(missing);
    expect(await rowsAtHubStart(missing)).toBe(0);
    await ivy.context.close();
  });

  it('opened on a conversation while another tab keeps the hub, reaches that hub at once and says Online', async () => {
    const jo = await newUser(suite.browser, suite.ferry, 'rt-jo');
    await reachesRunningHub(jo.context);
    await jo.context.close();
  });

  it('catches up after the server restarts: missed messages arrive in order, with no duplicates', async () => {
    const carol = await newUser(suite.browser, suite.ferry, 'rt-carol');
    const dave = await signUp(suite.ferry, 'rt-dave');
    const room = await sharedRoom(suite.ferry, carol, dave, 'Lighthouse');
    // A few messages first, so Carol's device has a cursor to catch up from.
    for (const text of ['one', 'two', 'three']) await sendViaApi(suite.ferry, dave.cookie, room.id, text);
    const [tab1, tab2] = await tabsOn(carol.context, room, 2);
    await showsOnce(tab1!, 'Lighthouse', 'three');

    await suite.ferry.kill();
    await waitOffline(tab1!, 30_000);
    // While the server is down, more messages than one catch-up page (PAGE_SIZE_MAX) reach its
    // store, as if through another server node: Carol's hub cannot have seen them live.
    const missed = Array.from({ length: 620 }, (_, i) => `missed ${i + 1}`);
    await appendWhileDown(dave, room.id, missed);
    await suite.ferry.restart();
    // Live messages while the catch-up runs must not be stored twice either.
    for (const text of ['live 1', 'live 2', 'live 3'])
      await sendViaApi(suite.ferry, dave.cookie, room.id, text);

    for (const tab of [tab1!, tab2!]) await waitOnline(tab, 30_000);
    const server = await serverMessages(suite.ferry, dave.cookie, room.id);
    expect(server).toHaveLength(3 + 620 + 3);
    await waitUntil(
      'every message stored',
      async () => (await storedMessages(tab1!, room.id)).length >= server.length,
      { timeoutMs: 30_000 },
    );
    const stored = await storedMessages(tab1!, room.id);
    expectSameAsServer(stored, server);
    expect(stored.map((m) => m.seq)).toEqual(server.map((_, i) => i + 1));
    expect(stored.slice(3, 623).map((m) => m.text)).toEqual(missed);

    // Both tabs render the newest, once.
    for (const tab of [tab1!, tab2!]) await showsOnce(tab, 'Lighthouse', 'live 3');
    await carol.context.close();
  });

  it('drains the outbox in typing order across two conversations, each message exactly once', async () => {
    const erin = await newUser(suite.browser, suite.ferry, 'rt-erin');
    const frank = await signUp(suite.ferry, 'rt-frank');
    const north = await sharedRoom(suite.ferry, erin, frank, 'North');
    const south = await sharedRoom(suite.ferry, erin, frank, 'South');
    const tabNorth = await openTab(erin.context, suite.ferry, `/c/${north.id}`);
    const tabSouth = await openTab(erin.context, suite.ferry, `/c/${south.id}`);
    for (const tab of [tabNorth, tabSouth]) await waitOnline(tab);
    // Offline once the app's code is on the device, as for anyone past their first seconds: a
    // Send right after a first visit went offline can find the queue's chunk neither fetched nor
    // precached yet (a known gap, not what this test is about).
    await waitForServiceWorkerControl(tabNorth);

    await goOffline(erin.context);
    for (const tab of [tabNorth, tabSouth]) await waitOffline(tab, 30_000);

    // Typed alternately in two tabs, two conversations: each shown as queued (so written) before
    // the other tab is used, as a person switching tabs would (typing order across tabs is the
    // order of the writes; Enter alone returns before the write on a loaded machine).
    const typed: Array<{ room: ConversationSummary; text: string }> = [];
    for (let i = 1; i <= 6; i++) {
      await sendMessage(tabNorth, `north ${i}`);
      await ownMessageStatus(tabNorth, 'North', `north ${i}`).waitFor();
      typed.push({ room: north, text: `north ${i}` });
      await sendMessage(tabSouth, `south ${i}`);
      await ownMessageStatus(tabSouth, 'South', `south ${i}`).waitFor();
      typed.push({ room: south, text: `south ${i}` });
    }
    await ownMessageStatus(tabSouth, 'South', 'south 6').waitFor();
    await expect.poll(() => ownMessageStatus(tabSouth, 'South', 'south 6').textContent()).toMatch(/^Queued/);
    // Written to IndexedDB first, in the order typed, and counted as waiting in every tab.
    expect((await storedOutbox(tabNorth)).map((e) => e.text)).toEqual(typed.map((t) => t.text));
    for (const tab of [tabNorth, tabSouth])
      await expect.poll(() => connectionStatus(tab).textContent()).toMatch(/12 waiting/);

    await comeBack(erin.context);
    await waitUntil('the outbox drained', async () => (await storedOutbox(tabNorth)).length === 0, {
      timeoutMs: 30_000,
    });

    const northServer = await serverMessages(suite.ferry, frank.cookie, north.id);
    const southServer = await serverMessages(suite.ferry, frank.cookie, south.id);
    expect(northServer.map((m) => m.text)).toEqual([1, 2, 3, 4, 5, 6].map((i) => `north ${i}`));
    expect(southServer.map((m) => m.text)).toEqual([1, 2, 3, 4, 5, 6].map((i) => `south ${i}`));
    // One drainer, in typing order: the server committed them in the order typed across both.
    const byText = new Map([...northServer, ...southServer].map((m) => [m.text, m.createdAt]));
    const commitTimes = typed.map((t) => byText.get(t.text)!);
    expect(commitTimes).toEqual([...commitTimes].sort((a, b) => a - b));

    for (const [tab, name, text] of [
      [tabNorth, 'North', 'north 6'],
      [tabSouth, 'South', 'south 6'],
    ] as const) {
      await expect
        .poll(() => ownMessageStatus(tab, name, text).textContent(), { timeout: 20_000 })
        .not.toMatch(/^Queued/);
      await expect.poll(() => messages(tab, name).count()).toBe(6);
    }
    await erin.context.close();
  });
});

describe('the elected-tab mode (no SharedWorker)', () => {
  it('serves three tabs with one socket, and survives its leader tab closing, losing and duplicating nothing', async () => {
    const gina = await signUp(suite.ferry, 'rt-gina');
    const hank = await signUp(suite.ferry, 'rt-hank');
    const room = await sharedRoom(suite.ferry, gina, hank, 'Ferryboat');
    // A context whose pages lack SharedWorker from before the app boots.
    const context = await newContext(suite.browser);
    await removeSharedWorker(context);
    await addSessionCookie(context, suite.ferry, gina.cookie);
    const tabs = await tabsOn(context, room, 3);
    expect(await tabs[0]!.evaluate(() => typeof SharedWorker)).toBe('undefined');

    // Exactly one tab leads, and the server sees one socket.
    const leaders = await Promise.all(tabs.map(isLeader));
    expect(leaders.filter(Boolean)).toHaveLength(1);
    await waitUntil('a socket for gina', async () => (await socketCount(suite.ferry, gina.user.id)) >= 1);
    expect(await socketCount(suite.ferry, gina.user.id)).toBe(1);

    const leader = tabs[leaders.indexOf(true)]!;
    const [first, second] = tabs.filter((t) => t !== leader) as [Page, Page];
    await sendMessage(first, 'Before the handover');
    for (const tab of tabs) await showsOnce(tab, 'Ferryboat', 'Before the handover');

    // A message typed in a follower just as the leader closes: it must arrive, exactly once.
    await sendMessage(first, 'Typed as the leader left');
    await leader.close();

    for (const tab of [first, second]) await waitOnline(tab, 30_000);
    await waitUntil('a new leader', async () => (await isLeader(first)) || (await isLeader(second)), {
      timeoutMs: 30_000,
    });
    await waitUntil('one socket again', async () => (await socketCount(suite.ferry, gina.user.id)) === 1);
    for (const tab of [first, second]) await showsOnce(tab, 'Ferryboat', 'Typed as the leader left');

    // The new leader serves both directions.
    await sendMessage(second, 'After the handover');
    for (const tab of [first, second]) await showsOnce(tab, 'Ferryboat', 'After the handover');
    await expect
      .poll(() => ownMessageStatus(second, 'Ferryboat', 'After the handover').textContent(), {
        timeout: 20_000,
      })
      .toMatch(/^(Sent|Delivered|Read)/);
    await sendViaApi(suite.ferry, hank.cookie, room.id, 'Hank is still here');
    for (const tab of [first, second]) await showsOnce(tab, 'Ferryboat', 'Hank is still here');
    const server = await serverMessages(suite.ferry, hank.cookie, room.id);
    expect(server.map((m) => m.text)).toEqual([
      'Before the handover',
      'Typed as the leader left',
      'After the handover',
      'Hank is still here',
    ]);
    expectSameAsServer(await storedMessages(second, room.id), server);
    expect(await socketCount(suite.ferry, gina.user.id)).toBe(1);
    await context.close();
  });
});

describe('the elected-tab mode, opened on a conversation', () => {
  it('reaches the leader tab at once and says Online', async () => {
    const kim = await signUp(suite.ferry, 'rt-kim');
    const context = await newContext(suite.browser);
    await removeSharedWorker(context);
    await addSessionCookie(context, suite.ferry, kim.cookie);
    await reachesRunningHub(context);
    await context.close();
  });
});

describe('the outbox against a rate-limited server', () => {
  let limited: Ferry;
  beforeAll(async () => {
    // Three messages at once, then one every half second: a burst of typing meets RATE_LIMITED,
    // a transient error (with retryAfterMs) the outbox must back off from, never fail on.
    limited = await startFerry({ env: { SEND_BURST: '3', SEND_RATE_PER_SECOND: '2' } });
  });
  afterAll(async () => {
    await limited?.dispose();
  });

  it('backs off while rate-limited, holds later messages back, and delivers all in the order typed', async () => {
    const ivy = await newUser(suite.browser, limited, 'rt-ivy');
    const jack = await signUp(limited, 'rt-jack');
    const room = await sharedRoom(limited, ivy, jack, 'Quay');
    const tab = await openOnlineTab(ivy.context, limited, `/c/${room.id}`);

    const typed = Array.from({ length: 8 }, (_, i) => `quick ${i + 1}`);
    for (const text of typed) await sendMessage(tab, text);
    // Some wait (backing off); none is marked failed for a transient refusal.
    await waitUntil('the outbox drained', async () => (await storedOutbox(tab)).length === 0, {
      timeoutMs: 30_000,
    });
    for (const text of typed)
      await expect
        .poll(() => ownMessageStatus(tab, 'Quay', text).textContent())
        .not.toMatch(/^(Queued|Failed)/);

    const server = await serverMessages(limited, jack.cookie, room.id);
    expect(server.map((m) => m.text)).toEqual(typed);
    expectSameAsServer(await storedMessages(tab, room.id), server);
    await ivy.context.close();
  });
});
