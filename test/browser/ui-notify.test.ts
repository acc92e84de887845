/**
 * Notifications and the app badge: permission is asked after the first message sent (never on
 * load); a message that arrives while no tab is visible shows a system notification; the badge
 * shows the total unread count. The browser's own notification and badge calls are recorded (the
 * page's visibility is driven by the test: headless tabs are always "visible").
 */
import { describe, expect, it } from 'vitest';
import {
  conversationRow,
  createRoom,
  ferrySuite,
  inviteCode,
  joinViaApi,
  newUser,
  openOnlineTab,
  sendMessage,
  sendViaApi,
  signUp,
  waitOnline,
  eventually,
} from './support/index';

const suite = ferrySuite();

interface Recorded {
  permissionAsks: number;
  shown: Array<{ title: string; body?: string }>;
  badges: number[];
}
declare global {
  interface Window {
    __ferryTest: Recorded & { hidden: boolean };
  }
}

/** Runs in the page before the app: records permission asks, notifications and badges; fakes visibility. */
function recordBrowserCalls() {
  const rec = { permissionAsks: 0, shown: [] as Recorded['shown'], badges: [] as number[], hidden: false };
  window.__ferryTest = rec;
  Object.defineProperty(Document.prototype, 'visibilityState', {
    configurable: true,
    get: () => (rec.hidden ? 'hidden' : 'visible'),
  });
  const ask = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = () => {
    rec.permissionAsks++;
    return ask();
  };
  ServiceWorkerRegistration.prototype.showNotification = async function (title, options) {
    rec.shown.push({ title, body: options?.body });
  };
  window.Notification = new Proxy(Notification, {
    construct(target, args: [string, NotificationOptions?]) {
      rec.shown.push({ title: args[0], body: args[1]?.body });
      return Reflect.construct(target, args) as object;
    },
  });
  Object.defineProperty(navigator, 'setAppBadge', {
    configurable: true,
    value: async (n?: number) => void rec.badges.push(n ?? 0),
  });
  Object.defineProperty(navigator, 'clearAppBadge', {
    configurable: true,
    value: async () => void rec.badges.push(0),
  });
}

describe('notifications and badge', () => {
  it('asks for notification permission only after the first message sent', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'ask-alice');
    await alice.context.addInitScript(recordBrowserCalls);
    const page = await openOnlineTab(alice.context, suite.ferry);
    await createRoom(page, 'Quiet');
    expect(await page.evaluate(() => window.__ferryTest.permissionAsks)).toBe(0);

    await sendMessage(page, 'first');
    await eventually(() => page.evaluate(() => window.__ferryTest.permissionAsks)).toBe(1);
    await sendMessage(page, 'second');
    await conversationRow(page, 'Quiet').filter({ hasText: 'second' }).waitFor();
    // Asked once per device, also after a reload.
    await page.reload();
    await waitOnline(page);
    await sendMessage(page, 'third');
    await conversationRow(page, 'Quiet').filter({ hasText: 'third' }).waitFor();
    expect(await page.evaluate(() => window.__ferryTest.permissionAsks)).toBe(0);
    await alice.context.close();
  });

  it('notifies a message that arrives while no tab is visible and badges the unread count', async () => {
    const bob = await signUp(suite.ferry, 'notify-bob');
    const alice = await newUser(suite.browser, suite.ferry, 'notify-alice');
    await alice.context.grantPermissions(['notifications'], { origin: suite.ferry.url });
    await alice.context.addInitScript(recordBrowserCalls);
    const page = await openOnlineTab(alice.context, suite.ferry);
    await createRoom(page, 'Pier');
    const room = await joinViaApi(suite.ferry, bob.cookie, await inviteCode(page));
    await page.goto(suite.ferry.url + '/');
    await waitOnline(page);

    // Visible: the message shows in the list; no notification.
    await sendViaApi(suite.ferry, bob.cookie, room.id, 'While you look');
    await conversationRow(page, 'Pier').filter({ hasText: 'While you look' }).waitFor();
    await eventually(() => page.evaluate(() => window.__ferryTest.badges.at(-1))).toBe(1);

    // Hidden (no other tab): a notification, and the badge counts both unread messages.
    await page.evaluate(() => {
      window.__ferryTest.hidden = true;
    });
    await sendViaApi(suite.ferry, bob.cookie, room.id, 'While you are away');
    await eventually(() => page.evaluate(() => window.__ferryTest.shown)).toEqual([
      { title: `${bob.user.username} in Pier`, body: 'While you are away' },
    ]);
    await eventually(() => page.evaluate(() => window.__ferryTest.badges.at(-1))).toBe(2);
    await alice.context.close();
  });
});
