/**
 * The offline outbox: messages typed offline wait in IndexedDB (shown "Queued" in every
 * tab) and reach the other person exactly once, in typing order, when the network returns; the
 * Service Worker replays them over HTTP from a Background Sync with every tab closed; and a message
 * the server rejects for good shows as "Failed" with its reason, "Retry" and "Delete".
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { MESSAGE_TEXT_MAX, type Message } from '../../contract/index';
import {
  connectionStatus,
  createRoomViaApi,
  ferrySuite,
  messageArticle,
  messageTexts,
  newUser,
  openConversation,
  openOnlineTab,
  openTab,
  ownMessageStatus,
  sendMessage,
  sendViaApi,
  serverMessages,
  sharedRoom,
  shownLog,
  socketCount,
  UI_TIMEOUT,
  waitForText,
  waitOffline,
  waitOnline,
} from './support/index';
import {
  putOutboxEntry,
  readOutboxScript,
  SyncDispatcher,
  syncTags,
  waitForServiceWorkerControl,
} from './pwaSupport';

/** Asserts the server stored exactly `texts`, once each, in this order, with seqs 1..n. */
function expectStoredInOrder(messages: Message[], texts: string[]): void {
  expect(messages.map((m) => m.text)).toEqual(texts);
  expect(messages.map((m) => m.seq)).toEqual(texts.map((_, i) => i + 1));
  expect(new Set(messages.map((m) => m.id)).size).toBe(texts.length);
}

const suite = ferrySuite();
// A test that failed with the server down (or refusing sockets) must not take the next ones with it.
let refusingSockets = false;
beforeEach(async () => {
  if (refusingSockets) await suite.ferry.stop();
  refusingSockets = false;
  if (!suite.ferry.running) await suite.ferry.restart();
});

describe('sending while offline', () => {
  it('queues 20 messages from two tabs in two conversations and delivers each once, in typing order', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'olga');
    const bob = await newUser(suite.browser, suite.ferry, 'oscar');
    const north = await sharedRoom(suite.ferry, alice, bob, 'North pier');
    const south = await sharedRoom(suite.ferry, alice, bob, 'South pier');

    const tabs = [await openTab(alice.context, suite.ferry), await openTab(alice.context, suite.ferry)];
    for (const tab of tabs) await waitOnline(tab);
    await waitForServiceWorkerControl(tabs[0]!);

    // Offline for real: the browser's network is off and the server is gone (which cuts the socket).
    await alice.context.setOffline(true);
    await suite.ferry.kill();
    for (const tab of tabs) await waitOffline(tab);

    // Four runs of five, alternating tab and conversation: typing order is m01..m20.
    const plan: Array<{ tab: Page; room: string }> = [
      { tab: tabs[0]!, room: 'North pier' },
      { tab: tabs[1]!, room: 'South pier' },
      { tab: tabs[1]!, room: 'North pier' },
      { tab: tabs[0]!, room: 'South pier' },
    ];
    const typed: Record<string, string[]> = { 'North pier': [], 'South pier': [] };
    let n = 0;
    for (const { tab, room } of plan) {
      await openConversation(tab, room);
      for (let i = 0; i < 5; i++) {
        const text = `m${String(++n).padStart(2, '0')} to ${room}`;
        await sendMessage(tab, text);
        typed[room]!.push(text);
      }
    }

    // Every message shows Queued in both tabs, in typing order.
    for (const tab of tabs) {
      for (const room of ['North pier', 'South pier']) {
        await openConversation(tab, room);
        await expect.poll(() => messageTexts(tab, room), { timeout: UI_TIMEOUT }).toEqual(typed[room]);
        for (const text of typed[room]!) await waitForText(ownMessageStatus(tab, room, text), /^Queued/);
      }
    }
    await expect.poll(() => connectionStatus(tabs[0]!).textContent()).toMatch(/20/);

    await suite.ferry.restart();
    await alice.context.setOffline(false);

    // Bob receives all 20 exactly once, each conversation in the order typed.
    const bobTab = await openTab(bob.context, suite.ferry);
    for (const room of ['North pier', 'South pier']) {
      await openConversation(bobTab, room);
      await expect.poll(() => messageTexts(bobTab, room), { timeout: 60_000 }).toEqual(typed[room]);
    }
    expectStoredInOrder(await serverMessages(suite.ferry, bob.cookie, north.id), typed['North pier']!);
    expectStoredInOrder(await serverMessages(suite.ferry, bob.cookie, south.id), typed['South pier']!);

    // Alice's tabs no longer show anything as Queued, and her outbox is empty.
    for (const tab of tabs) {
      for (const room of ['North pier', 'South pier']) {
        await openConversation(tab, room);
        for (const text of typed[room]!)
          await waitForText(ownMessageStatus(tab, room, text), /^(Sent|Delivered|Read)$/, 60_000);
      }
    }
    expect(await tabs[0]!.evaluate(readOutboxScript)).toEqual([]);
    await alice.context.close();
    await bob.context.close();
  });
});

