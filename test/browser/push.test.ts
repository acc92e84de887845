/**
 * Web Push in Chromium, with every Ferry tab closed: the Service Worker's `push` handling is driven
 * with CDP `ServiceWorker.deliverPushMessage` (the browser hands the worker the decrypted JSON, as
 * after a real push service), and the page's "Notifications" switch against the server's API.
 *
 * Stand-ins, and why:
 * - Headless Chromium cannot click a notification and DevTools has no command that does, so
 *   clicks and action buttons (Reply with its typed text, Mark as read) are synthetic
 *   `notificationclick` events dispatched in the worker on the real notification read back with
 *   getNotifications() (as test/browser/pwa-notifications.test.ts does).
 * - `pushManager.subscribe` needs Chromium's vendor push service, which this machine cannot
 *   reach: the switch test replaces PushManager's subscribe/getSubscription with one returning a
 *   subscription whose endpoint and keys the test made (on its own push service on 127.0.0.1).
 *   Everything after that (permission, key fetch, POST subscribe, the server's push, its VAPID
 *   signature and encryption) is real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page, Worker } from 'playwright-core';
import {
  HttpPath,
  membersPath,
  pushTag,
  type ConversationSummary,
  type Member,
  type PushMessageNotice,
  type PushNotice,
} from '../../contract/index';
import type { OutboxEntry } from '../../localdb/index';
import { startPushService, type TestPushService } from '../server/support/pushService';
import {
  readOutboxScript,
  readRecordScript,
  SyncDispatcher,
  waitForServiceWorkerControl,
} from './pwaSupport';
import {
  api,
  ferrySuite,
  newUser,
  openOnlineTab,
  ownMessageStatus,
  sendViaApi,
  serverMessages,
  sharedRoom,
  socketCount,
  UI_TIMEOUT,
  waitForText,
  waitUntil,
  type BrowserUser,
} from './support/index';

const suite = ferrySuite({ env: { PUSH_ALLOW_LOOPBACK_HTTP: 'true', PUSH_COALESCE_MS: '200' } });
let service: TestPushService;
let vapidKey = '';

beforeAll(async () => {
  service = await startPushService(() => vapidKey);
});
afterAll(async () => {
  await service?.close();
});

// Service Worker globals used in worker.evaluate(): test/ type-checks with the DOM lib.
interface WorkerScope {
  registration: ServiceWorkerRegistration;
  clients: { openWindow(url: string | URL): Promise<unknown> };
  navigator: Record<string, unknown>;
  dispatchEvent(event: Event): boolean;
  addEventListener(type: string, listener: () => void): void;
  ferryBadges?: number[];
  ferryPushesSeen?: number;
  ferryClosesSeen?: number;
  /** showNotification calls not yet resolved (countPushes wraps it). */
  ferryShowing?: number;
}
declare const Clients: { prototype: { openWindow(url: string | URL): Promise<unknown> } };
declare const NotificationEvent: new (
  type: string,
  init: { notification: Notification; action?: string },
) => Event;

interface Shown {
  title: string;
  body: string;
  data: { url?: string; conversationId?: string; seq?: number; count?: number };
  actions: string[];
}

/** A signed-in user allowed notifications and Background Sync, the SW installed, no tab open. */
async function withWorkerOnly(name: string, roomName: string) {
  const alice = await newUser(suite.browser, suite.ferry, name, {
    permissions: ['notifications', 'background-sync'],
  });
  keepWorkerConsole(alice.context);
  const bob = await newUser(suite.browser, suite.ferry, `${name}-bob`);
  const room = await sharedRoom(suite.ferry, alice, bob, roomName);
  const page = await openOnlineTab(alice.context, suite.ferry, '/');
  await waitForServiceWorkerControl(page);
  const dispatcher = await SyncDispatcher.open(alice.context, suite.ferry);
  await countPushes(alice.context);
  await page.close({ runBeforeUnload: true });
  await waitUntil(
    'alice to have no socket',
    async () => (await socketCount(suite.ferry, alice.user.id)) === 0,
  );
  return { alice, bob, room, dispatcher };
}

