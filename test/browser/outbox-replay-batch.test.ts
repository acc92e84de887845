/**
 * A large outbox replayed after the server comes back: acks are written to IndexedDB in batches
 * while later entries are already being sent, the Service Worker's HTTP replay hands over to the
 * hub's socket, and the tab may die mid-way. Whatever the interleaving, every message must reach
 * the server exactly once, each conversation in the order typed, and leave the outbox.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Message } from '../../contract/index';
import { ferrySuite, newUser, openTab, sharedRoom, serverMessages, waitOnline } from './support/index';
import { waitForServiceWorkerControl } from './pwaSupport';
import { storedMessages, storedOutbox } from './runtimeHelpers';

const suite = ferrySuite();
beforeEach(async () => {
  if (!suite.ferry.running) await suite.ferry.restart();
});

const PER_ROOM = 150;

interface Typed {
  id: string;
  conversationId: string;
  text: string;
}

/**
 * Writes queued entries straight into the outbox in one transaction (as outbox/store.ts would,
 * with increasing order): typing hundreds of messages in the composer would test the keyboard.
 */
function writeOutbox(page: Page, senderId: string, typed: Typed[]): Promise<void> {
  return page.evaluate(
    async ({ senderId, typed }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open('ferry');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const t0 = Date.now();
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction('outbox', 'readwrite');
        typed.forEach((e, i) =>
          tx.objectStore('outbox').add({
            ...e,
            senderId,
            typedAt: t0 + i,
            order: (t0 + i) * 1000,
            state: 'queued',
            attempts: 0,
            nextAttemptAt: 0,
          }),
        );
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { senderId, typed },
  );
}

/** Asserts the server holds exactly `texts`, once each, in this order, with no gap in seq. */
function expectExactlyOnceInOrder(messages: Message[], texts: string[]): void {
  expect(messages.map((m) => m.text)).toEqual(texts);
  expect(messages.map((m) => m.seq)).toEqual(texts.map((_, i) => i + 1));
  expect(new Set(messages.map((m) => m.id)).size).toBe(texts.length);
}

describe('replaying a large outbox', () => {
  it('delivers every message once and in typing order when the tab dies mid-replay and comes back', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'rhea');
    const bob = await newUser(suite.browser, suite.ferry, 'remo');
    const east = await sharedRoom(suite.ferry, alice, bob, 'East quay');
    const west = await sharedRoom(suite.ferry, alice, bob, 'West quay');

    let tab = await openTab(alice.context, suite.ferry);
    await waitOnline(tab);
    await waitForServiceWorkerControl(tab);
    await alice.context.setOffline(true);
    await suite.ferry.kill();

    // Interleaved between two rooms, so acked batches span both conversations.
    const typed: Typed[] = [];
    for (let i = 1; i <= PER_ROOM; i++)
      for (const room of [east, west])
        typed.push({ id: crypto.randomUUID(), conversationId: room.id, text: `q${i} to ${room.id}` });
    await writeOutbox(tab, alice.user.id, typed);

    await suite.ferry.restart();
    await alice.context.setOffline(false);
    await tab.reload();

    // Some acks have landed locally: kill the tab in the middle of the replay (acks in flight or
    // not yet written are resent by the next drain, and the server returns the originals).
    await expect
      .poll(async () => (await storedOutbox(tab)).length, { timeout: 60_000 })
      .toBeLessThan(typed.length);
    await tab.close({ runBeforeUnload: false });

    tab = await openTab(alice.context, suite.ferry);
    await expect.poll(async () => (await storedOutbox(tab)).length, { timeout: 120_000 }).toBe(0);

    for (const room of [east, west]) {
      const texts = typed.filter((e) => e.conversationId === room.id).map((e) => e.text);
      const onServer = await serverMessages(suite.ferry, bob.cookie, room.id);
      expectExactlyOnceInOrder(onServer, texts);
      // What the device stored matches the server: same ids at the same seqs, nothing left queued.
      await expect
        .poll(async () => (await storedMessages(tab, room.id)).map((m) => `${m.seq}:${m.id}`), {
          timeout: 30_000,
        })
        .toEqual(onServer.map((m) => `${m.seq}:${m.id}`));
    }
    await alice.context.close();
    await bob.context.close();
  });
});
