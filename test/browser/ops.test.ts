/**
 * Actions on messages, as people use them: reply (with a link back to the original), edit (menu
 * and Up arrow), delete for everyone (after a dialog), reactions, the "More actions" menu with the
 * keyboard, an edit made offline shown Queued until it is sent, the typing notice ending with the
 * message, and axe-core over a conversation holding all of it. Each test makes its own two users
 * and room, so any one can run (or be retried) alone.
 */
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { messagesPath, TYPING_TTL_MS, type SendResult } from '../../contract/index';
import {
  api,
  axeViolations,
  conversationLink,
  eventually,
  expectFocused,
  ferrySuite,
  messageArticle,
  newUser,
  openOnlineTab,
  sendViaApi,
  serverMessages,
  sharedRoom,
  shownLog,
  waitForText,
  waitOffline,
  waitOnline,
  type BrowserUser,
  type FerrySuite,
} from './support/index';

const suite = ferrySuite();
// A test that failed while the server was down must not take the next ones with it.
beforeEach(async () => {
  if (!suite.ferry.running) await suite.ferry.restart();
});

const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const menuItems = (page: Page) => page.getByRole('menu').getByRole('menuitem');

interface Pair {
  alice: BrowserUser;
  bob: BrowserUser;
  roomId: string;
  room: string;
  /** Alice's and Bob's tabs, each on the room. */
  a: Page;
  b: Page;
}

/** Two users in a fresh room, with messages sent before the tabs open; both tabs show the room. */
async function pair(
  tag: string,
  before: (p: Omit<Pair, 'a' | 'b'>) => Promise<void> = async () => {},
  {
    bypassCSP = false,
    bobTab = true,
    colorScheme = 'light',
  }: { bypassCSP?: boolean; bobTab?: boolean; colorScheme?: 'light' | 'dark' } = {},
  on: FerrySuite = suite,
): Promise<Pair & { bobTab: boolean }> {
  const id = randomUUID().slice(0, 6);
  const alice = await newUser(on.browser, on.ferry, `${tag}-a-${id}`, { bypassCSP, colorScheme });
  const bob = await newUser(on.browser, on.ferry, `${tag}-b-${id}`);
  const room = `Quay ${tag}`;
  const { id: roomId } = await sharedRoom(on.ferry, alice, bob, room);
  await before({ alice, bob, roomId, room });
  const a = await openOnlineTab(alice.context, on.ferry, `/c/${roomId}`);
  await shownLog(a, room);
  const b = bobTab ? await openOnlineTab(bob.context, on.ferry, `/c/${roomId}`) : a;
  if (bobTab) await shownLog(b, room);
  return { alice, bob, roomId, room, a, b, bobTab };
}

async function close(p: Pair): Promise<void> {
  await p.alice.context.close();
  await p.bob.context.close();
}

/** Appends an entry of any kind over HTTP as the user of `cookie`; returns the stored entry's id. */
async function post(p: Pair | Omit<Pair, 'a' | 'b'>, cookie: string, body: object): Promise<string> {
  const id = randomUUID();
  const res = await api<SendResult>(
    suite.ferry,
    'POST',
    messagesPath(p.roomId),
    { id, typedAt: Date.now(), ...body },
    cookie,
  );
  if (!res.body.ok) throw new Error(`post failed: ${JSON.stringify(res.body.error)}`);
  return id;
}

/** Opens a message's "More actions" menu with a click. */
async function openMenu(article: Locator): Promise<void> {
  await article.getByRole('button', { name: 'More actions' }).click();
  await article.page().getByRole('menu').waitFor();
}

