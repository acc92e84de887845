/**
 * The UI shell: signing up, out and in through the form; the language control and the browser's
 * language; the phone layout at 360 px; light and dark themes from the system.
 */
import { describe, expect, it } from 'vitest';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BrowserContext, Page } from 'playwright-core';
import { HttpPath } from '../../contract/index';
import {
  addSessionCookie,
  openTab,
  signUp,
  waitUntil,
  type Ferry,
  connectionStatus,
  conversationLink,
  conversationNav,
  createRoom,
  ferrySuite,
  messageLog,
  newContext,
  newUser,
  openOnlineTab,
  TEST_PASSWORD,
  waitOnline,
  eventually,
  textOf,
  collectPageErrors,
  ownMessageStatus,
  sendMessage,
  waitForText,
} from './support/index';

const suite = ferrySuite();

/** True when nothing on the page is wider than the viewport (no sideways scrolling). */
const fitsWidth = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

describe('account', () => {
  it('signs up, signs out and signs back in through the form, and says when the credentials are wrong', async () => {
    const context = await newContext(suite.browser);
    const page = await openTab(context, suite.ferry);
    const username = page.getByRole('textbox', { name: 'Username' });
    const password = page.getByLabel('Password');

    await username.fill('carol');
    await password.fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await waitOnline(page);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    // Signed out for real: a reload does not sign back in.
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();

    await username.fill('carol');
    await password.fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // One answer whether the username or the password is wrong, in either language.
    await eventually(() => textOf(page.getByRole('alert'))).toContain('username or password is wrong');
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('textbox', { name: '用户名' }).fill('nobody-called-this');
    await page.getByRole('button', { name: '登录' }).click();
    await eventually(() => textOf(page.getByRole('alert'))).toContain('用户名或密码错误');
    await page.getByLabel('语言').selectOption('en');
    await username.fill('carol');

    await password.fill(TEST_PASSWORD);
    await password.press('Enter');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await waitOnline(page);
    await context.close();
  });
});

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Holds the server's answers to GET `path` (the requests wait, unanswered) until `release()`.
 * It wraps the HTTP server's request listeners, which socket.io and the app put there.
 */
function holdAnswers(ferry: Ferry, path: string): { held(): number; release(): void } {
  const server = ferry.app.server;
  const listeners = server.listeners('request') as RequestListener[];
  const waiting: Array<() => void> = [];
  const pass = (req: IncomingMessage, res: ServerResponse) => {
    for (const listener of listeners) listener.call(server, req, res);
  };
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.split('?')[0] === path) waiting.push(() => pass(req, res));
    else pass(req, res);
  });
  return {
    held: () => waiting.length,
    release() {
      server.removeAllListeners('request');
      for (const listener of listeners) server.on('request', listener);
      for (const answer of waiting.splice(0)) answer();
    },
  };
}

/**
 * A new device (nothing in IndexedDB), its page recording whether the sign-in form was ever in
 * the DOM, the hub's statuses (web/data/testHook.ts) and the page's requests for the sign-in code.
 */
async function newDevice(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    window.__ferryExposeData = true;
    const w = window as unknown as { sawSignInForm: boolean };
    w.sawSignInForm = false;
    new MutationObserver(() => {
      if (document.querySelector('input[name="password"]')) w.sawSignInForm = true;
    }).observe(document, { childList: true, subtree: true });
  });
}
const sawSignInForm = (page: Page) =>
  page.evaluate(() => (window as { sawSignInForm?: boolean }).sawSignInForm);
/** Whether the hub has told the page any status yet (it does while it asks the server). */
const statusesHeard = (page: Page) => page.evaluate(() => window.__ferryData?.statuses.length ?? 0);