/** The app's Service Worker (started again by the browser when it had stopped). */
async function appWorker(context: BrowserContext): Promise<Worker> {
  const url = `${suite.ferry.url}/sw.js`;
  return (
    context.serviceWorkers().find((w) => w.url() === url) ??
    context.waitForEvent('serviceworker', { predicate: (w) => w.url() === url })
  );
}

/**
 * The worker's notifications under `tag`, or null while a showNotification is under way: Chromium's
 * getNotifications drops what its display has not reported as shown yet, so a look then could
 * lose the very notification being awaited.
 */
function shown(worker: Worker, tag: string): Promise<Shown[] | null> {
  return worker.evaluate(async (tag) => {
    const scope = self as unknown as WorkerScope;
    if (scope.ferryShowing) return null;
    return (await scope.registration.getNotifications({ tag })).map((n) => ({
      title: n.title,
      body: n.body,
      data: n.data as Shown['data'],
      actions: ((n as Notification & { actions?: { action: string }[] }).actions ?? []).map((a) => a.action),
    }));
  }, tag);
}

/**
 * Counts the `push` events the running worker gets from now on, for waitShown's error: it tells a
 * push that never reached the worker (or reached one started again since: no count) from one the
 * worker got but did not show. And counts the showNotification calls under way, which shown()
 * waits out.
 */
async function countPushes(context: BrowserContext): Promise<void> {
  await (
    await appWorker(context)
  ).evaluate(() => {
    const scope = self as unknown as WorkerScope;
    scope.ferryPushesSeen = 0;
    scope.ferryClosesSeen = 0;
    scope.ferryShowing = 0;
    const registration = scope.registration;
    const show = registration.showNotification.bind(registration);
    registration.showNotification = (...args) => {
      scope.ferryShowing = (scope.ferryShowing ?? 0) + 1;
      return show(...args).finally(() => {
        scope.ferryShowing = (scope.ferryShowing ?? 1) - 1;
      });
    };
    scope.addEventListener('push', () => {
      scope.ferryPushesSeen = (scope.ferryPushesSeen ?? 0) + 1;
    });
    // Fired when the browser (or the person) closes one, not when the app's code does.
    scope.addEventListener('notificationclose', () => {
      scope.ferryClosesSeen = (scope.ferryClosesSeen ?? 0) + 1;
    });
  });
}

/** What the contexts' Service Workers wrote to their console (the push handler reports failures there). */
const workerConsoles = new WeakMap<BrowserContext, string[]>();

/** Starts keeping what `context`'s workers write to their console, for waitShown's error. */
function keepWorkerConsole(context: BrowserContext): void {
  const lines: string[] = [];
  workerConsoles.set(context, lines);
  context.on('console', (message) => {
    if (message.worker()) lines.push(`${message.type()}: ${message.text()}`);
  });
}

async function waitShown(context: BrowserContext, tag: string, check: (list: Shown[]) => boolean) {
  let last: Shown[] = [];
  try {
    await waitUntil(`notifications of ${tag}`, async () => {
      const now = await shown(await appWorker(context), tag);
      if (now === null) return false;
      last = now;
      return check(last);
    });
  } catch (error) {
    const said = workerConsoles.get(context)?.join(' | ') || 'nothing';
    // Under a busy machine the worker's showNotification has resolved and getNotifications still
    // returned nothing: these say whether anything was shown under another tag, or closed.
    const pushes = await (
      await appWorker(context)
    )
      .evaluate(async () => {
        const scope = self as unknown as WorkerScope;
        const all = (await scope.registration.getNotifications()).map((n) => n.tag);
        return (
          `${scope.ferryPushesSeen ?? 'not counted (a new worker)'}; notifications now under any tag: ` +
          `${JSON.stringify(all)}; closes seen: ${scope.ferryClosesSeen ?? 'not counted'}`
        );
      })
      .catch((err: unknown) => `unknown (${String(err)})`);
    throw new Error(
      `${(error as Error).message}; shown last: ${JSON.stringify(last)}; push events the worker got: ${pushes}; ` +
        `the worker's console: ${said}`,
      { cause: error },
    );
  }
  return last;
}

