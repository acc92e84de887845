/**
 * Markup and script payloads in messages and room names are shown as text, in the list,
 * the header, the log and the tab title, and no script from them ever runs.
 */
import { describe, expect, it } from 'vitest';
import {
  conversationLabels,
  conversationNav,
  createRoom,
  eventually,
  ferrySuite,
  inviteCode,
  joinViaApi,
  messageArticle,
  messageLog,
  messageTexts,
  newUser,
  openOnlineTab,
  sendMessage,
  sendViaApi,
  signUp,
} from './support/index';

const suite = ferrySuite();

// Each payload would set window.__pwned if it were ever parsed as HTML or run.
const ROOM = '<img src=x onerror="window.__pwned=1">Room';
const PAYLOADS = [
  '<script>window.__pwned=2</script>',
  '<img src=x onerror="window.__pwned=3">',
  '"><svg onload="window.__pwned=4"></svg>',
  '<b>not bold</b> &amp; <i>not italic</i>',
  '<a href="javascript:window.__pwned=5">click</a>',
];

describe('markup in messages and names', () => {
  it('renders markup and script payloads as text and runs none of them', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'alice');
    const mallory = await signUp(suite.ferry, 'mallory');
    const page = await openOnlineTab(alice.context, suite.ferry);

    await createRoom(page, ROOM);
    const room = await joinViaApi(suite.ferry, mallory.cookie, await inviteCode(page));
    // From the other person (rendered from the server's copy) and typed here (from the outbox).
    for (const text of PAYLOADS) await sendViaApi(suite.ferry, mallory.cookie, room.id, text);
    await sendMessage(page, PAYLOADS[0]!);
    await messageArticle(page, ROOM, PAYLOADS[4]!).waitFor();

    await eventually(() => messageTexts(page, ROOM)).toEqual([...PAYLOADS, PAYLOADS[0]]);
    // The room's name, exactly as typed, in the list, the header and the log's name.
    // Once everything shown is marked read (a moment after the last message lands), the label is
    // the name alone.
    await eventually(() => conversationLabels(page)).toEqual([ROOM]);
    expect(await conversationNav(page).getByRole('link').first().textContent()).toContain(ROOM);
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe(ROOM);
    await messageLog(page, ROOM).waitFor();

    // No element came from the payloads, and nothing ran.
    const injected = await page.evaluate(() => ({
      pwned: (window as { __pwned?: number }).__pwned ?? null,
      elements: document.querySelectorAll(
        '#app img, #app script, #app svg, #app b, #app i, #app a[href^="javascript"]',
      ).length,
    }));
    expect(injected).toEqual({ pwned: null, elements: 0 });
    await alice.context.close();
  });
});
