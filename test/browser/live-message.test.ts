/**
 * A message that arrives is on screen as soon as the hub has it off the socket: the open
 * conversation does not wait for the hub's IndexedDB write and its own re-read. The write still
 * happens, and the message stays on screen once, in order, after the re-read takes over.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  ferrySuite,
  messageArticle,
  messages,
  newUser,
  openOnlineTab,
  sendViaApi,
  sharedRoom,
  signUp,
  eventually,
  holdStore,
} from './support/index';
import { readRecordScript } from './pwaSupport';

const suite = ferrySuite();

/** Whether the page's IndexedDB holds message `id` (a fresh read). */
async function storedNow(page: Page, id: string): Promise<boolean> {
  return (await page.evaluate(readRecordScript, { store: 'messages', key: id })) !== undefined;
}

describe('a message arriving live', () => {
  it('is shown before the hub has stored it, then stays once, in order, after it is stored', async () => {
    const alice = await signUp(suite.ferry, 'live-shown-alice');
    const bob = await newUser(suite.browser, suite.ferry, 'live-shown-bob');
    const room = await sharedRoom(suite.ferry, alice, bob, 'Quay');
    await sendViaApi(suite.ferry, alice.cookie, room.id, 'First, stored the usual way');
    const page = await openOnlineTab(bob.context, suite.ferry, `/c/${room.id}`);
    await messageArticle(page, 'Quay', 'First, stored the usual way').waitFor();

    const hold = await holdStore(page, 'messages');
    const sent = await sendViaApi(suite.ferry, alice.cookie, room.id, 'Second, shown off the socket');
    await messageArticle(page, 'Quay', 'Second, shown off the socket').waitFor();
    // Nothing could store it yet: it is on screen from the hub's live event.
    expect(await hold.has(sent.message.id)).toBe(false);

    await hold.release();
    await eventually(() => storedNow(page, sent.message.id)).toBe(true);
    const texts = async () =>
      (await messages(page, 'Quay').allTextContents()).map((t) => t.includes('Second'));
    await eventually(texts).toEqual([false, true]);

    // Stored for real: after a reload (no live event) it is read from IndexedDB.
    await page.reload();
    await messageArticle(page, 'Quay', 'Second, shown off the socket').waitFor();
    expect(await texts()).toEqual([false, true]);
    await bob.context.close();
  });
});
