/**
 * Message search in real Chromium: the device's index finds English (with a typo) and Chinese
 * with the server down, a result opens its conversation at that message, the index is saved and
 * loaded again after a reload (not rebuilt) and follows new arrivals; a room the user is not in
 * never shows, and a room left leaves the results; messages another context stored are indexed
 * when it announces them; the filters; the elected-tab mode; online, the server finds a message
 * the device does not hold, and opening it loads the messages around it.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  axeViolations,
  conversationLink,
  eventually,
  ferrySuite,
  messageTexts,
  newUser,
  openConversation,
  openOnlineTab,
  removeSharedWorker,
  sendViaApi,
  sharedRoom,
  signUp,
  textOf,
  waitOffline,
  waitOnline,
} from './support/index';
import { readRecordScript } from './pwaSupport';

const suite = ferrySuite();

function searchRegion(page: Page) {
  return page.getByRole('search', { name: 'Search messages' });
}

async function search(page: Page, query: string): Promise<void> {
  await searchRegion(page).getByRole('searchbox', { name: 'Search messages' }).fill(query);
}

function results(page: Page) {
  return searchRegion(page).getByRole('list', { name: 'Search results' }).getByRole('link');
}

/** The texts of the results shown now, each as "conversation|text" (never waits). */
async function resultTexts(page: Page): Promise<string[]> {
  return results(page).evaluateAll((links) =>
    links.map(
      (a) =>
        `${a.querySelector('.search-hit-conv')?.textContent ?? ''}|${a.querySelector('.search-hit-text')?.textContent ?? ''}`,
    ),
  );
}

/** The highlighted parts of the results shown now. */
async function marks(page: Page): Promise<string[]> {
  return results(page).locator('mark').allTextContents();
}

/** The saved search index as IndexedDB holds it (null when none is saved). */
async function savedIndex(page: Page): Promise<{ builtAt: number; savedAt: number; json: string } | null> {
  const saved = await page.evaluate(readRecordScript, { store: 'search', key: 'messages' });
  return (saved as { builtAt: number; savedAt: number; json: string } | undefined) ?? null;
}