/** Records what the worker passes to setAppBadge / clearAppBadge (0) from now on. */
function recordBadges(worker: Worker): Promise<void> {
  return worker.evaluate(() => {
    const scope = self as unknown as WorkerScope;
    const nav = scope.navigator as {
      setAppBadge?: (n?: number) => Promise<void>;
      clearAppBadge?: () => Promise<void>;
    };
    const calls: number[] = [];
    scope.ferryBadges = calls;
    const set = nav.setAppBadge?.bind(nav);
    const clear = nav.clearAppBadge?.bind(nav);
    nav.setAppBadge = (n?: number) => {
      calls.push(n ?? 0);
      return set ? set(n).catch(() => undefined) : Promise.resolve();
    };
    nav.clearAppBadge = () => {
      calls.push(0);
      return clear ? clear().catch(() => undefined) : Promise.resolve();
    };
  });
}

const badges = async (context: BrowserContext): Promise<number[]> =>
  (await appWorker(context)).evaluate(() => (self as unknown as WorkerScope).ferryBadges ?? []);

/**
 * Clicks the conversation's notification (or one of its actions, with the text typed into
 * Reply) with a synthetic `notificationclick`, and waits for what the handlers passed to waitUntil.
 */
async function click(
  context: BrowserContext,
  tag: string,
  action = '',
  reply: string | null = null,
): Promise<{ opened: string[]; left: number }> {
  const worker = await appWorker(context);
  return worker.evaluate(
    async ({ tag, action, reply }) => {
      const scope = self as unknown as WorkerScope;
      const opened: string[] = [];
      const openWindow = Clients.prototype.openWindow;
      Clients.prototype.openWindow = function (this: unknown, target: string | URL) {
        opened.push(String(target));
        return openWindow.call(this, target);
      };
      try {
        const [notification] = await scope.registration.getNotifications({ tag });
        if (!notification) throw new Error('No notification to click.');
        const event = new NotificationEvent('notificationclick', { notification, action });
        if (reply !== null) Object.defineProperty(event, 'reply', { value: reply });
        const waits: Promise<unknown>[] = [];
        Object.defineProperty(event, 'waitUntil', { value: (p: Promise<unknown>) => waits.push(p) });
        scope.dispatchEvent(event);
        await Promise.all(waits);
        return { opened, left: (await scope.registration.getNotifications({ tag })).length };
      } finally {
        Clients.prototype.openWindow = openWindow;
      }
    },
    { tag, action, reply },
  );
}

function messageNotice(
  conversationId: string,
  fields: Partial<PushMessageNotice> & { senderName: string },
): PushNotice {
  return {
    kind: 'message',
    conversationId,
    conversationName: 'Pier',
    seq: 1,
    count: 1,
    unreadTotal: 1,
    ...fields,
  };
}

async function readSeqOf(viewer: { cookie: string }, conversationId: string, userId: string) {
  const res = await api<{ members: Member[] }>(
    suite.ferry,
    'GET',
    membersPath(conversationId),
    undefined,
    viewer.cookie,
  );
  if (!res.body.ok) throw new Error('members failed');
  return res.body.members.find((m) => m.userId === userId)?.readSeq;
}