describe('sending when the queue’s code cannot be fetched', () => {
  const queueChunk = /\/assets\/onDemand-[^/]*\.js$/;

  /**
   * A user whose tabs cannot have the queue's chunk, as on a first visit gone offline before it
   * came. No Service Worker: nothing is precached, so every request passes the context's routes.
   */
  async function withoutQueueCode(name: string) {
    const user = await newUser(suite.browser, suite.ferry, name, { serviceWorkers: 'block' });
    await user.context.route(queueChunk, (route) => route.abort('internetdisconnected'));
    return user;
  }

  it('says the message was not queued and why, keeps the text, and queues it once the code can load', async () => {
    const alice = await withoutQueueCode('oriel');
    const room = await createRoomViaApi(suite.ferry, alice.cookie, 'Quay');
    const tab = await openTab(alice.context, suite.ferry, `/c/${room.id}`);
    await waitOnline(tab);
    const box = tab.getByRole('textbox', { name: 'Message' });

    await sendMessage(tab, 'kept on the quay');
    await waitForText(
      tab.getByRole('alert').filter({ hasText: 'Not queued' }),
      'part of Ferry is not on this device yet and could not be fetched',
    );
    expect(await box.inputValue()).toBe('kept on the quay');
    expect(await serverMessages(suite.ferry, alice.cookie, room.id)).toEqual([]);

    await alice.context.unroute(queueChunk);
    await box.press('Enter');
    await waitForText(ownMessageStatus(tab, 'Quay', 'kept on the quay'), /^(Queued|Sent)$/);
    await expect
      .poll(async () => (await serverMessages(suite.ferry, alice.cookie, room.id)).map((m) => m.text), {
        timeout: UI_TIMEOUT,
      })
      .toEqual(['kept on the quay']);
    await alice.context.close();
  });

  it('says a reaction was not done while that code cannot be fetched, and does it once it can', async () => {
    const alice = await withoutQueueCode('orla');
    const room = await createRoomViaApi(suite.ferry, alice.cookie, 'Slip');
    await sendViaApi(suite.ferry, alice.cookie, room.id, 'Tide is out');
    const tab = await openTab(alice.context, suite.ferry, `/c/${room.id}`);
    await waitOnline(tab);
    const message = messageArticle(tab, 'Slip', 'Tide is out');
    const react = async () => {
      await message.getByRole('button', { name: 'More actions' }).click();
      await tab.getByRole('menuitem', { name: 'React' }).click();
      await message.getByRole('button', { name: '👍', exact: true }).click();
    };

    await react();
    await waitForText(
      message.getByRole('alert'),
      'Not done: part of Ferry is not on this device yet and could not be fetched',
    );
    expect(await message.getByRole('button', { name: '👍 1', exact: true }).count()).toBe(0);

    await alice.context.unroute(queueChunk);
    await react();
    await message.getByRole('button', { name: '👍 1', exact: true }).waitFor();
    expect(await message.getByRole('alert').count()).toBe(0);
    await alice.context.close();
  });
});

