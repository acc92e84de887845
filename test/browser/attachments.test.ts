/**
 * Attachments through the UI against the real server: a photo queued offline and the text typed
 * after it reach the server from the Service Worker with every tab closed, once each, photo first;
 * an online send shows its upload's progress and the other member sees the image (alt = caption)
 * or a file link named by its name and size; "Cancel upload" leaves nothing on the server; a full
 * quota is said at once while text still queues; the storage panel tells persistence and usage;
 * a thumbnail seen once shows offline after a reload.
 */
import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../contract/index';
import {
  addSessionCookie,
  eventually,
  newContext,
  signUp,
  ferrySuite,
  messageLog,
  newUser,
  openOnlineTab,
  serverMessages,
  sharedRoom,
  shownLog,
  socketCount,
  UI_TIMEOUT,
  waitOffline,
} from './support/index';
import { readOutboxScript, SyncDispatcher, waitForServiceWorkerControl } from './pwaSupport';

// Below the contract's default, so the page can only know it from the server; above every file
// the other tests send.
const SERVER_MAX_MB = 4;
const suite = ferrySuite({ env: { ATTACHMENT_MAX_MB: String(SERVER_MAX_MB) } });
// A test that stopped the server and failed before restarting it must not fail the next ones.
afterEach(async () => {
  if (!suite.ferry.running) await suite.ferry.restart();
});

interface TestFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** A real PNG of `width` × `height` pixels: noise (incompressible, so its size is ~3 bytes a pixel) or grey. */
function png(name: string, width: number, height: number, noise = false): TestFile {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = 1 + width * 3;
  const raw = noise ? randomBytes(row * height) : Buffer.alloc(row * height, 0x80);
  for (let y = 0; y < height; y++) raw[y * row] = 0; // filter: none
  const buffer = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: noise ? 0 : 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return { name, mimeType: 'image/png', buffer };
}

/** A PDF-looking file of exactly `size` bytes. */
function pdf(name: string, size: number): TestFile {
  const buffer = Buffer.alloc(size, 0x20);
  buffer.write('%PDF-1.4\n', 0, 'latin1');
  buffer.write('\n%%EOF\n', size - 7, 'latin1');
  return { name, mimeType: 'application/pdf', buffer };
}

/** Picks `file` with the file picker that "Attach" opens. */
async function pickFile(page: Page, file: TestFile): Promise<void> {
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByRole('button', { name: 'Attach' }).click(),
  ]);
  await chooser.setFiles(file);
}

/** Picks `file` and waits for the composer to hold it. */
async function attach(page: Page, file: TestFile): Promise<void> {
  await pickFile(page, file);
  await page.getByRole('button', { name: 'Remove attachment' }).waitFor();
}

async function typeAndSend(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

/** The stored attachments (queued files) of the page's IndexedDB, by id. */
function queuedFileIds(page: Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('ferry');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const req = db.transaction('attachments').objectStore('attachments').getAllKeys();
          req.onsuccess = () => {
            db.close();
            resolve(req.result as string[]);
          };
          req.onerror = () => reject(req.error);
        };
      }),
  );
}

/** What the server's log holds, compactly: a file by its name, a text by its text. */
function describeLog(log: Message[]): string[] {
  return log.map((m) => (m.attachment ? `file ${m.attachment.name} "${m.text}"` : `text "${m.text}"`));
}

