/**
 * axe-core over every screen (sign-in, the conversation list, a conversation with its panels, the
 * invite page, both dialogs), in the light and the dark theme, with no violations; and a visible
 * focus ring on every control reached with Tab, at least 3:1 against the colours next to it.
 */
import { describe, expect, it } from 'vitest';
import type { BrowserContextOptions, Page } from 'playwright-core';
import {
  axeViolations,
  createRoomViaApi,
  expectFocused,
  ferrySuite,
  joinViaApi,
  messageArticle,
  newContext,
  newUser,
  openOnlineTab,
  openTab,
  ownMessageStatus,
  ringsAlongTab,
  type FocusRing,
  sendMessage,
  sendViaApi,
  shownLog,
  signUp,
  waitForText,
} from './support/index';

const suite = ferrySuite();

type Scheme = 'light' | 'dark';
const SCHEMES: Scheme[] = ['light', 'dark'];
/** axe is injected as a script: Ferry's CSP would refuse it. */
const options = (colorScheme: Scheme): BrowserContextOptions => ({
  colorScheme,
  bypassCSP: true,
  viewport: { width: 1280, height: 800 },
});

/** Fails with every violation axe finds on the page as it is now, named by `screen`. */
async function expectAccessible(page: Page, screen: string): Promise<void> {
  const violations = await axeViolations(page);
  const report = violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`);
  expect(report, `axe on ${screen}`).toEqual([]);
}

describe.each(SCHEMES)('axe-core, %s theme', (scheme) => {
  it('finds nothing on the sign-in screen', async () => {
    const context = await newContext(suite.browser, options(scheme));
    const page = await openTab(context, suite.ferry);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await expectAccessible(page, 'sign-in');
    await context.close();
  });

  it('finds nothing on the list, a conversation, its panels, the invite page and the dialogs', async () => {
    const alice = await newUser(suite.browser, suite.ferry, `ax-alice-${scheme}`, options(scheme));
    const bob = await newUser(suite.browser, suite.ferry, `ax-bob-${scheme}`);
    const carol = await signUp(suite.ferry, `ax-carol-${scheme}`);
    const room = await createRoomViaApi(suite.ferry, alice.cookie, 'Harbour');
    await joinViaApi(suite.ferry, bob.cookie, room.inviteCode!);
    const quiet = await createRoomViaApi(suite.ferry, alice.cookie, 'Quiet room');
    await joinViaApi(suite.ferry, bob.cookie, quiet.inviteCode!);
    const elsewhere = await createRoomViaApi(suite.ferry, carol.cookie, 'Elsewhere');
    await sendViaApi(suite.ferry, bob.cookie, room.id, 'The ferry leaves at six');
    await sendViaApi(suite.ferry, bob.cookie, quiet.id, 'Unread over here');

    // The conversation list, with an unread conversation and previews.
    const page = await openOnlineTab(alice.context, suite.ferry);
    await page.getByText('Unread over here').waitFor();
    await expectAccessible(page, 'the conversation list');

    // A conversation with someone else's message and my own with its status.
    await page.goto(`${suite.ferry.url}/c/${room.id}`);
    await shownLog(page, 'Harbour');
    await messageArticle(page, 'Harbour', 'leaves at six').waitFor();
    await sendMessage(page, 'I will be there');
    // Bob reads it: "Read" is shown too.
    await openOnlineTab(bob.context, suite.ferry, `/c/${room.id}`);
    await waitForText(ownMessageStatus(page, 'Harbour', 'I will be there'), /^Read$/);
    await bob.context.close();
    await expectAccessible(page, 'a conversation');

    // Its panels: the member list and the "New room" form.
    await page.getByRole('button', { name: /^Members/ }).press('Enter');
    await page.getByRole('list', { name: 'Members' }).waitFor();
    await page.getByRole('button', { name: 'New room' }).press('Enter');
    await expectFocused(page.getByRole('textbox', { name: 'Room name' }));
    await expectAccessible(page, 'a conversation with its panels open');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');

    // The dialogs.
    await page.keyboard.press('Control+k');
    await page.getByRole('dialog', { name: 'Jump to conversation' }).waitFor();
    await expectAccessible(page, 'the "Jump to conversation" dialog');
    await page.keyboard.type('zzz');
    await page.getByText('No conversation matches.').waitFor();
    await expectAccessible(page, 'the "Jump to conversation" dialog with no match');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+/');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await expectAccessible(page, 'the "Keyboard shortcuts" dialog');
    await page.keyboard.press('Escape');

    // An invite to a room one is not in yet.
    await page.goto(`${suite.ferry.url}/join/${elsewhere.inviteCode!}`);
    await page.getByRole('button', { name: 'Join' }).waitFor();
    await expectAccessible(page, 'the invite page');
    await alice.context.close();
  });
});

/** Rings that are not drawn, too thin, clipped, or under 3:1 against a neighbouring colour. */
function badRings(rings: FocusRing[]): FocusRing[] {
  return rings.filter(
    (r) => !r.focusVisible || r.widthPx < 2 || r.clippedBy.length > 0 || r.contrasts.some((c) => c < 3),
  );
}

describe.each(SCHEMES)('focus ring, %s theme', (scheme) => {
  it('shows on every control reached with Tab, unclipped, at 3:1 or more', async () => {
    const signedOut = await newContext(suite.browser, options(scheme));
    const signIn = await openTab(signedOut, suite.ferry);
    await signIn.getByRole('button', { name: 'Sign in' }).waitFor();
    const signInRings = await ringsAlongTab(signIn);
    expect(signInRings.length).toBeGreaterThanOrEqual(4);
    expect(badRings(signInRings)).toEqual([]);
    await signedOut.close();

    const alice = await newUser(suite.browser, suite.ferry, `ring-alice-${scheme}`, options(scheme));
    const bob = await signUp(suite.ferry, `ring-bob-${scheme}`);
    const room = await createRoomViaApi(suite.ferry, alice.cookie, 'Harbour');
    await joinViaApi(suite.ferry, bob.cookie, room.inviteCode!);
    await createRoomViaApi(suite.ferry, alice.cookie, 'Quay');
    await sendViaApi(suite.ferry, bob.cookie, room.id, 'Morning');
    const page = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    await messageArticle(page, 'Harbour', 'Morning').waitFor();
    await page.getByRole('button', { name: /^Members/ }).press('Enter');
    await page.getByRole('list', { name: 'Members' }).waitFor();
    const rings = await ringsAlongTab(page);
    // The list's links, the panel's buttons, the invite, the log and the composer all took part.
    const names = rings.map((r) => r.element).join('\n');
    for (const part of ['"Harbour"', '"Quay"', '"New room"', '"Copy"', 'textarea'])
      expect(names).toContain(part);
    expect(badRings(rings)).toEqual([]);

    await page.keyboard.press('Control+k');
    await page.getByRole('dialog', { name: 'Jump to conversation' }).waitFor();
    const dialogRings = await ringsAlongTab(page);
    expect(dialogRings.length).toBeGreaterThanOrEqual(2);
    expect(badRings(dialogRings)).toEqual([]);
    await alice.context.close();
  });
});