describe('message search', () => {
  it('finds English and Chinese offline, opens the message, survives a reload without a rebuild, and hides other rooms', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'search-alice');
    const bob = await signUp(suite.ferry, 'search-bob');
    const carol = await signUp(suite.ferry, 'search-carol');
    const room = await sharedRoom(suite.ferry, bob, alice, 'Harbour');
    await sendViaApi(suite.ferry, bob.cookie, room.id, 'The address is 12 Harbour Street');
    await sendViaApi(suite.ferry, bob.cookie, room.id, '我们明天在北京见面吧');
    for (let i = 1; i <= 30; i++) await sendViaApi(suite.ferry, bob.cookie, room.id, `filler ${i}`);
    // A room Alice is not in: none of it may ever reach her results.
    const secret = await sharedRoom(suite.ferry, bob, carol, 'Secret');
    await sendViaApi(suite.ferry, bob.cookie, secret.id, 'swordfish address in the secret room');

    const page = await openOnlineTab(alice.context, suite.ferry);
    await openConversation(page, 'Harbour');
    await eventually(async () => (await messageTexts(page, 'Harbour')).length).toBe(32);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    // The index is saved a moment after the messages arrived.
    await eventually(async () => (await savedIndex(page))?.json.includes('harbour') ?? false).toBe(true);
    const builtAt = (await savedIndex(page))!.builtAt;

    await suite.ferry.stop();
    await waitOffline(page);

    // English with a typo, and a prefix.
    await search(page, 'adress harb');
    await eventually(() => resultTexts(page)).toEqual([
      `Harbour|${bob.user.username}: The address is 12 Harbour Street`,
    ]);
    expect(await marks(page)).toEqual(['address', 'Harbour']);
    await expect
      .poll(() => textOf(searchRegion(page)))
      .toContain('Showing messages on this device only: the server cannot be reached.');

    // Another room's words find nothing, even offline from the device.
    await search(page, 'swordfish');
    await eventually(() => textOf(searchRegion(page))).toContain('No messages found.');
    expect(await resultTexts(page)).toEqual([]);

    // Chinese by word; choosing the result opens the conversation at it, highlighted, with focus.
    await search(page, '北京');
    await eventually(() => resultTexts(page)).toEqual([`Harbour|${bob.user.username}: 我们明天在北京见面吧`]);
    expect(await marks(page)).toEqual(['北京']);
    // The keyboard reaches the result from the field.
    await searchRegion(page).getByRole('searchbox').press('ArrowDown');
    await page.keyboard.press('Enter');
    const found = page.getByRole('log', { name: 'Harbour' }).locator('.log-row.found article');
    await eventually(() => textOf(found)).toContain('我们明天在北京见面吧');
    await eventually(() => found.evaluate((el) => el === document.activeElement)).toBe(true);
    // Scrolled to it: the message is inside the visible part of the log.
    await eventually(() =>
      found.evaluate((el) => {
        const scroller = el.closest('.log-scroll')!.getBoundingClientRect();
        const box = el.getBoundingClientRect();
        return box.top >= scroller.top && box.bottom <= scroller.bottom;
      }),
    ).toBe(true);

    // A reload (server still down) loads the saved index: found at once, and not rebuilt.
    await page.reload();
    await conversationLink(page, 'Harbour').waitFor();
    await search(page, 'street');
    await eventually(() => resultTexts(page)).toEqual([
      `Harbour|${bob.user.username}: The address is 12 Harbour Street`,
    ]);
    expect((await savedIndex(page))!.builtAt).toBe(builtAt);

    // Back online: a new message is indexed as it arrives, and saved into the same index.
    await suite.ferry.restart();
    await waitOnline(page, 60_000);
    const before = (await savedIndex(page))!.savedAt;
    await sendViaApi(suite.ferry, bob.cookie, room.id, 'Ferry leaves from the harbour at noon');
    await search(page, 'noon');
    await eventually(() => resultTexts(page)).toEqual([
      `Harbour|${bob.user.username}: Ferry leaves from the harbour at noon`,
    ]);
    await eventually(async () => (await savedIndex(page))!.savedAt).toBeGreaterThan(before);
    const saved = (await savedIndex(page))!;
    expect(saved.builtAt).toBe(builtAt);
    expect(saved.json).toContain('noon');
    expect(saved.json).not.toContain('swordfish');

    // Online, the server is asked too: still nothing from the room she is not in.
    await search(page, 'swordfish');
    await eventually(() => textOf(searchRegion(page))).toContain('No messages found.');
    expect(await textOf(searchRegion(page))).not.toContain('Searching the server');
    expect(await resultTexts(page)).toEqual([]);

    // Leaving the room takes its messages off the device, and out of the results.
    await search(page, 'harbour');
    await eventually(async () => (await resultTexts(page)).length).toBe(2);
    await openConversation(page, 'Harbour');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Leave' }).click();
    await eventually(() => conversationLink(page, 'Harbour').count()).toBe(0);
    await search(page, 'street');
    await eventually(() => textOf(searchRegion(page))).toContain('No messages found.');
    await eventually(async () => (await savedIndex(page))!.json).not.toContain('noon');
    await alice.context.close();
  });

  it('indexes messages another context stored and announced (the Service Worker replay path)', async () => {
    const frank = await newUser(suite.browser, suite.ferry, 'search-frank');
    const gina = await signUp(suite.ferry, 'search-gina');
    const room = await sharedRoom(suite.ferry, gina, frank, 'Quay');
    await sendViaApi(suite.ferry, gina.cookie, room.id, 'first');
    const page = await openOnlineTab(frank.context, suite.ferry);
    await openConversation(page, 'Quay');
    await eventually(() => messageTexts(page, 'Quay')).toEqual(['first']);

    // Written straight into IndexedDB, as the Service Worker's replay does, then announced.
    await page.evaluate(
      ({ conversationId, senderId }) =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('ferry');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            const tx = db.transaction('messages', 'readwrite');
            tx.objectStore('messages').put({
              id: crypto.randomUUID(),
              conversationId,
              seq: 99,
              senderId,
              senderName: 'search-frank',
              text: 'replayed while every tab was closed',
              typedAt: 1,
              createdAt: Date.now(),
            });
            tx.oncomplete = () => {
              db.close();
              const channel = new BroadcastChannel('ferry-changes');
              channel.postMessage({ stores: ['messages'], conversationIds: [conversationId] });
              channel.close();
              resolve();
            };
            tx.onerror = () => reject(tx.error);
          };
        }),
      { conversationId: room.id, senderId: frank.user.id },
    );
    await search(page, 'replayed');
    await eventually(async () => {
      await search(page, 'replaye');
      await search(page, 'replayed');
      return resultTexts(page);
    }).toEqual(['Quay|You: replayed while every tab was closed']);

    // The filters: this conversation only, and one sender.
    const pier = await sharedRoom(suite.ferry, gina, frank, 'Pier');
    await sendViaApi(suite.ferry, gina.cookie, pier.id, 'first light at the pier');
    await search(page, 'first');
    await eventually(async () => (await resultTexts(page)).sort()).toEqual([
      'Pier|search-gina: first light at the pier',
      'Quay|search-gina: first',
    ]);
    const region = searchRegion(page);
    await region.getByRole('checkbox', { name: 'In this conversation' }).check();
    await eventually(() => resultTexts(page)).toEqual(['Quay|search-gina: first']);
    await region.getByRole('checkbox', { name: 'In this conversation' }).uncheck();
    await region.getByRole('combobox', { name: 'From' }).selectOption({ label: 'search-frank (You)' });
    await eventually(() => textOf(region)).toContain('No messages found.');
    await region.getByRole('combobox', { name: 'From' }).selectOption({ label: 'search-gina' });
    await eventually(async () => (await resultTexts(page)).length).toBe(2);
    await frank.context.close();
  });

  it('finds Japanese by word in every tab where one tab hosts the hub (no SharedWorker)', async () => {
    const hana = await newUser(suite.browser, suite.ferry, 'search-hana');
    await removeSharedWorker(hana.context);
    const ivan = await signUp(suite.ferry, 'search-ivan');
    const room = await sharedRoom(suite.ferry, ivan, hana, 'Tokyo');
    await sendViaApi(suite.ferry, ivan.cookie, room.id, '東京タワーに行きました');
    const [first, second] = [
      await openOnlineTab(hana.context, suite.ferry),
      await openOnlineTab(hana.context, suite.ferry),
    ];
    expect(await first.evaluate(() => typeof SharedWorker)).toBe('undefined');
    for (const page of [first, second]) {
      await search(page, '東京タワー');
      await eventually(() => resultTexts(page)).toEqual(['Tokyo|search-ivan: 東京タワーに行きました']);
      expect(await marks(page)).toEqual(['東京タワー']);
    }
    // The elected tab keeps and saves the index as the SharedWorker would.
    await eventually(async () => (await savedIndex(first))?.json.includes('東京タワー') ?? false).toBe(true);
    await hana.context.close();
  });

  it('shows server results for messages not on the device and opens them with the page around them', async () => {
    // bypassCSP: the axe audit below injects its script.
    const dave = await newUser(suite.browser, suite.ferry, 'search-dave', { bypassCSP: true });
    const erin = await signUp(suite.ferry, 'search-erin');
    const room = await sharedRoom(suite.ferry, erin, dave, 'Archive');
    await sendViaApi(suite.ferry, erin.cookie, room.id, 'The old lighthouse keeper retired');
    // More than the newest page a new device loads: the first message stays on the server.
    for (let i = 1; i <= 130; i++) await sendViaApi(suite.ferry, erin.cookie, room.id, `later ${i}`);

    const page = await openOnlineTab(dave.context, suite.ferry);
    await openConversation(page, 'Archive');
    await eventually(async () => (await messageTexts(page, 'Archive')).at(-1)).toBe('later 130');
    expect(await messageTexts(page, 'Archive')).not.toContain('The old lighthouse keeper retired');

    await search(page, 'lighthouse');
    await eventually(() => resultTexts(page)).toEqual([
      'Archive|search-erin: The old lighthouse keeper retired',
    ]);
    expect(await marks(page)).toEqual(['lighthouse']);
    expect(await textOf(searchRegion(page))).not.toContain('this device only');
    expect(await axeViolations(page)).toEqual([]);

    await results(page).first().click();
    const found = page.getByRole('log', { name: 'Archive' }).locator('.log-row.found article');
    await eventually(() => textOf(found)).toContain('The old lighthouse keeper retired');
    // The messages after it came with it.
    expect(await messageTexts(page, 'Archive')).toContain('later 1');
    await dave.context.close();
  });
});