describe('message actions', () => {
  it('replies: Cancel reply drops the quote; the reply links to the original and the link scrolls to it', async () => {
    const p = await pair('rep', async (q) => {
      await sendViaApi(suite.ferry, q.bob.cookie, q.roomId, 'Lunch at noon?');
      // Enough messages after it that the original is out of view at the bottom of the log.
      for (let i = 0; i < 30; i++) await sendViaApi(suite.ferry, q.bob.cookie, q.roomId, `filler ${i}`);
    });
    await messageArticle(p.a, p.room, 'filler 29').waitFor();
    const original = messageArticle(p.a, p.room, 'Lunch at noon?');
    await openMenu(original);
    await p.a.getByRole('menuitem', { name: 'Reply' }).click();
    // The quote shows above the composer, and the keyboard is in the composer.
    const cancelReply = p.a.getByRole('button', { name: 'Cancel reply' });
    await cancelReply.waitFor();
    await expectFocused(composer(p.a));
    await cancelReply.click();
    await eventually(() => cancelReply.count()).toBe(0);

    await openMenu(original);
    await p.a.getByRole('menuitem', { name: 'Reply' }).click();
    await composer(p.a).fill('Yes, see you there');
    await composer(p.a).press('Enter');
    await eventually(() => cancelReply.count()).toBe(0);

    // Bob, at the bottom of the log, follows the link up to his message.
    const link = messageArticle(p.b, p.room, 'Yes, see you there').getByRole('link', {
      name: `Reply to ${p.bob.username}`,
      exact: true,
    });
    await link.waitFor();
    const bobsOriginal = messageArticle(p.b, p.room, 'Lunch at noon?').first();
    await eventually(() => inView(bobsOriginal)).toBe(false);
    await link.click();
    await expectFocused(bobsOriginal);
    await eventually(() => inView(bobsOriginal)).toBe(true);
    await close(p);
  });

  it('edits through More actions → Edit → Save: the other person sees the new text and "edited"', async () => {
    const p = await pair('edit', async (q) => {
      await sendViaApi(suite.ferry, q.alice.cookie, q.roomId, 'Meet at five');
    });
    await openMenu(messageArticle(p.a, p.room, 'Meet at five'));
    await p.a.getByRole('menuitem', { name: 'Edit' }).click();
    await eventually(() => composer(p.a).inputValue()).toBe('Meet at five');
    await expectFocused(composer(p.a));
    await composer(p.a).fill('Meet at six');
    await p.a.getByRole('button', { name: 'Save' }).click();
    // Back to a new message: "Send" again, the box empty.
    await p.a.getByRole('button', { name: 'Send' }).waitFor();
    expect(await composer(p.a).inputValue()).toBe('');

    const seen = messageArticle(p.b, p.room, 'Meet at six');
    await waitForText(seen, 'edited');
    expect(await messageArticle(p.b, p.room, 'Meet at five').count()).toBe(0);
    await close(p);
  });

  it('Up arrow in an empty composer edits my last message, and Escape cancels the edit', async () => {
    const p = await pair(
      'up',
      async (q) => {
        await sendViaApi(suite.ferry, q.alice.cookie, q.roomId, 'first of mine');
        await sendViaApi(suite.ferry, q.alice.cookie, q.roomId, 'last of mine');
        await sendViaApi(suite.ferry, q.bob.cookie, q.roomId, 'from bob');
      },
      { bobTab: false },
    );
    await messageArticle(p.a, p.room, 'from bob').waitFor();
    await composer(p.a).focus();
    await p.a.keyboard.press('ArrowUp');
    await eventually(() => composer(p.a).inputValue()).toBe('last of mine');
    await p.a.getByRole('button', { name: 'Save' }).waitFor();
    await p.a.getByRole('button', { name: 'Cancel' }).waitFor();

    await p.a.keyboard.press('Escape');
    await eventually(() => composer(p.a).inputValue()).toBe('');
    await p.a.getByRole('button', { name: 'Send' }).waitFor();
    expect(await p.a.getByRole('button', { name: 'Save' }).count()).toBe(0);
    await expectFocused(composer(p.a));
    expect(await messageArticle(p.a, p.room, 'last of mine').textContent()).not.toContain('edited');
    await close(p);
  });

  it('deletes for everyone after "Delete for everyone?": both see "Message deleted"', async () => {
    const p = await pair('del', async (q) => {
      await sendViaApi(suite.ferry, q.alice.cookie, q.roomId, 'Wrong room, sorry');
    });
    const mine = messageArticle(p.a, p.room, 'Wrong room, sorry');
    await openMenu(mine);
    await p.a.getByRole('menuitem', { name: 'Delete' }).click();
    const dialog = p.a.getByRole('dialog', { name: 'Delete for everyone?' });
    await dialog.getByRole('button', { name: 'Cancel' }).waitFor();
    await dialog.getByRole('button', { name: 'Delete' }).click();

    for (const page of [p.a, p.b]) {
      const deleted = page
        .getByRole('log', { name: p.room })
        .getByRole('article', { name: new RegExp(`^${p.alice.username} Message deleted`) });
      await deleted.waitFor();
      expect(await deleted.getByRole('button', { name: 'More actions' }).count()).toBe(0);
      expect(await messageArticle(page, p.room, 'Wrong room, sorry').count()).toBe(0);
    }
    await close(p);
  });

  it('reacts with 👍 from the React menu; pressing "👍 1" again takes it back', async () => {
    const p = await pair('react', async (q) => {
      await sendViaApi(suite.ferry, q.bob.cookie, q.roomId, 'Boat is in');
    });
    const onA = messageArticle(p.a, p.room, 'Boat is in');
    await openMenu(onA);
    await p.a.getByRole('menuitem', { name: 'React' }).click();
    await onA.getByRole('button', { name: '👍', exact: true }).click();

    const mineOnA = onA.getByRole('button', { name: '👍 1', exact: true });
    await eventually(() => mineOnA.getAttribute('aria-pressed')).toBe('true');
    const onB = messageArticle(p.b, p.room, 'Boat is in').getByRole('button', { name: '👍 1', exact: true });
    await eventually(() => onB.getAttribute('aria-pressed')).toBe('false');

    await mineOnA.click();
    await eventually(() => mineOnA.count()).toBe(0);
    await eventually(() => onB.count()).toBe(0);
    await close(p);
  });

  it('the menu works with the keyboard, and offers no Edit or Delete on someone else’s message', async () => {
    const p = await pair(
      'menu',
      async (q) => {
        await sendViaApi(suite.ferry, q.bob.cookie, q.roomId, 'Not yours to edit');
        await sendViaApi(suite.ferry, q.alice.cookie, q.roomId, 'Mine to edit');
      },
      { bobTab: false },
    );
    const theirs = messageArticle(p.a, p.room, 'Not yours to edit');
    const button = theirs.getByRole('button', { name: 'More actions' });
    await button.focus();
    await p.a.keyboard.press('Enter');
    await eventually(() => menuItems(p.a).allTextContents()).toEqual(['Reply', 'React']);
    await expectFocused(p.a.getByRole('menuitem', { name: 'Reply' }));
    await p.a.keyboard.press('ArrowDown');
    await expectFocused(p.a.getByRole('menuitem', { name: 'React' }));
    await p.a.keyboard.press('ArrowDown');
    await expectFocused(p.a.getByRole('menuitem', { name: 'Reply' }));
    await p.a.keyboard.press('Escape');
    await eventually(() => p.a.getByRole('menu').count()).toBe(0);
    await expectFocused(button);

    // Space opens too; my own message has all four.
    const mineButton = messageArticle(p.a, p.room, 'Mine to edit').getByRole('button', {
      name: 'More actions',
    });
    await mineButton.focus();
    await p.a.keyboard.press('Space');
    await eventually(() => menuItems(p.a).allTextContents()).toEqual(['Reply', 'Edit', 'Delete', 'React']);
    await p.a.keyboard.press('Escape');
    await expectFocused(mineButton);
    await close(p);
  });

  it('"is typing…" ends as soon as the typist’s message arrives', async () => {
    const p = await pair('typ');
    const indicator = p.a.locator('.typing');
    // Bob types here, and his message comes from his other device: this browser never says he
    // stopped, so only the message can end "typing" before the notice expires.
    await composer(p.b).pressSequentially('On my');
    await waitForText(indicator, `${p.bob.username} is typing…`);
    const seenAt = Date.now();
    await sendViaApi(suite.ferry, p.bob.cookie, p.roomId, 'On my way');
    await messageArticle(p.a, p.room, 'On my way').waitFor();
    // Cleared while the notice was still alive (TYPING_TTL_MS after it was seen): not an expiry.
    const alive = TYPING_TTL_MS - (Date.now() - seenAt) - 500;
    expect(alive, 'the message took longer than the typing notice lives').toBeGreaterThan(0);
    await eventually(() => indicator.textContent(), alive).toBe('');
    await close(p);
  });
});