describe('attachments', () => {
  it('a photo queued offline and the text typed after it reach the server from the Service Worker, once each, photo first', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'att-sw-alice', {
      permissions: ['background-sync'],
    });
    const bob = await newUser(suite.browser, suite.ferry, 'att-sw-bob');
    const room = await sharedRoom(suite.ferry, alice, bob, 'Photos offline');
    const page = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    // Online comes before the hub has stored the conversation: wait for it before the server goes.
    await shownLog(page, 'Photos offline');
    await waitForServiceWorkerControl(page);
    const dispatcher = await SyncDispatcher.open(alice.context, suite.ferry);

    await suite.ferry.kill();
    await waitOffline(page);
    await attach(page, png('harbour.png', 64, 48));
    await page.getByRole('button', { name: 'Send' }).click();
    await typeAndSend(page, 'Typed after the photo');
    const log = messageLog(page, 'Photos offline');
    // Shown at once from this device's copy, queued.
    await log.getByRole('img', { name: 'harbour.png' }).waitFor();
    await expect.poll(() => log.getByText('Queued on this device').count(), { timeout: UI_TIMEOUT }).toBe(2);
    const outbox = await page.evaluate(readOutboxScript);
    expect(outbox.map((e) => e.attachment?.name ?? e.text).sort()).toEqual([
      'Typed after the photo',
      'harbour.png',
    ]);
    expect(await queuedFileIds(page)).toEqual([outbox.find((e) => e.attachment)!.attachment!.id]);

    // Every tab closes: only the Service Worker is left to upload and send.
    await page.close();
    await suite.ferry.restart();
    expect(await socketCount(suite.ferry, alice.user.id)).toBe(0);
    await dispatcher.dispatch('ferry-outbox');

    await eventually(async () => describeLog(await serverMessages(suite.ferry, bob.cookie, room.id))).toEqual(
      ['file harbour.png ""', 'text "Typed after the photo"'],
    );
    const stored = await serverMessages(suite.ferry, bob.cookie, room.id);
    expect(stored[0]!.seq).toBeLessThan(stored[1]!.seq);
    expect(stored[0]!.attachment).toMatchObject({ name: 'harbour.png', inline: true, width: 64, height: 48 });
    const worker = alice.context.serviceWorkers().find((w) => w.url() === `${suite.ferry.url}/sw.js`);
    await eventually(() => worker!.evaluate(readOutboxScript)).toEqual([]);
    await alice.context.close();
    await bob.context.close();
  });

  it('an online send shows its progress; the other member sees the image with the caption as alt, and a file as a link with its name and size', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'att-on-alice');
    const bob = await newUser(suite.browser, suite.ferry, 'att-on-bob');
    const room = await sharedRoom(suite.ferry, alice, bob, 'Photos online');
    const page = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    const bobPage = await openOnlineTab(bob.context, suite.ferry, `/c/${room.id}`);
    await messageLog(page, 'Photos online').waitFor();
    // A second tab of Alice's: the upload's progress shows in every tab.
    const otherTab = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    await messageLog(otherTab, 'Photos online').waitFor();
    await page.bringToFront();
    // Every progressbar each tab shows, however briefly: name and value.
    for (const tab of [page, otherTab])
      await tab.evaluate(() => {
        const seen: string[] = [];
        (window as { __progress?: string[] }).__progress = seen;
        new MutationObserver(() => {
          for (const bar of document.querySelectorAll('[role="progressbar"]'))
            seen.push(`${bar.getAttribute('aria-label')} ${bar.getAttribute('aria-valuenow')}`);
        }).observe(document.body, { subtree: true, childList: true, attributes: true });
      });

    // About 3 MB: three chunks of the resumable upload.
    await attach(page, png('pier.png', 1000, 1000, true));
    await typeAndSend(page, 'Sunset at the pier');
    const image = messageLog(bobPage, 'Photos online').getByRole('img', { name: 'Sunset at the pier' });
    await image.waitFor();
    expect(Number(await image.getAttribute('width'))).toBeGreaterThan(0);
    expect(Number(await image.getAttribute('height'))).toBeGreaterThan(0);
    await eventually(() =>
      image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0),
    ).toBe(true);
    for (const tab of [page, otherTab]) {
      const progress = await tab.evaluate(() => (window as { __progress?: string[] }).__progress ?? []);
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.every((p) => p.startsWith('pier.png '))).toBe(true);
    }

    const report = pdf('report.pdf', Math.round(1.2 * 1024 * 1024));
    await attach(page, report);
    await page.getByRole('button', { name: 'Send' }).click();
    await messageLog(bobPage, 'Photos online').getByRole('link', { name: 'report.pdf, 1.2 MB' }).waitFor();
    expect(describeLog(await serverMessages(suite.ferry, bob.cookie, room.id))).toEqual([
      'file pier.png "Sunset at the pier"',
      'file report.pdf ""',
    ]);
    await alice.context.close();
    await bob.context.close();
  });

  it('"Cancel upload" removes the file and its message: nothing reaches the server', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'att-cancel');
    const bob = await newUser(suite.browser, suite.ferry, 'att-cancel-bob');
    const room = await sharedRoom(suite.ferry, alice, bob, 'Cancelled');
    const page = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    await shownLog(page, 'Cancelled');
    // Offline, the attachment code comes from the precache: the Service Worker must have it.
    await waitForServiceWorkerControl(page);
    await suite.ferry.kill();
    await waitOffline(page);
    await attach(page, png('mistake.png', 32, 32));
    await typeAndSend(page, 'Wrong photo');
    const log = messageLog(page, 'Cancelled');
    await log.getByRole('progressbar', { name: 'mistake.png' }).waitFor();
    await log.getByRole('button', { name: 'Cancel upload' }).click();
    await log.getByRole('img', { name: 'Wrong photo' }).waitFor({ state: 'detached' });
    expect(await page.evaluate(readOutboxScript)).toEqual([]);
    expect(await queuedFileIds(page)).toEqual([]);

    await suite.ferry.restart();
    await typeAndSend(page, 'Sent after the cancel');
    await eventually(async () => describeLog(await serverMessages(suite.ferry, bob.cookie, room.id))).toEqual(
      ['text "Sent after the cancel"'],
    );
    await alice.context.close();
    await bob.context.close();
  });

  it('a full storage quota is said at once and nothing is queued; text typed after still queues', async () => {
    const alice = await signUp(suite.ferry, `att-quota-${Date.now() % 100000}`);
    const bob = await signUp(suite.ferry, `att-quotb-${Date.now() % 100000}`);
    const room = await sharedRoom(suite.ferry, alice, bob, 'Quota');
    const context = await newContext(suite.browser);
    await addSessionCookie(context, suite.ferry, alice.cookie);
    // Chromium applies a quota override only to an origin that has stored nothing yet: set it
    // before the app first runs. Enough for the app shell and text, not for the file.
    const quota = 2_000_000;
    const blank = await context.newPage();
    const cdp = await context.newCDPSession(blank);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: suite.ferry.url, quotaSize: quota });
    // Headless Chromium's estimate() ignores the override (it reports its own fixed quota): make it
    // report the quota the override enforces, as a real full disk would.
    await context.addInitScript((overridden) => {
      const real = navigator.storage.estimate.bind(navigator.storage);
      navigator.storage.estimate = async () => ({ ...(await real()), quota: overridden });
    }, quota);
    const page = await openOnlineTab(context, suite.ferry, `/c/${room.id}`);
    await messageLog(page, 'Quota').waitFor();

    await attach(page, pdf('big.pdf', 3 * 1024 * 1024));
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('alert').filter({ hasText: 'storage is full' }).waitFor();
    expect(await page.evaluate(readOutboxScript)).toEqual([]);
    expect(await queuedFileIds(page)).toEqual([]);

    await page.getByRole('button', { name: 'Remove attachment' }).click();
    await typeAndSend(page, 'Text still goes');
    await eventually(async () => describeLog(await serverMessages(suite.ferry, bob.cookie, room.id))).toEqual(
      ['text "Text still goes"'],
    );
    await context.close();
  });

  it("a file over the server's configured limit is refused at once, naming that limit, and never queued", async () => {
    const alice = await signUp(suite.ferry, `att-limit-${Date.now() % 100000}`);
    const bob = await signUp(suite.ferry, `att-limib-${Date.now() % 100000}`);
    const room = await sharedRoom(suite.ferry, alice, bob, 'Limit');
    const context = await newContext(suite.browser);
    await addSessionCookie(context, suite.ferry, alice.cookie);
    const page = await openOnlineTab(context, suite.ferry, `/c/${room.id}`);
    await messageLog(page, 'Limit').waitFor();
    // The page asks the server for its limits as it starts; wait for the answer to be kept.
    await page.waitForFunction(() => localStorage.getItem('ferry.serverLimits') !== null);

    await pickFile(page, pdf('huge.pdf', (SERVER_MAX_MB + 1) * 1024 * 1024));
    await page
      .getByRole('alert')
      .filter({ hasText: `at most ${SERVER_MAX_MB} MB` })
      .waitFor();
    expect(await page.getByRole('button', { name: 'Remove attachment' }).count()).toBe(0);
    expect(await page.evaluate(readOutboxScript)).toEqual([]);
    expect(await queuedFileIds(page)).toEqual([]);

    // The limit is remembered: offline after a reload, it still holds.
    await waitForServiceWorkerControl(page);
    await context.setOffline(true);
    await page.reload();
    await messageLog(page, 'Limit').waitFor();
    await pickFile(page, pdf('huge-again.pdf', (SERVER_MAX_MB + 1) * 1024 * 1024));
    await page
      .getByRole('alert')
      .filter({ hasText: `at most ${SERVER_MAX_MB} MB` })
      .waitFor();
    expect(await page.evaluate(readOutboxScript)).toEqual([]);
    await context.close();
  });

  it('the storage panel shows whether storage is persistent, and its usage', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'att-storage');
    const page = await openOnlineTab(alice.context, suite.ferry, '/');
    await page.getByRole('button', { name: 'Storage' }).click();
    const panel = page.getByRole('dialog', { name: 'Storage on this device' });
    await panel.waitFor();
    const persisted = await page.evaluate(() => navigator.storage.persisted());
    const values = panel.locator('dd');
    await eventually(() => values.nth(0).textContent()).toBe(persisted ? 'Yes' : 'No');
    await eventually(() => values.nth(1).textContent()).toMatch(/^\d[\d.,]* (B|KB|MB|GB)$/);
    await eventually(() => values.nth(2).textContent()).toMatch(/^\d[\d.,]* (B|KB|MB|GB|TB)$/);
    await alice.context.close();
  });

  it('an image seen once shows its thumbnail offline after a reload', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'att-view-alice');
    const bob = await newUser(suite.browser, suite.ferry, 'att-view-bob');
    const room = await sharedRoom(suite.ferry, alice, bob, 'Seen once');
    const alicePage = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    await attach(alicePage, png('lighthouse.png', 400, 300));
    await typeAndSend(alicePage, 'The lighthouse');
    await eventually(async () => describeLog(await serverMessages(suite.ferry, bob.cookie, room.id))).toEqual(
      ['file lighthouse.png "The lighthouse"'],
    );

    const page = await openOnlineTab(bob.context, suite.ferry, '/');
    await waitForServiceWorkerControl(page);
    await page.goto(`${suite.ferry.url}/c/${room.id}`);
    const image = messageLog(page, 'Seen once').getByRole('img', { name: 'The lighthouse' });
    const loaded = () => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0);
    await eventually(loaded).toBe(true);
    await eventually(() =>
      page.evaluate(async () => (await (await caches.open('ferry-attachments')).keys()).map((r) => r.url)),
    ).toEqual([expect.stringContaining('thumbnail=1')]);

    await bob.context.setOffline(true);
    await page.reload();
    await image.waitFor();
    await eventually(loaded).toBe(true);
    await alice.context.close();
    await bob.context.close();
  });
});
