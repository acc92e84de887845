/**
 * One's own message is on screen, "Queued", as soon as its outbox write commits: the open
 * conversation does not wait for its own re-read of IndexedDB. The re-read then takes over, and
 * the message stays on screen once, sent.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  eventually,
  ferrySuite,
  messages,
  newUser,
  openOnlineTab,
  ownMessageStatus,
  sendMessage,
  serverMessages,
  signUp,
  sharedRoom,
} from './support/index';

const suite = ferrySuite();
/** Acknowledged by the server (Delivered or Read would say so too). */
const SENT = /^(Sent|Delivered|Read)/;

/**
 * Until the returned function is called, the page's reads of a conversation's outbox entries
 * (the by-conv-order index) never finish: each is answered by an open request of another
 * database that a connection of this page blocks. No store of Ferry's database is held, so
 * writes and the hub (another context) go on as usual. The release fails the held reads, as a
 * failed IndexedDB read would end, so the page reads afresh.
 */
async function stallOutboxReads(page: Page): Promise<() => Promise<void>> {
  await page.evaluate(
    () =>
      new Promise<void>((held, failed) => {
        const name = 'ferry-test-stall';
        const open = indexedDB.open(name, 1);
        open.onerror = () => failed(open.error);
        open.onsuccess = () => {
          // Kept open, deaf to versionchange: every later open of a higher version waits.
          const w = window as unknown as { __stallOutbox: boolean; __releaseOutbox: () => void };
          w.__stallOutbox = true;
          let version = 1;
          const stalled: IDBOpenDBRequest[] = [];
          w.__releaseOutbox = () => {
            w.__stallOutbox = false;
            // Each held open then upgrades, is aborted there and ends in an error event.
            for (const request of stalled) request.onupgradeneeded = () => request.transaction?.abort();
            open.result.close();
          };
          const getAll = IDBIndex.prototype.getAll;
          IDBIndex.prototype.getAll = function (this: IDBIndex, ...args: Parameters<IDBIndex['getAll']>) {
            if (w.__stallOutbox && this.objectStore.name === 'outbox' && this.name === 'by-conv-order') {
              const request = indexedDB.open(name, ++version);
              stalled.push(request);
              return request as unknown as IDBRequest<unknown[]>;
            }
            return getAll.apply(this, args);
          };
          held();
        };
      }),
  );
  return () =>
    page.evaluate(() => {
      (window as unknown as { __releaseOutbox: () => void }).__releaseOutbox();
    });
}

describe('one’s own message', () => {
  it('is shown Queued once its outbox write commits, before any re-read, then once, sent', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'echo-alice');
    const bob = await signUp(suite.ferry, 'echo-bob');
    const room = await sharedRoom(suite.ferry, alice, bob, 'Jetty');
    const page = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    await sendMessage(page, 'Before the stall');
    await eventually(() => ownMessageStatus(page, 'Jetty', 'Before the stall').textContent()).toMatch(SENT);

    // No read of the conversation can finish now (it reads its outbox entries too): the message
    // can only be on screen from the hand-over of its committed write.
    const release = await stallOutboxReads(page);
    await sendMessage(page, 'Shown as written');
    await eventually(() => ownMessageStatus(page, 'Jetty', 'Shown as written').textContent()).toMatch(
      /^Queued/,
    );

    await release();
    // The next read takes over: sent, on screen once, stored once by the server, in order.
    await sendMessage(page, 'After the stall');
    await eventually(() => ownMessageStatus(page, 'Jetty', 'Shown as written').textContent()).toMatch(SENT);
    await eventually(() => ownMessageStatus(page, 'Jetty', 'After the stall').textContent()).toMatch(SENT);
    const shown = (await messages(page, 'Jetty').allTextContents()).filter((t) =>
      t.includes('Shown as written'),
    );
    expect(shown).toHaveLength(1);
    const stored = (await serverMessages(suite.ferry, alice.cookie, room.id)).map((m) => m.text);
    expect(stored).toEqual(['Before the stall', 'Shown as written', 'After the stall']);
    await alice.context.close();
  });
});