describe('an edit made offline', () => {
  it('shows the new text with "Queued" until it is sent, then the Queued goes', async () => {
    const p = await pair(
      'off',
      async (q) => {
        await sendViaApi(suite.ferry, q.alice.cookie, q.roomId, 'Ferry leaves at 9');
      },
      { bobTab: false },
    );
    await messageArticle(p.a, p.room, 'Ferry leaves at 9').waitFor();
    // Offline for real: no network, and the server gone (which cuts the hub's socket).
    await p.alice.context.setOffline(true);
    await suite.ferry.kill();
    await waitOffline(p.a);

    await openMenu(messageArticle(p.a, p.room, 'Ferry leaves at 9'));
    await p.a.getByRole('menuitem', { name: 'Edit' }).click();
    await composer(p.a).fill('Ferry leaves at 10');
    await p.a.getByRole('button', { name: 'Save' }).click();
    const edited = messageArticle(p.a, p.room, 'Ferry leaves at 10');
    await waitForText(edited, 'Queued');
    await waitForText(edited, 'edited');

    await suite.ferry.restart();
    await p.alice.context.setOffline(false);
    await waitOnline(p.a);
    await eventually(async () => (await edited.textContent()) ?? '', 30_000).not.toContain('Queued');
    const stored = await serverMessages(suite.ferry, p.bob.cookie, p.roomId);
    expect(stored.find((m) => m.kind === 'message')?.text).toBe('Ferry leaves at 10');
    await close(p);
  });
});

