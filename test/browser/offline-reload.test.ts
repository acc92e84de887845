/**
 * With the server stopped, a reload still shows every conversation and its history (the
 * shell from the Service Worker's precache, the data from IndexedDB). When the server is back, the
 * messages missed meanwhile arrive by catch-up, in order, with no duplicate.
 */
import { describe, expect, it } from 'vitest';
import {
  connectionStatus,
  conversationLink,
  createRoom,
  eventually,
  ferrySuite,
  inviteCode,
  joinViaApi,
  messageTexts,
  newUser,
  openConversation,
  openOnlineTab,
  ownMessageStatus,
  sendMessage,
  sendViaApi,
  signUp,
  socketCount,
  textOf,
  waitForText,
  waitOnline,
} from './support/index';

const suite = ferrySuite();

describe('reloading while the server is down', () => {
  it('shows cached conversations and history, then catches up in order with no duplicate', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'alice');
    const bob = await signUp(suite.ferry, 'bob');
    const page = await openOnlineTab(alice.context, suite.ferry);

    await createRoom(page, 'Lighthouse');
    const room = await joinViaApi(suite.ferry, bob.cookie, await inviteCode(page));
    await sendViaApi(suite.ferry, bob.cookie, room.id, 'Bob 1');
    await sendViaApi(suite.ferry, bob.cookie, room.id, 'Bob 2');
    await sendMessage(page, 'Alice 3');
    await waitForText(ownMessageStatus(page, 'Lighthouse', 'Alice 3'), /^(Sent|Delivered|Read)$/);
    const before = ['Bob 1', 'Bob 2', 'Alice 3'];
    await eventually(() => messageTexts(page, 'Lighthouse')).toEqual(before);

    // The Service Worker must be active (shell precached) before the server goes away.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });

    await suite.ferry.stop();
    await eventually(() => textOf(connectionStatus(page))).toMatch(/Connecting|Offline/);
    await page.reload();
    await conversationLink(page, 'Lighthouse').waitFor();
    await eventually(() => messageTexts(page, 'Lighthouse')).toEqual(before);
    expect(await textOf(connectionStatus(page))).toMatch(/Connecting|Offline/);

    // Keep Alice's hub out while the server comes back and Bob writes, so the messages can only
    // reach her by catch-up, not live. setOffline alone does not stop a SharedWorker's socket
    // from reconnecting in Chromium, so the restarted server also refuses her handshakes.
    await alice.context.setOffline(true);
    await suite.ferry.restart();
    let holdAlice = true;
    suite.ferry.app.io.use((socket, next) =>
      holdAlice && socket.data.user?.id === alice.user.id ? next(new Error('held by the test')) : next(),
    );
    expect(await socketCount(suite.ferry, alice.user.id)).toBe(0);
    const missed = ['Missed 1', 'Missed 2', 'Missed 3'];
    for (const text of missed) await sendViaApi(suite.ferry, bob.cookie, room.id, text);
    expect(await socketCount(suite.ferry, alice.user.id)).toBe(0);

    holdAlice = false;
    await alice.context.setOffline(false);
    // Reconnecting waits out the hub's backoff, which may have grown while the server was down.
    await waitOnline(page, 60_000);
    await openConversation(page, 'Lighthouse');
    await eventually(() => messageTexts(page, 'Lighthouse')).toEqual([...before, ...missed]);
    await alice.context.close();
  });
});
