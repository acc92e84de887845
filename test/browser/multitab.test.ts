/**
 * One person with three tabs. The browser holds one socket for all of them (the hub), and
 * what one tab does shows in every tab: a message sent, and reading (which clears "N unread").
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  conversationLabels,
  conversationLink,
  eventually,
  createRoom,
  ferrySuite,
  inviteCode,
  joinViaApi,
  messageArticle,
  messages,
  messageTexts,
  newUser,
  openConversation,
  openTabs,
  removeSharedWorker,
  sendMessage,
  sendViaApi,
  signUp,
  socketCount,
  waitOnline,
  waitUntil,
} from './support/index';

const suite = ferrySuite();

const MODES = [
  { mode: 'with a SharedWorker', user: 'alice-sw', sharedWorker: true },
  { mode: 'in elected-tab mode (no SharedWorker)', user: 'alice-tab', sharedWorker: false },
];

describe.each(MODES)('one person with three tabs, $mode', ({ user, sharedWorker }) => {
  it('uses one socket, shows a message sent in one tab in all three, and reading in one clears unread in all', async () => {
    const alice = await newUser(suite.browser, suite.ferry, user);
    if (!sharedWorker) await removeSharedWorker(alice.context);
    const bob = await signUp(suite.ferry, `${user}-bob`);
    const tabs = await openTabs(alice.context, suite.ferry, 3);
    expect(await tabs[0]!.evaluate(() => typeof SharedWorker)).toBe(sharedWorker ? 'function' : 'undefined');
    for (const tab of tabs) await waitOnline(tab);

    // Three tabs, one browser: the server sees exactly one connection from Alice.
    await waitUntil('a socket from alice', async () => (await socketCount(suite.ferry, alice.user.id)) >= 1);
    expect(await socketCount(suite.ferry, alice.user.id)).toBe(1);

    // A room made in tab 1 shows in the list of tabs 2 and 3.
    const [t1, t2, t3] = tabs as [Page, Page, Page];
    await createRoom(t1, 'Deck');
    for (const tab of [t2, t3]) await conversationLink(tab, 'Deck').waitFor();
    const room = await joinViaApi(suite.ferry, bob.cookie, await inviteCode(t1));

    // A message sent in tab 1 appears in all three tabs, once.
    for (const tab of [t2, t3]) await openConversation(tab, 'Deck');
    await sendMessage(t1, 'Typed in the first tab');
    for (const tab of tabs) {
      await messageArticle(tab, 'Deck', 'Typed in the first tab').waitFor();
      await eventually(() => messages(tab, 'Deck').count()).toBe(1);
    }

    // Every tab back to the list; Bob writes twice: every tab shows 2 unread.
    for (const tab of tabs) await tab.goto(suite.ferry.url + '/');
    await sendViaApi(suite.ferry, bob.cookie, room.id, 'First from Bob');
    await sendViaApi(suite.ferry, bob.cookie, room.id, 'Second from Bob');
    for (const tab of tabs) await eventually(() => conversationLabels(tab)).toEqual(['Deck, 2 unread']);

    // Reading in tab 1 clears the count in tabs 2 and 3.
    await openConversation(t1, 'Deck');
    await messageArticle(t1, 'Deck', 'Second from Bob').waitFor();
    for (const tab of [t2, t3]) await eventually(() => conversationLabels(tab)).toEqual(['Deck']);

    // Close every original tab, one by one as a person would (so whichever held the socket goes),
    // keeping a new tab open: each time the hub moves on, with exactly one connection.
    const [t4] = (await openTabs(alice.context, suite.ferry, 1)) as [Page];
    await waitOnline(t4);
    for (const tab of tabs) {
      await Promise.all([tab.waitForEvent('close'), tab.close({ runBeforeUnload: true })]);
      await waitOnline(t4, 30_000);
      await waitUntil(
        'one socket from alice',
        async () => (await socketCount(suite.ferry, alice.user.id)) === 1,
      );
    }
    await sendViaApi(suite.ferry, bob.cookie, room.id, 'After the first tabs closed');
    await eventually(() => conversationLabels(t4), 30_000).toEqual(['Deck, 1 unread']);
    await openConversation(t4, 'Deck');
    await eventually(() => messageTexts(t4, 'Deck')).toEqual([
      'Typed in the first tab',
      'First from Bob',
      'Second from Bob',
      'After the first tabs closed',
    ]);
    expect(await socketCount(suite.ferry, alice.user.id)).toBe(1);
    await alice.context.close();
  });
});
