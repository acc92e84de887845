/**
 * Every flow with the keyboard only (page.keyboard; no click, no locator.focus()): signing up,
 * creating a room and copying its invite, joining by invite, sending, switching with Ctrl+K, the
 * "Keyboard shortcuts" dialog, Alt+arrows between conversations, and Escape handing the focus back.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  conversationLabels,
  conversationLink,
  conversationNav,
  createRoomViaApi,
  eventually,
  expectFocused,
  ferrySuite,
  joinViaApi,
  messageArticle,
  newContext,
  newUser,
  openOnlineTab,
  sendViaApi,
  shownLog,
  signUp,
  tabTo,
  TEST_PASSWORD,
  waitOnline,
} from './support/index';

const suite = ferrySuite();

const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const dialog = (page: Page, name: string) => page.getByRole('dialog', { name });

/** Fills the focused sign-in form by typing and Tab, and presses `button` ("Create account"…). */
async function signUpByKeyboard(page: Page, username: string): Promise<void> {
  await expectFocused(page.getByRole('textbox', { name: 'Username' }));
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await expectFocused(page.getByLabel('Password'));
  await page.keyboard.type(TEST_PASSWORD);
  await tabTo(page, page.getByRole('button', { name: 'Create account' }));
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** True when the element with the focus is inside an open <dialog>. */
const focusInDialog = (page: Page) =>
  page.evaluate(() => Boolean(document.activeElement?.closest('dialog[open]')));

describe('keyboard only', () => {
  it('signs up, creates a room, copies its invite, joins by it, sends, jumps with Ctrl+K and finds the shortcuts', async () => {
    const context = await newContext(suite.browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.ferry.url });
    const a = await context.newPage();
    await a.goto(suite.ferry.url + '/');

    // Sign up: the first field has the focus; after signing in, the conversation list has it.
    await signUpByKeyboard(a, 'kb-alice');
    await expectFocused(conversationNav(a));
    await waitOnline(a);

    // "New room" with Enter: the focus goes to "Room name", so typing goes there.
    await tabTo(a, a.getByRole('button', { name: 'New room' }), { backwards: true });
    await a.keyboard.press('Enter');
    await expectFocused(a.getByRole('textbox', { name: 'Room name' }));
    await a.keyboard.type('Harbour');
    await a.keyboard.press('Enter');
    await shownLog(a, 'Harbour');
    // Opening a conversation puts the focus in its composer.
    await expectFocused(composer(a));

    // Copy the invite with the keyboard: it is what the clipboard holds.
    const invite = await a.getByRole('textbox', { name: 'Invite link' }).inputValue();
    await tabTo(a, a.getByRole('button', { name: 'Copy' }), { backwards: true });
    await a.keyboard.press('Enter');
    await a.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await a.evaluate(() => navigator.clipboard.readText())).toBe(invite);

    // A second room, for switching.
    await tabTo(a, a.getByRole('button', { name: 'New room' }), { backwards: true });
    await a.keyboard.press('Enter');
    await expectFocused(a.getByRole('textbox', { name: 'Room name' }));
    await a.keyboard.type('Lighthouse');
    await a.keyboard.press('Enter');
    await shownLog(a, 'Lighthouse');
    await expectFocused(composer(a));

    // Bob opens the invite, signs up by keyboard, and "Join" has the focus: Enter joins.
    const bobContext = await newContext(suite.browser);
    const b = await bobContext.newPage();
    await b.goto(invite);
    await signUpByKeyboard(b, 'kb-bob');
    await expectFocused(b.getByRole('button', { name: 'Join' }));
    await b.keyboard.press('Enter');
    await shownLog(b, 'Harbour');
    await expectFocused(composer(b));
    // Send with Enter: the focus stays in the composer, ready for the next message.
    await b.keyboard.type('Hello from Bob');
    await b.keyboard.press('Enter');
    await messageArticle(b, 'Harbour', 'Hello from Bob').waitFor();
    await expectFocused(composer(b));
    expect(await composer(b).inputValue()).toBe('');

    // Alice, in Lighthouse's composer, jumps to Harbour with Ctrl+K.
    await a.keyboard.press('Control+k');
    await dialog(a, 'Jump to conversation').waitFor();
    await expectFocused(a.getByRole('textbox', { name: 'Conversation' }));
    await a.keyboard.type('harb');
    // Harbour's option says it has Bob's message unread.
    await eventually(() => dialog(a, 'Jump to conversation').getByRole('option').allTextContents()).toEqual([
      'Harbour, 1 unread',
    ]);
    await a.keyboard.press('Enter');
    await shownLog(a, 'Harbour');
    await expect.poll(() => dialog(a, 'Jump to conversation').count()).toBe(0);
    await expectFocused(composer(a));
    await messageArticle(a, 'Harbour', 'Hello from Bob').waitFor();

    // While composing, `?` is text, not a shortcut; Ctrl+/ works anywhere.
    await a.keyboard.type('?');
    expect(await composer(a).inputValue()).toBe('?');
    expect(await dialog(a, 'Keyboard shortcuts').count()).toBe(0);
    await a.keyboard.press('Backspace');
    await a.keyboard.press('Control+/');
    const help = dialog(a, 'Keyboard shortcuts');
    await help.waitFor();
    expect(await help.getByRole('row', { name: /Ctrl \+ K|Ctrl\+K/ }).count()).toBe(1);
    expect(await help.textContent()).toContain('Jump to a conversation');
    await a.keyboard.press('Escape');
    await expect.poll(() => help.count()).toBe(0);
    await expectFocused(composer(a));

    // Outside a text field, `?` opens it; Escape gives the focus back to where it was.
    const copy = a.getByRole('button', { name: /^(Copy|Copied)$/ });
    await tabTo(a, copy, { backwards: true });
    await a.keyboard.press('?');
    await help.waitFor();
    await a.keyboard.press('Escape');
    await expect.poll(() => help.count()).toBe(0);
    await expectFocused(copy);

    await bobContext.close();
    await context.close();
  });

  it('moves between conversations with Alt+↑/↓ and between unread ones with Alt+Shift+↑/↓', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'kb-carol');
    const bob = await signUp(suite.ferry, 'kb-dave');
    const rooms = new Map<string, string>();
    for (const name of ['Alpha', 'Bravo', 'Charlie', 'Delta']) {
      const room = await createRoomViaApi(suite.ferry, alice.cookie, name);
      await joinViaApi(suite.ferry, bob.cookie, room.inviteCode!);
      rooms.set(name, room.id);
    }
    const page = await openOnlineTab(alice.context, suite.ferry);
    const names = async () => (await conversationLabels(page)).map((l) => l.split(',')[0]!);
    await eventually(async () => (await names()).length).toBe(4);
    const order = await names();

    await expectFocused(conversationNav(page));
    const showing = async (name: string) => {
      await shownLog(page, name);
      await expectFocused(composer(page));
    };
    // From the list, ↓ starts at the top; then one by one, stopping at either end.
    await page.keyboard.press('Alt+ArrowDown');
    await showing(order[0]!);
    await page.keyboard.press('Alt+ArrowDown');
    await showing(order[1]!);
    await page.keyboard.press('Alt+ArrowUp');
    await showing(order[0]!);
    await page.keyboard.press('Alt+ArrowUp');
    await showing(order[0]!);

    // Two other rooms get news: they move to the top of the list, unread.
    await sendViaApi(suite.ferry, bob.cookie, rooms.get(order[2]!)!, 'News one');
    await sendViaApi(suite.ferry, bob.cookie, rooms.get(order[3]!)!, 'News two');
    const unreadOnes = async () =>
      (await conversationLabels(page)).filter((l) => l.includes('unread')).map((l) => l.split(',')[0]!);
    await eventually(async () => (await unreadOnes()).length).toBe(2);
    const now = await names();
    const [nearer, farther] = [...(await unreadOnes())].sort((x, y) => now.indexOf(y) - now.indexOf(x));
    expect(now.indexOf(farther!)).toBeLessThan(now.indexOf(order[0]!));

    // Alt+Shift+↑: the nearest unread above, then the next (opening one reads it).
    const news = new Map([
      [order[2]!, 'News one'],
      [order[3]!, 'News two'],
    ]);
    await page.keyboard.press('Alt+Shift+ArrowUp');
    await showing(nearer!);
    await messageArticle(page, nearer!, news.get(nearer!)!).waitFor();
    await page.keyboard.press('Alt+Shift+ArrowUp');
    await showing(farther!);
    await messageArticle(page, farther!, news.get(farther!)!).waitFor();
    await eventually(unreadOnes).toEqual([]);
    // Nothing unread is left below: Alt+Shift+↓ stays; Alt+↓ still moves.
    await page.keyboard.press('Alt+Shift+ArrowDown');
    await page.keyboard.press('Alt+ArrowDown');
    await showing(now[now.indexOf(farther!) + 1]!);
    await alice.context.close();
  });

  it('runs the shortcuts pressed before their code has arrived, in order', async () => {
    // No Service Worker: every request of the tab passes page.route (none served from its cache).
    const frank = await newUser(suite.browser, suite.ferry, 'kb-frank', { serviceWorkers: 'block' });
    await createRoomViaApi(suite.ferry, frank.cookie, 'Slipway');
    const page = await frank.context.newPage();
    // The shortcuts' chunk is held until the keys were pressed: they must wait for it, not be lost.
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let asked = false;
    await page.route(/\/assets\/KeyboardShortcuts-[^/]*\.js$/, async (route) => {
      asked = true;
      await released;
      await route.continue();
    });
    await page.goto(suite.ferry.url + '/');
    await conversationLink(page, 'Slipway').waitFor();
    await page.keyboard.press('Alt+ArrowDown');
    await page.keyboard.press('Control+k');
    // A held key asks for the code at once (it would at idle anyway): only then is it let through.
    await eventually(() => asked).toBe(true);
    expect(await dialog(page, 'Jump to conversation').count()).toBe(0);
    release();
    // Alt+↓ opened the conversation, then Ctrl+K opened the switcher over it.
    await shownLog(page, 'Slipway');
    await dialog(page, 'Jump to conversation').waitFor();
    await frank.context.close();
  });

  it('gives the focus back on Escape, and keeps it inside an open dialog', async () => {
    const carol = await newUser(suite.browser, suite.ferry, 'kb-erin');
    const room = await createRoomViaApi(suite.ferry, carol.cookie, 'Quay');
    const page = await openOnlineTab(carol.context, suite.ferry, `/c/${room.id}`);
    await shownLog(page, 'Quay');
    await expectFocused(composer(page));

    // A panel: "New room" opens its form at "Room name"; Escape closes it, back on "New room".
    const newRoom = page.getByRole('button', { name: 'New room' });
    await tabTo(page, newRoom, { backwards: true });
    await page.keyboard.press('Enter');
    await expectFocused(page.getByRole('textbox', { name: 'Room name' }));
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('textbox', { name: 'Room name' }).count()).toBe(0);
    await expectFocused(newRoom);

    // The member list: Escape closes it, back on "Members".
    const members = page.getByRole('button', { name: /^Members/ });
    await tabTo(page, members);
    await page.keyboard.press('Enter');
    await page.getByRole('list', { name: 'Members' }).waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('list', { name: 'Members' }).count()).toBe(0);
    await expectFocused(members);

    // A dialog: Tab and Shift+Tab stay inside it; Escape closes it, back on the opener.
    await page.keyboard.press('Control+k');
    const jump = dialog(page, 'Jump to conversation');
    await jump.waitFor();
    for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      expect(await focusInDialog(page)).toBe(true);
    }
    await page.keyboard.press('Escape');
    await expect.poll(() => jump.count()).toBe(0);
    await expectFocused(members);

    // The shortcuts also have a button of their own, for those who do not know the keys yet.
    const helpButton = page.getByRole('button', { name: 'Keyboard shortcuts' });
    await tabTo(page, helpButton, { backwards: true });
    await page.keyboard.press('Enter');
    await dialog(page, 'Keyboard shortcuts').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog(page, 'Keyboard shortcuts').count()).toBe(0);
    await expectFocused(helpButton);
    await tabTo(page, members);

    // Arrows choose in the switcher; Enter opens the chosen one, and its composer has the focus.
    await page.keyboard.press('Control+k');
    await jump.waitFor();
    const options = jump.getByRole('option');
    await eventually(() => options.count()).toBe(1);
    expect(await options.first().getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => jump.count()).toBe(0);
    await expectFocused(composer(page));
    await carol.context.close();
  });
});