describe('session check on a new device', () => {
  it('with a valid session cookie: neither sign-in nor the app until the server answers, then the app, the sign-in code never fetched', async () => {
    const frank = await signUp(suite.ferry, 'frank');
    const context = await newContext(suite.browser);
    await addSessionCookie(context, suite.ferry, frank.cookie);
    await newDevice(context);
    const hold = holdAnswers(suite.ferry, HttpPath.me);
    let page: Page | undefined;
    try {
      page = await context.newPage();
      const signInCode: string[] = [];
      page.on('request', (r) => /\/SignIn-[^/]*\.js$/.test(r.url()) && signInCode.push(r.url()));
      await page.goto(suite.ferry.url);
      await waitUntil('the hub to ask the server who is signed in', async () => hold.held() > 0);
      await waitUntil('the hub to tell the page its status', async () => (await statusesHeard(page!)) > 0);
      await page.getByRole('status').filter({ hasText: 'Loading…' }).waitFor();
      expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
      expect(await sawSignInForm(page)).toBe(false);

      hold.release();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await waitOnline(page);
      expect(await sawSignInForm(page)).toBe(false);
      expect(signInCode).toEqual([]);
    } finally {
      hold.release();
      await context.close();
    }
  });

  it('with no session: neither sign-in nor the app until the server answers, then sign-in', async () => {
    const context = await newContext(suite.browser);
    await newDevice(context);
    const hold = holdAnswers(suite.ferry, HttpPath.me);
    try {
      const page = await openTab(context, suite.ferry);
      await waitUntil('the hub to ask the server who is signed in', async () => hold.held() > 0);
      await waitUntil('the hub to tell the page its status', async () => (await statusesHeard(page)) > 0);
      await page.getByRole('status').filter({ hasText: 'Loading…' }).waitFor();
      expect(await sawSignInForm(page)).toBe(false);

      hold.release();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    } finally {
      hold.release();
      await context.close();
    }
  });
});

describe('language', () => {
  it('switches between English and Simplified Chinese with the Language control and remembers it', async () => {
    const dave = await newUser(suite.browser, suite.ferry, 'dave');
    const page = await openOnlineTab(dave.context, suite.ferry);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');

    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('button', { name: '退出登录' }).waitFor();
    await page.getByRole('navigation', { name: '会话' }).waitFor();
    await eventually(() => textOf(connectionStatus(page))).toMatch(/在线/);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');

    await page.reload();
    await page.getByRole('button', { name: '退出登录' }).waitFor();

    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await conversationNav(page).waitFor();
    await dave.context.close();
  });

  it('starts in Chinese when the browser prefers Chinese', async () => {
    const context = await newContext(suite.browser, { locale: 'zh-CN' });
    const page = await openTab(context, suite.ferry);
    await page.getByRole('button', { name: '登录' }).waitFor();
    await page.getByRole('button', { name: '创建账号' }).waitFor();
    await page.getByRole('textbox', { name: '用户名' }).waitFor();
    await context.close();
  });
});

describe('layout', () => {
  it('fits a 360 px phone: the list, then the conversation with a way back', async () => {
    const erin = await newUser(suite.browser, suite.ferry, 'erin', { viewport: { width: 360, height: 740 } });
    const page = await openOnlineTab(erin.context, suite.ferry);
    expect(await fitsWidth(page)).toBe(true);

    await createRoom(page, 'A room with a rather long name for a small screen');
    // On a phone the conversation replaces the list.
    expect(await conversationNav(page).isVisible()).toBe(false);
    expect(await fitsWidth(page)).toBe(true);

    await page.getByRole('link', { name: 'Back to conversations' }).click();
    await conversationLink(page, 'A room with a rather long name').waitFor();
    expect(await messageLog(page, 'A room with a rather long name for a small screen').count()).toBe(0);
    expect(await fitsWidth(page)).toBe(true);
    await erin.context.close();
  });

  it('shows the list and the conversation side by side on a desktop, with no CSP violation', async () => {
    const frank = await newUser(suite.browser, suite.ferry, 'frank', {
      viewport: { width: 1280, height: 800 },
    });
    const page = await frank.context.newPage();
    // The CSP allows no inline style or script: Chromium reports each violation as a console error.
    const errors = collectPageErrors(page);
    await page.goto(suite.ferry.url + '/');
    await createRoom(page, 'Wide');
    await sendMessage(page, 'Styled from a stylesheet only');
    await waitForText(ownMessageStatus(page, 'Wide', 'stylesheet only'), /^(Sent|Delivered|Read)$/);
    await page.getByRole('button', { name: /^Members/ }).click();
    await page.getByRole('list', { name: 'Members' }).waitFor();
    expect(errors).toEqual([]);
    expect(await conversationNav(page).isVisible()).toBe(true);
    expect(await messageLog(page, 'Wide').isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'Back to conversations' }).isVisible()).toBe(false);
    await frank.context.close();
  });
});

describe('theme', () => {
  it('follows the system: light and dark', async () => {
    const background = async (colorScheme: 'light' | 'dark') => {
      const context = await newContext(suite.browser, { colorScheme });
      const page = await openTab(context, suite.ferry);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      const color = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      await context.close();
      return color;
    };
    const light = await background('light');
    const dark = await background('dark');
    expect(light).toBe('rgb(246, 247, 249)');
    expect(dark).toBe('rgb(15, 17, 21)');
  });
});
