/**
 * The UI shell: signing up, out and in through the form; the language control and the browser's
 * language; the phone layout at 360 px; light and dark themes from the system.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  connectionStatus,
  conversationLink,
  conversationNav,
  createRoom,
  ferrySuite,
  messageLog,
  newContext,
  newUser,
  openOnlineTab,
  openTab,
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