describe('an operation the server refuses', () => {
  // An edit window of 1.8 s: a message is past it by the time the tabs are open.
  const EDIT_WINDOW_HOURS = 0.0005;
  const late = ferrySuite({ env: { EDIT_WINDOW_HOURS: String(EDIT_WINDOW_HOURS) } });

  it('shows Failed with the reason, Retry and Delete on its message; Delete discards it', async () => {
    let closesAt = 0;
    const p = await pair(
      'late',
      async (q) => {
        const sent = await sendViaApi(late.ferry, q.alice.cookie, q.roomId, 'Dock 4');
        closesAt = sent.message.createdAt + EDIT_WINDOW_HOURS * 3_600_000;
      },
      { bobTab: false },
      late,
    );
    await eventually(() => Date.now() > closesAt + 100).toBe(true);
    await openMenu(messageArticle(p.a, p.room, 'Dock 4'));
    await p.a.getByRole('menuitem', { name: 'Edit' }).click();
    await composer(p.a).fill('Dock 5');
    await p.a.getByRole('button', { name: 'Save' }).click();

    const refused = messageArticle(p.a, p.room, 'Dock 5');
    await waitForText(refused, /Failed: /);
    await refused.getByRole('button', { name: 'Retry' }).waitFor();
    await refused.getByRole('button', { name: 'Delete', exact: true }).click();
    // Discarded: the message shows what the server holds, with nothing pending.
    const kept = messageArticle(p.a, p.room, 'Dock 4');
    await kept.waitFor();
    await eventually(async () => (await kept.textContent()) ?? '').not.toMatch(/Failed|edited/);
    await close(p);
  });
});

describe('accessibility', () => {
  it.each(['light', 'dark'] as const)(
    'axe finds nothing in a conversation with a reply, an edit, a deletion and reactions, nor in the open menu (%s theme)',
    async (colorScheme) => {
      const p = await pair(
        `axe-${colorScheme}`,
        async (q) => {
          const first = await post(q, q.bob.cookie, { kind: 'message', text: 'Tide is high' });
          await post(q, q.alice.cookie, { kind: 'message', text: 'Then we wait', replyTo: first });
          const typo = await post(q, q.alice.cookie, { kind: 'message', text: 'Leaving at 8' });
          await post(q, q.alice.cookie, { kind: 'edit', targetId: typo, text: 'Leaving at 9' });
          const gone = await post(q, q.bob.cookie, { kind: 'message', text: 'Never mind' });
          await post(q, q.bob.cookie, { kind: 'delete', targetId: gone });
          await post(q, q.bob.cookie, { kind: 'reaction', targetId: typo, emoji: '👍', on: true });
          await post(q, q.alice.cookie, { kind: 'reaction', targetId: first, emoji: '❤️', on: true });
        },
        { bypassCSP: true, bobTab: false, colorScheme },
      );
      await messageArticle(p.a, p.room, 'Leaving at 9').getByText('edited').waitFor();
      await messageArticle(p.a, p.room, 'Then we wait')
        .getByRole('link', { name: /^Reply to / })
        .waitFor();
      await p.a.getByRole('article', { name: /Message deleted/ }).waitFor();
      await p.a.getByRole('button', { name: '👍 1', exact: true }).waitFor();
      await p.a.getByRole('button', { name: '❤️ 1', exact: true }).waitFor();
      await expectAccessible(p.a, 'conversation');

      await openMenu(messageArticle(p.a, p.room, 'Leaving at 9'));
      await expectAccessible(p.a, 'open menu');
      await close(p);
    },
  );

  it('a conversation link’s name contains its visible text, starts with the name and says "1 unread"', async () => {
    const p = await pair('link', async () => {}, { bypassCSP: true, bobTab: false });
    // Alice on the home screen (an open conversation is read at once); Bob writes.
    await p.a.goto(suite.ferry.url + '/');
    await waitOnline(p.a);
    await sendViaApi(suite.ferry, p.bob.cookie, p.roomId, 'Anyone there?');
    const link = conversationLink(p.a, p.room);
    await eventually(async () => (await link.ariaSnapshot()).split('\n')[0]).toBe(
      `- link "${p.room}, 1 unread":`,
    );
    // What the link shows is in its name.
    const visible = (await link.innerText()).trim();
    expect(visible).toBe(p.room);
    const violations = await axeViolations(p.a, {
      rules: { 'label-content-name-mismatch': { enabled: true } },
    });
    expect(violations.filter((v) => v.id === 'label-content-name-mismatch')).toEqual([]);
    await close(p);
  });
});

/** Fails with every violation axe finds on the page as it is now, named by `screen`. */
async function expectAccessible(page: Page, screen: string): Promise<void> {
  const violations = await axeViolations(page, {
    rules: { 'label-content-name-mismatch': { enabled: true } },
  });
  const report = violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`);
  expect(report, `axe on ${screen}`).toEqual([]);
}

/** True when the element is within its scroller's visible area. */
function inView(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => {
    const scroller = el.closest('.log-scroll')!;
    const a = el.getBoundingClientRect();
    const s = scroller.getBoundingClientRect();
    return a.bottom > s.top && a.top < s.bottom;
  });
}