describe('replay by the Service Worker with every tab closed', () => {
  it('sends the queued messages when Background Sync fires with no tab open', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'sylvia', { permissions: ['background-sync'] });
    const bob = await newUser(suite.browser, suite.ferry, 'sam');
    const room = await sharedRoom(suite.ferry, alice, bob, 'Night crossing');

    const page = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    // Online comes before the hub has stored the conversation: wait for it before the server goes.
    await shownLog(page, 'Night crossing');
    await waitForServiceWorkerControl(page);
    const dispatcher = await SyncDispatcher.open(alice.context, suite.ferry);

    await suite.ferry.kill();
    await waitOffline(page);
    const texts = ['Leaving port now', 'Sea is calm', 'Arriving at dawn'];
    for (const text of texts) {
      await sendMessage(page, text);
      await waitForText(ownMessageStatus(page, 'Night crossing', text), /^Queued/);
    }
    // Over the length limit: the server will refuse it for good.
    const tooLong = `Too long ${'~'.repeat(MESSAGE_TEXT_MAX)}`;
    const rejected = await putOutboxEntry(page, {
      conversationId: room.id,
      text: tooLong,
      senderId: alice.user.id,
    });

    // The page registered a real Background Sync for the outbox (the browser fired it at once and
    // it failed, the server being down, so it stays registered for a retry).
    await expect.poll(() => syncTags(page), { timeout: UI_TIMEOUT }).toContain('ferry-outbox');

    // Every tab of the app closes: no hub, no socket, only the Service Worker is left.
    await page.close();
    expect(alice.context.pages().map((p) => p.url())).toEqual(['about:blank']);

    await suite.ferry.restart();
    expect(await socketCount(suite.ferry, alice.user.id)).toBe(0);
    expect(await serverMessages(suite.ferry, bob.cookie, room.id)).toEqual([]);

    await dispatcher.dispatch('ferry-outbox');
    await expect
      .poll(async () => (await serverMessages(suite.ferry, bob.cookie, room.id)).length, {
        timeout: UI_TIMEOUT,
      })
      .toBe(texts.length);
    expectStoredInOrder(await serverMessages(suite.ferry, bob.cookie, room.id), texts);
    expect(await socketCount(suite.ferry, alice.user.id)).toBe(0);

    // Bob sees them, in order.
    const bobTab = await openTab(bob.context, suite.ferry, `/c/${room.id}`);
    await expect.poll(() => messageTexts(bobTab, 'Night crossing'), { timeout: UI_TIMEOUT }).toEqual(texts);

    // The worker also marked the refused message failed, with the server's reason.
    const worker = alice.context.serviceWorkers().find((w) => w.url() === `${suite.ferry.url}/sw.js`);
    expect(worker).toBeDefined();
    const left = await worker!.evaluate(readOutboxScript);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ id: rejected.id, state: 'failed', error: { code: 'BAD_REQUEST' } });

    await alice.context.close();
    await bob.context.close();
  });
});

