/**
 * A message that arrives is on screen as soon as the hub has it off the socket: the open
 * conversation does not wait for the hub's IndexedDB write and its own re-read. The write still
 * happens, and the message stays on screen once, in order, after the re-read takes over.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DB_NAME } from '../../localdb/index';
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
} from './support/index';

const suite = ferrySuite();

/**
 * Holds a readwrite transaction on the messages store of the page's IndexedDB (kept alive by a
 * chain of reads) until `release` is called: meanwhile no context of this browser, the hub
 * included, can store or read a message.
 */
async function holdMessageStore(
  page: Page,
): Promise<{ stored(id: string): Promise<boolean>; release(): Promise<void> }> {
  await page.evaluate(
    (name) =>
      new Promise<void>((held, failed) => {
        const open = indexedDB.open(name);
        open.onerror = () => failed(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction(['messages'], 'readwrite');
          const store = tx.objectStore('messages');
          const w = window as unknown as {
            __hold: { release: boolean; ask: string | null; answer: boolean | null };
          };
          w.__hold = { release: false, ask: null, answer: null };
          const spin = (): void => {
            if (w.__hold.release) return;
            const request = store.get(w.__hold.ask ?? '');
            request.onsuccess = () => {
              if (w.__hold.ask !== null) w.__hold.answer = request.result !== undefined;
              spin();
            };
          };
          spin();
          held();
        };
      }),
    DB_NAME,
  );
  return {
    stored: async (id) => {
      await page.evaluate((asked) => {
        const w = window as unknown as { __hold: { ask: string | null; answer: boolean | null } };
        w.__hold.answer = null;
        w.__hold.ask = asked;
      }, id);
      await page.waitForFunction(
        () => (window as unknown as { __hold: { answer: boolean | null } }).__hold.answer !== null,
      );
      return page.evaluate(() => (window as unknown as { __hold: { answer: boolean } }).__hold.answer);
    },
    release: () =>
      page.evaluate(() => {
        (window as unknown as { __hold: { release: boolean } }).__hold.release = true;
      }),
  };
}

/** Whether the page's IndexedDB holds message `id` (a fresh read). */
function storedNow(page: Page, id: string): Promise<boolean> {
  return page.evaluate(
    ([name, wanted]) =>
      new Promise<boolean>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction(['messages']).objectStore('messages').get(wanted);
          request.onsuccess = () => {
            open.result.close();
            resolve(request.result !== undefined);
          };
          request.onerror = () => reject(request.error);
        };
      }),
    [DB_NAME, id] as const,
  );
}

describe('a message arriving live', () => {
  it('is shown before the hub has stored it, then stays once, in order, after it is stored', async () => {
    const alice = await signUp(suite.ferry, 'live-shown-alice');
    const bob = await newUser(suite.browser, suite.ferry, 'live-shown-bob');
    const room = await sharedRoom(suite.ferry, alice, bob, 'Quay');
    await sendViaApi(suite.ferry, alice.cookie, room.id, 'First, stored the usual way');
    const page = await openOnlineTab(bob.context, suite.ferry, `/c/${room.id}`);
    await messageArticle(page, 'Quay', 'First, stored the usual way').waitFor();

    const hold = await holdMessageStore(page);
    const sent = await sendViaApi(suite.ferry, alice.cookie, room.id, 'Second, shown off the socket');
    await messageArticle(page, 'Quay', 'Second, shown off the socket').waitFor();
    // Nothing could store it yet: it is on screen from the hub's live event.
    expect(await hold.stored(sent.message.id)).toBe(false);

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
