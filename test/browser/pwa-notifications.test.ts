/**
 * Clicking a message notification (sw/notifications.ts): the Service Worker closes it and shows
 * the message's conversation in an open Ferry tab (routed in place when the tab runs the app,
 * loaded when it does not), or opens a window when none is open; it follows same-origin URLs only.
 *
 * Headless Chromium cannot click a notification, and DevTools has no command that does: the test
 * shows a real notification from the worker, reads it back with getNotifications(), and dispatches
 * a synthetic `notificationclick` with it. Such an event carries no user activation, so Chromium
 * refuses its focus() and openWindow() ("Not allowed to focus a window", "... to open a window");
 * where a new window is the answer, the test checks the worker asked for the right one.
 */
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page, Worker } from 'playwright-core';
import {
  createRoomViaApi,
  ferrySuite,
  newUser,
  openTab,
  shownLog,
  UI_TIMEOUT,
  type BrowserUser,
} from './support/index';
import { waitForServiceWorkerControl } from './pwaSupport';

const suite = ferrySuite();

// Service Worker globals used in worker.evaluate(): test/ type-checks with the DOM lib, not WebWorker.
interface WorkerClients {
  matchAll(options: { type: 'window' }): Promise<unknown[]>;
  openWindow(url: string | URL): Promise<unknown>;
}
interface WorkerScope {
  registration: ServiceWorkerRegistration;
  clients: WorkerClients;
  dispatchEvent(event: Event): boolean;
}
declare const Clients: { prototype: WorkerClients };
declare const NotificationEvent: new (type: string, init: { notification: Notification }) => Event;

interface ClickResult {
  /** Notifications still shown once the worker finished handling the click. */
  left: number;
  /** URLs the worker asked clients.openWindow() to open. */
  opened: string[];
}

/**
 * In the worker: shows a notification as web/ui/notifications.ts does (data.url), clicks it with a
 * synthetic `notificationclick` and waits for the promise the handler passed to waitUntil().
 */
function clickNotification(worker: Worker, url: string): Promise<ClickResult> {
  return worker.evaluate(async (url) => {
    const scope = self as unknown as WorkerScope;
    const opened: string[] = [];
    const openWindow = Clients.prototype.openWindow;
    Clients.prototype.openWindow = function (this: WorkerClients, target: string | URL) {
      opened.push(String(target));
      return openWindow.call(this, target);
    };
    try {
      await scope.registration.showNotification('bob in Pier', { body: 'Ahoy', tag: url, data: { url } });
      const [notification] = await scope.registration.getNotifications({ tag: url });
      if (!notification) throw new Error('The notification was not shown.');
      const event = new NotificationEvent('notificationclick', { notification });
      // A synthetic event has no waitUntil of its own (it throws): catch what the handler waits on.
      let handled: Promise<unknown> = Promise.reject(new Error('The handler did not call waitUntil.'));
      Object.defineProperty(event, 'waitUntil', { value: (p: Promise<unknown>) => (handled = p) });
      scope.dispatchEvent(event);
      await handled;
      return { left: (await scope.registration.getNotifications()).length, opened };
    } finally {
      Clients.prototype.openWindow = openWindow;
    }
  }, url);
}

/** The app's Service Worker, once it controls `page`. */
async function appWorker(context: BrowserContext, page: Page): Promise<Worker> {
  await waitForServiceWorkerControl(page);
  const url = `${suite.ferry.url}/sw.js`;
  return (
    context.serviceWorkers().find((w) => w.url() === url) ??
    context.waitForEvent('serviceworker', { predicate: (w) => w.url() === url })
  );
}

/** A signed-in user allowed to get notifications, with a room "Pier" of their own. */
async function userWithRoom(name: string): Promise<{ user: BrowserUser; roomPath: string }> {
  const user = await newUser(suite.browser, suite.ferry, name);
  await user.context.grantPermissions(['notifications'], { origin: suite.ferry.url });
  const room = await createRoomViaApi(suite.ferry, user.cookie, 'Pier');
  return { user, roomPath: `/c/${room.id}` };
}

describe('clicking a message notification', () => {
  it('closes it and routes the open Ferry tab to the conversation in place, without a reload', async () => {
    const { user, roomPath } = await userWithRoom('click-alice');
    const page = await openTab(user.context, suite.ferry, '/');
    const worker = await appWorker(user.context, page);
    // Survives only if the tab is never reloaded.
    await page.evaluate(() => Object.assign(window, { ferryTestMarker: 'still here' }));

    expect(await clickNotification(worker, roomPath)).toEqual({ left: 0, opened: [] });
    await page.waitForURL(suite.ferry.url + roomPath, { timeout: UI_TIMEOUT });
    await shownLog(page, 'Pier');
    expect(await page.evaluate(() => (window as { ferryTestMarker?: string }).ferryTestMarker)).toBe(
      'still here',
    );
    expect(user.context.pages()).toHaveLength(1);
    await user.context.close();
  });

  it('loads the conversation in a tab that does not answer, such as one showing a file', async () => {
    const { user, roomPath } = await userWithRoom('load-alice');
    const app = await openTab(user.context, suite.ferry, '/');
    const worker = await appWorker(user.context, app);
    await app.close();
    // The worker controls this tab too, but no Ferry router runs in it to answer.
    const file = await openTab(user.context, suite.ferry, '/icons/icon-192.png');
    expect(await file.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

    expect(await clickNotification(worker, roomPath)).toEqual({ left: 0, opened: [] });
    await file.waitForURL(suite.ferry.url + roomPath, { timeout: UI_TIMEOUT });
    await shownLog(file, 'Pier');
    await user.context.close();
  });

  it('asks for a new window on the conversation when no Ferry window is open', async () => {
    const { user, roomPath } = await userWithRoom('open-alice');
    const page = await openTab(user.context, suite.ferry, '/');
    const worker = await appWorker(user.context, page);
    await page.close();
    await expect
      .poll(() =>
        worker.evaluate(async () => {
          const scope = self as unknown as WorkerScope;
          return (await scope.clients.matchAll({ type: 'window' })).length;
        }),
      )
      .toBe(0);

    expect(await clickNotification(worker, roomPath)).toEqual({
      left: 0,
      opened: [suite.ferry.url + roomPath],
    });
    await user.context.close();
  });

  it('follows no URL of another origin: the tab stays where it is and nothing opens', async () => {
    const { user, roomPath } = await userWithRoom('foreign-alice');
    const page = await openTab(user.context, suite.ferry, roomPath);
    const worker = await appWorker(user.context, page);

    for (const url of ['https://example.com/c/1', '//example.com/c/1', 'javascript:alert(1)'])
      expect(await clickNotification(worker, url)).toEqual({ left: 0, opened: [] });
    expect(page.url()).toBe(suite.ferry.url + roomPath);
    expect(user.context.pages()).toHaveLength(1);
    await user.context.close();
  });
});