describe('replay where Background Sync is missing', () => {
  it('sends over HTTP when the app opens and after the network returns, while the socket cannot connect', async () => {
    // Like Firefox and Safari: no `sync` on the page's registration, and the permission denied
    // (Playwright's default), so the worker cannot register one either.
    const alice = await newUser(suite.browser, suite.ferry, 'felix');
    await alice.context.addInitScript(() => {
      delete (ServiceWorkerRegistration.prototype as { sync?: unknown }).sync;
    });
    const bob = await newUser(suite.browser, suite.ferry, 'flora');
    const room = await sharedRoom(suite.ferry, alice, bob, 'Car deck');
    const refuseSockets = () => {
      refusingSockets = true;
      suite.ferry.app.io.use((_socket, next) => next(new Error('This test refuses socket connections.')));
    };

    let page = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    await shownLog(page, 'Car deck');
    await waitForServiceWorkerControl(page);
    expect(await page.evaluate(() => 'sync' in ServiceWorkerRegistration.prototype)).toBe(false);

    await suite.ferry.kill();
    await waitOffline(page);
    const whileDown = ['Written while the server was down', 'More written while down'];
    for (const text of whileDown) {
      await sendMessage(page, text);
      await waitForText(ownMessageStatus(page, 'Car deck', text), /^Queued/);
    }
    await page.close();

    // The server is back for HTTP, but refuses sockets: only the Service Worker can send now.
    await suite.ferry.restart();
    refuseSockets();
    page = await openTab(alice.context, suite.ferry, `/c/${room.id}`);
    await expect
      .poll(async () => (await serverMessages(suite.ferry, bob.cookie, room.id)).length, {
        timeout: UI_TIMEOUT,
      })
      .toBe(whileDown.length);
    for (const text of whileDown)
      await waitForText(ownMessageStatus(page, 'Car deck', text), /^(Sent|Delivered|Read)$/);

    // Offline now: the next message waits; when the network returns the worker sends it.
    await alice.context.setOffline(true);
    await sendMessage(page, 'Typed with no network');
    await waitForText(ownMessageStatus(page, 'Car deck', 'Typed with no network'), /^Queued/);
    await alice.context.setOffline(false);
    await waitForText(ownMessageStatus(page, 'Car deck', 'Typed with no network'), /^(Sent|Delivered|Read)$/);

    expectStoredInOrder(await serverMessages(suite.ferry, bob.cookie, room.id), [
      ...whileDown,
      'Typed with no network',
    ]);
    // None of it went over a socket.
    expect(await socketCount(suite.ferry, alice.user.id)).toBe(0);
    expect(await connectionStatus(page).textContent()).not.toMatch(/Online/);
    await alice.context.close();
    await bob.context.close();
  });
});

describe('a message the server refuses for good', () => {
  it('shows as Failed with the reason, Retry and Delete, and does not hold back later messages', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'fiona');
    const room = await createRoomViaApi(suite.ferry, alice.cookie, 'Lost property');
    const page = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);

    const tooLong = `Much too long ${'~'.repeat(MESSAGE_TEXT_MAX)}`;
    await putOutboxEntry(page, { conversationId: room.id, text: tooLong, senderId: alice.user.id });
    await sendMessage(page, 'Typed after the long one');

    const failed = messageArticle(page, 'Lost property', 'Much too long');
    await waitForText(ownMessageStatus(page, 'Lost property', 'Much too long'), /^Failed/);
    await waitForText(failed, `${MESSAGE_TEXT_MAX} characters`);
    await waitForText(
      ownMessageStatus(page, 'Lost property', 'Typed after the long one'),
      /^(Sent|Delivered|Read)$/,
    );
    expect((await serverMessages(suite.ferry, alice.cookie, room.id)).map((m) => m.text)).toEqual([
      'Typed after the long one',
    ]);

    // Retry puts it back in the queue (shown Queued while the server is away), and it fails again
    // for the same reason once sent: never retried forever by itself.
    await suite.ferry.kill();
    await waitOffline(page);
    await failed.getByRole('button', { name: 'Retry' }).click();
    await waitForText(ownMessageStatus(page, 'Lost property', 'Much too long'), /^Queued/);
    await suite.ferry.restart();
    await waitForText(ownMessageStatus(page, 'Lost property', 'Much too long'), /^Failed/, 60_000);
    const [entry] = await page.evaluate(readOutboxScript);
    expect(entry).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'BAD_REQUEST' } });

    // Delete removes it from the outbox and from every view.
    await failed.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => failed.count(), { timeout: UI_TIMEOUT }).toBe(0);
    expect(await page.evaluate(readOutboxScript)).toEqual([]);
    expect(await messageTexts(page, 'Lost property')).toEqual(['Typed after the long one']);
    await alice.context.close();
  });
});
