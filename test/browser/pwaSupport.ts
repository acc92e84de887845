/**
 * Helpers for the PWA and outbox browser tests (pwa*.test.ts, outbox*.test.ts): private builds of
 * the page, persistent Chromium profiles, the Service Worker's state, and the raw IndexedDB outbox.
 * The shared harness (./support) provides the server, browsers and users.
 */
import { execFile } from 'node:child_process';
import { rename, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import type { OutboxEntry } from '../../localdb/index';
import { CHROMIUM_ARGS, CHROMIUM_PATH, type Ferry } from './support/index';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Builds the page (with its SharedWorker and Service Worker) into `outDir`, with `buildId` as
 * VITE_FERRY_BUILD: two builds with different ids are two deployable versions.
 */
export async function buildWeb(outDir: string, buildId: string): Promise<void> {
  await promisify(execFile)(
    process.execPath,
    [
      join(REPO, 'node_modules/vite/bin/vite.js'),
      'build',
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'error',
    ],
    {
      cwd: REPO,
      // Vitest sets NODE_ENV=test, which would make Vite build a development bundle.
      env: { ...process.env, NODE_ENV: 'production', VITE_FERRY_BUILD: buildId },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
}

/** Points the symlink `link` at `target`, atomically (the server resolves WEB_ROOT per request). */
export async function pointLink(link: string, target: string): Promise<void> {
  const temp = join(dirname(link), `.next-${process.pid}-${Date.now()}`);
  await symlink(target, temp, 'dir');
  await rename(temp, link);
}

/**
 * Debian Chromium with a persistent profile in `userDataDir`: Chromium's installability check
 * only passes outside incognito, and every `newContext()` is incognito.
 */
export function launchPersistent(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    locale: 'en-US',
  });
}

/**
 * Waits until the page is controlled by an activated Service Worker. Installing precaches the
 * shell: on a loaded 2-core CI machine that once took over 15 s, hence the wide default.
 */
export async function waitForServiceWorkerControl(page: Page, timeout = 40_000): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout });
}

/** Background Sync tags registered with the page's Service Worker (empty where unsupported). */
export function syncTags(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const registration = (await navigator.serviceWorker.ready) as ServiceWorkerRegistration & {
      sync?: { getTags(): Promise<string[]> };
    };
    return registration.sync ? registration.sync.getTags() : [];
  });
}

/**
 * Writes an entry straight into the page's IndexedDB outbox, after every other entry in typing
 * order, and announces the change as the outbox module does (so every tab shows it at once). This
 * reaches states the UI refuses to create, such as text over the length limit.
 */
export async function putOutboxEntry(
  page: Page,
  entry: Pick<OutboxEntry, 'conversationId' | 'text' | 'senderId'>,
): Promise<OutboxEntry> {
  return page.evaluate(async (input) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('ferry');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const tx = db.transaction('outbox', 'readwrite');
    const store = tx.objectStore('outbox');
    const last = await new Promise<IDBCursorWithValue | null>((resolve, reject) => {
      const req = store.index('by-order').openCursor(null, 'prev');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const typedAt = Date.now();
    const stored = {
      ...input,
      id: crypto.randomUUID(),
      typedAt,
      order: Math.max(typedAt * 1000, last ? (last.value as { order: number }).order + 1 : 0),
      state: 'queued' as const,
      attempts: 0,
      nextAttemptAt: 0,
    };
    store.add(stored);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    db.close();
    const channel = new BroadcastChannel('ferry-changes');
    channel.postMessage({ stores: ['outbox'], conversationIds: [input.conversationId] });
    channel.close();
    return stored;
  }, entry);
}

/**
 * One record of Ferry's IndexedDB (`store`, `key`; undefined when absent), read with the raw API
 * in a page or a worker: what the app stored, seen without the app's code.
 */
export function readRecordScript({ store, key }: { store: string; key: string }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('ferry');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const req = db.transaction(store).objectStore(store).get(key);
      req.onsuccess = () => {
        db.close();
        resolve(req.result);
      };
      req.onerror = () => reject(req.error);
    };
  });
}

/** Every entry of the outbox, read with the raw IndexedDB API in a page or a worker. */
export function readOutboxScript(): Promise<OutboxEntry[]> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('ferry');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const req = db.transaction('outbox').objectStore('outbox').getAll();
      req.onsuccess = () => {
        db.close();
        resolve(req.result as OutboxEntry[]);
      };
      req.onerror = () => reject(req.error);
    };
  });
}

interface WorkerRegistration {
  registrationId: string;
  scopeURL: string;
  isDeleted: boolean;
}

/**
 * A DevTools session that can fire Background Sync events at the app's Service Worker while no
 * tab of the app is open (it lives in an about:blank tab of the same profile, which is not one of
 * the worker's clients). See /work/shared/notes/pwa-testing.md.
 */
export class SyncDispatcher {
  private constructor(
    private readonly cdp: CDPSession,
    readonly registrationId: string,
    private readonly origin: string,
  ) {}

  /** Opens the session and finds the registration whose scope is `${ferry.url}/`. */
  static async open(context: BrowserContext, ferry: Ferry): Promise<SyncDispatcher> {
    const blank = await context.newPage();
    const cdp = await context.newCDPSession(blank);
    const scope = `${ferry.url}/`;
    const found = new Promise<string>((resolve) => {
      cdp.on(
        'ServiceWorker.workerRegistrationUpdated',
        ({ registrations }: { registrations: WorkerRegistration[] }) => {
          const match = registrations.find((r) => r.scopeURL === scope && !r.isDeleted);
          if (match) resolve(match.registrationId);
        },
      );
    });
    await cdp.send('ServiceWorker.enable');
    const registrationId = await Promise.race([
      found,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`No Service Worker registration for ${scope}`)), 15_000),
      ),
    ]);
    return new SyncDispatcher(cdp, registrationId, ferry.url);
  }

  /**
   * Delivers a push message with `data` as its plaintext payload, as the browser does after the
   * push service handed it over and it was decrypted (CDP ServiceWorker.deliverPushMessage).
   */
  async deliverPush(data: string): Promise<void> {
    await this.cdp.send('ServiceWorker.deliverPushMessage', {
      origin: this.origin,
      registrationId: this.registrationId,
      data,
    });
  }

  /** Fires a `sync` event with `tag`, as the browser does when it decides to sync. */
  async dispatch(tag: string): Promise<void> {
    await this.cdp.send('ServiceWorker.dispatchSyncEvent', {
      origin: this.origin,
      registrationId: this.registrationId,
      tag,
      lastChance: false,
    });
  }
}