describe('a push with every tab closed', () => {
  it('shows one notification per conversation with a count, sets the badge, and closes on "read up to"', async () => {
    const { alice, bob, room, dispatcher } = await withWorkerOnly('pushed', 'Pier');
    const tag = pushTag(room.id);
    await recordBadges(await appWorker(alice.context));

    await dispatcher.deliverPush(
      JSON.stringify(messageNotice(room.id, { senderName: bob.username, text: 'Ahoy', unreadTotal: 4 })),
    );
    const [first] = await waitShown(alice.context, tag, (l) => l.length === 1);
    expect(first).toEqual({
      title: 'Pier',
      body: `${bob.username}: Ahoy`,
      data: { url: `/c/${room.id}`, conversationId: room.id, seq: 1, count: 1 },
      actions: ['reply', 'mark-read'],
    });
    expect(await badges(alice.context)).toContain(4);

    // Two more in one push: the same notification now stands for three.
    await dispatcher.deliverPush(
      JSON.stringify(
        messageNotice(room.id, {
          senderName: bob.username,
          text: 'Still there?',
          seq: 3,
          count: 2,
          unreadTotal: 6,
        }),
      ),
    );
    const [burst, ...others] = await waitShown(alice.context, tag, (l) => l[0]?.data.seq === 3);
    expect(others).toEqual([]);
    expect(burst?.body).toBe(`3 new messages\n${bob.username}: Still there?`);
    expect(await badges(alice.context)).toContain(6);

    // Read up to 2 elsewhere: the notification shows seq 3, so it stays; up to 3 closes it.
    await dispatcher.deliverPush(
      JSON.stringify({
        kind: 'read',
        conversationId: room.id,
        readSeq: 2,
        unreadTotal: 1,
      } satisfies PushNotice),
    );
    await waitUntil('the badge to follow the first read push', async () =>
      (await badges(alice.context)).includes(1),
    );
    expect(await shown(await appWorker(alice.context), tag)).toHaveLength(1);
    await dispatcher.deliverPush(
      JSON.stringify({
        kind: 'read',
        conversationId: room.id,
        readSeq: 3,
        unreadTotal: 0,
      } satisfies PushNotice),
    );
    await waitShown(alice.context, tag, (l) => l.length === 0);
    expect(await badges(alice.context)).toContain(0);
    await alice.context.close();
    await bob.context.close();
  });

  it('counts pushes that arrive together into one notification, in the order they came', async () => {
    const { alice, bob, room, dispatcher } = await withWorkerOnly('together', 'Pier');
    const tag = pushTag(room.id);
    // Both handed over before either is handled: each must read the count the one before it showed.
    await Promise.all([
      dispatcher.deliverPush(
        JSON.stringify(messageNotice(room.id, { senderName: bob.username, text: 'One' })),
      ),
      dispatcher.deliverPush(
        JSON.stringify(messageNotice(room.id, { senderName: bob.username, text: 'Three', seq: 3, count: 2 })),
      ),
    ]);
    const [notification] = await waitShown(alice.context, tag, (l) => l[0]?.data.seq === 3);
    expect(notification).toMatchObject({
      body: `3 new messages\n${bob.username}: Three`,
      data: { seq: 3, count: 3 },
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('shows a generic line without the text, in the language the page used (Chinese)', async () => {
    const { alice, bob, room, dispatcher } = await withWorkerOnly('hushed', 'Pier');
    const page = await openOnlineTab(alice.context, suite.ferry, '/');
    await page.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
    await page.getByRole('switch', { name: '通知' }).waitFor();
    // The page writes the language for the Service Worker after that render: a tab closed sooner
    // loses the write (a user cannot close it that fast; a test can).
    await waitUntil('the page to store its language for the Service Worker', () =>
      page.evaluate(readRecordScript, { store: 'meta', key: 'lang' }).then((lang) => lang === 'zh-CN'),
    );
    await page.close({ runBeforeUnload: true });
    await waitUntil(
      'alice to have no socket',
      async () => (await socketCount(suite.ferry, alice.user.id)) === 0,
    );

    await dispatcher.deliverPush(JSON.stringify(messageNotice(room.id, { senderName: bob.username })));
    const [notification] = await waitShown(alice.context, pushTag(room.id), (l) => l.length === 1);
    expect(notification?.body).toBe('新消息');
    await alice.context.close();
    await bob.context.close();
  });

  it('shows nothing for the conversation a focused Ferry tab has open', async () => {
    const { alice, bob, room, dispatcher } = await withWorkerOnly('watcher', 'Pier');
    const other = await sharedRoom(suite.ferry, alice, bob, 'Dock');
    const page = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    await page.bringToFront();
    await page.waitForFunction(() => document.hasFocus() && document.visibilityState === 'visible');
    await dispatcher.deliverPush(
      JSON.stringify(messageNotice(room.id, { senderName: bob.username, text: 'Here' })),
    );
    // A push for another conversation right after shows: the first push has been handled by then.
    await dispatcher.deliverPush(
      JSON.stringify(
        messageNotice(other.id, { conversationName: 'Dock', senderName: bob.username, text: 'There' }),
      ),
    );
    await waitShown(alice.context, pushTag(other.id), (l) => l.length === 1);
    expect(await shown(await appWorker(alice.context), pushTag(room.id))).toEqual([]);
    await alice.context.close();
    await bob.context.close();
  });

  it('opens /c/<id> when clicked with no Ferry window open', async () => {
    const { alice, bob, room, dispatcher } = await withWorkerOnly('clicker', 'Pier');
    await dispatcher.deliverPush(
      JSON.stringify(messageNotice(room.id, { senderName: bob.username, text: 'Hi' })),
    );
    await waitShown(alice.context, pushTag(room.id), (l) => l.length === 1);
    expect(await click(alice.context, pushTag(room.id))).toEqual({
      opened: [`${suite.ferry.url}/c/${room.id}`],
      left: 0,
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('delivers an inline reply typed offline exactly once, after the network is back', async () => {
    const { alice, bob, room, dispatcher } = await withWorkerOnly('replier', 'Pier');
    const { message } = await sendViaApi(suite.ferry, bob.cookie, room.id, 'Dinner at 8?');
    await alice.context.setOffline(true);
    await dispatcher.deliverPush(
      JSON.stringify(
        messageNotice(room.id, { senderName: bob.username, text: message.text, seq: message.seq }),
      ),
    );
    await waitShown(alice.context, pushTag(room.id), (l) => l.length === 1);

    expect(await click(alice.context, pushTag(room.id), 'reply', 'On my way')).toEqual({
      opened: [],
      left: 0,
    });
    const queued = await (await appWorker(alice.context)).evaluate(readOutboxScript);
    expect(queued).toEqual([
      expect.objectContaining({
        conversationId: room.id,
        text: 'On my way',
        senderId: alice.user.id,
        state: 'queued',
      } satisfies Partial<OutboxEntry>),
    ]);
    expect((await serverMessages(suite.ferry, bob.cookie, room.id)).map((m) => m.text)).toEqual([
      'Dinner at 8?',
    ]);

    await alice.context.setOffline(false);
    await dispatcher.dispatch('ferry-outbox');
    await waitUntil(
      'the reply on the server',
      async () => (await serverMessages(suite.ferry, bob.cookie, room.id)).length === 2,
    );
    // The server stores the reply before its answer reaches the Service Worker, which then
    // deletes the entry: the sync is over once the outbox is empty.
    await waitUntil(
      'the outbox to empty',
      async () => (await (await appWorker(alice.context)).evaluate(readOutboxScript)).length === 0,
    );
    // Another sync (the browser may fire more than one) sends nothing again.
    await dispatcher.dispatch('ferry-outbox');
    expect(await (await appWorker(alice.context)).evaluate(readOutboxScript)).toEqual([]);
    const stored = await serverMessages(suite.ferry, bob.cookie, room.id);
    expect(stored.map((m) => [m.text, m.senderId])).toEqual([
      ['Dinner at 8?', bob.user.id],
      ['On my way', alice.user.id],
    ]);
    expect(stored[1]!.id).toBe(queued[0]!.id);
    await alice.context.close();
    await bob.context.close();
  });

  it('"Mark as read" made offline reaches the sender as Read once the network is back', async () => {
    const { alice, bob, room, dispatcher } = await withWorkerOnly('reader', 'Pier');
    const { message } = await sendViaApi(suite.ferry, bob.cookie, room.id, 'Please look at this');
    const bobTab = await openOnlineTab(bob.context, suite.ferry, `/c/${room.id}`);
    await waitForText(ownMessageStatus(bobTab, 'Pier', 'Please look at this'), /^Sent|^Delivered/);
    await alice.context.setOffline(true);
    await dispatcher.deliverPush(
      JSON.stringify(
        messageNotice(room.id, { senderName: bob.username, text: message.text, seq: message.seq }),
      ),
    );
    await waitShown(alice.context, pushTag(room.id), (l) => l.length === 1);

    expect(await click(alice.context, pushTag(room.id), 'mark-read')).toEqual({ opened: [], left: 0 });
    expect(await readSeqOf(bob, room.id, alice.user.id)).toBe(0);

    await alice.context.setOffline(false);
    await dispatcher.dispatch('ferry-outbox');
    await waitUntil(
      'alice read up to the message',
      async () => (await readSeqOf(bob, room.id, alice.user.id)) === message.seq,
    );
    await waitForText(ownMessageStatus(bobTab, 'Pier', 'Please look at this'), /^Read/);
    await alice.context.close();
    await bob.context.close();
  });
});

describe('the Notifications switch', () => {
  /** Replaces pushManager.subscribe/getSubscription (see the file header) with `json`'s subscription. */
  async function standInPushManager(page: Page | BrowserContext, json: unknown): Promise<void> {
    await page.addInitScript((json) => {
      let current: PushSubscription | null = null;
      const w = window as unknown as { ferryPushKeys: string[] };
      w.ferryPushKeys = [];
      const make = (key: ArrayBuffer): PushSubscription =>
        ({
          endpoint: (json as { endpoint: string }).endpoint,
          expirationTime: null,
          options: { applicationServerKey: key, userVisibleOnly: true },
          toJSON: () => json,
          unsubscribe: async () => {
            current = null;
            return true;
          },
        }) as unknown as PushSubscription;
      PushManager.prototype.subscribe = async function (options?: PushSubscriptionOptionsInit) {
        const key = options?.applicationServerKey as Uint8Array;
        w.ferryPushKeys.push(btoa(String.fromCharCode(...key)));
        current = make(key.slice().buffer);
        return current;
      };
      PushManager.prototype.getSubscription = async () => current;
    }, json);
  }

  it('subscribes this device, sets the preview, pushes reach it, and turning it off unsubscribes', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'switcher', { permissions: ['notifications'] });
    const bob = await newUser(suite.browser, suite.ferry, 'switcher-bob');
    const room = await sharedRoom(suite.ferry, alice, bob, 'Pier');
    const keyAnswer = await api<{ publicKey: string }>(
      suite.ferry,
      'GET',
      HttpPath.pushKey,
      undefined,
      alice.cookie,
    );
    if (!keyAnswer.body.ok) throw new Error('no key');
    vapidKey = keyAnswer.body.publicKey;
    const sub = service.subscription();
    await standInPushManager(alice.context, sub.json);
    const page = await openOnlineTab(alice.context, suite.ferry, '/');
    await waitForServiceWorkerControl(page);

    const toggle = page.getByRole('switch', { name: 'Notifications' });
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false');
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-checked'), { timeout: UI_TIMEOUT }).toBe('true');
    const subscriptions = () => storedSubscriptions(alice);
    await waitUntil('the server to hold the subscription', async () => (await subscriptions()).length === 1);
    expect(await subscriptions()).toEqual([
      expect.objectContaining({ endpoint: sub.json.endpoint, p256dh: sub.json.keys.p256dh, showText: true }),
    ]);
    // The page subscribed with the server's VAPID key.
    const keys = await page.evaluate(() => (window as unknown as { ferryPushKeys: string[] }).ferryPushKeys);
    expect(keys.map((k) => Buffer.from(k, 'base64').toString('base64url'))).toEqual([vapidKey]);

    const preview = page.getByRole('checkbox', { name: 'Show message text in notifications' });
    await preview.uncheck();
    await waitUntil('showText off on the server', async () => (await subscriptions())[0]?.showText === false);

    // With no tab open, bob's message reaches the test's push service, signed and encrypted for it.
    await page.close({ runBeforeUnload: true });
    await waitUntil(
      'alice to have no socket',
      async () => (await socketCount(suite.ferry, alice.user.id)) === 0,
    );
    const { message } = await sendViaApi(suite.ferry, bob.cookie, room.id, 'secret');
    await waitUntil('the push', () => service.pushesTo(sub.json.endpoint).length > 0);
    expect(service.pushesTo(sub.json.endpoint)).toEqual([
      {
        kind: 'message',
        conversationId: room.id,
        conversationName: 'Pier',
        senderName: bob.username,
        seq: message.seq,
        count: 1,
        unreadTotal: 1,
      },
    ]);
    expect(service.problems).toEqual([]);

    const again = await openOnlineTab(alice.context, suite.ferry, '/');
    const toggleAgain = again.getByRole('switch', { name: 'Notifications' });
    // The stand-in forgets its subscription with the page: subscribe again, then turn it off.
    await toggleAgain.click();
    await expect.poll(() => toggleAgain.getAttribute('aria-checked'), { timeout: UI_TIMEOUT }).toBe('true');
    await toggleAgain.click();
    await expect.poll(() => toggleAgain.getAttribute('aria-checked'), { timeout: UI_TIMEOUT }).toBe('false');
    await waitUntil('the server to forget it', async () => (await subscriptions()).length === 0);
    await alice.context.close();
    await bob.context.close();
  });

  it('"Mute" becomes "Unmute" and the server keeps the mute', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'muter');
    const bob = await newUser(suite.browser, suite.ferry, 'muter-bob');
    const room = await sharedRoom(suite.ferry, alice, bob, 'Pier');
    const page = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    await page.getByRole('button', { name: 'Mute', exact: true }).click();
    await page.getByRole('button', { name: 'Unmute', exact: true }).waitFor({ timeout: UI_TIMEOUT });
    expect(await mutedOnServer(alice, room.id)).toBe(true);
    await page.getByRole('button', { name: 'Unmute', exact: true }).click();
    await page.getByRole('button', { name: 'Mute', exact: true }).waitFor({ timeout: UI_TIMEOUT });
    expect(await mutedOnServer(alice, room.id)).toBe(false);
    await alice.context.close();
    await bob.context.close();
  });

  it('says how to allow notifications when the browser blocks them', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'blocked');
    await alice.context.addInitScript(() => {
      Object.defineProperty(Notification, 'permission', { get: () => 'denied' });
    });
    const page = await openOnlineTab(alice.context, suite.ferry, '/');
    await page.getByRole('switch', { name: 'Notifications' }).click();
    await expect
      .poll(() => page.getByRole('alert').filter({ hasText: 'Notifications are blocked' }).count(), {
        timeout: UI_TIMEOUT,
      })
      .toBe(1);
    expect(await page.getByRole('switch', { name: 'Notifications' }).getAttribute('aria-checked')).toBe(
      'false',
    );
    await alice.context.close();
  });
});

async function storedSubscriptions(user: BrowserUser) {
  return suite.ferry.store.listPushSubscriptions([user.user.id]);
}

/** The `muted` field of the conversation as the server lists it for `user`. */
async function mutedOnServer(user: BrowserUser, conversationId: string): Promise<boolean | undefined> {
  const res = await api<{ conversations: ConversationSummary[] }>(
    suite.ferry,
    'GET',
    HttpPath.conversations,
    undefined,
    user.cookie,
  );
  if (!res.body.ok) throw new Error('list failed');
  return res.body.conversations.find((c) => c.id === conversationId)?.muted;
}
