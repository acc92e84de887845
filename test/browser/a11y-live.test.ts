/**
 * What a screen reader says without being asked (support/announcements.ts records every text that
 * reaches a live region): a new message once; nothing for Sent → Delivered → Read; nothing for
 * hundreds of messages caught up after a reconnect; a lost and a regained connection once each.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ClientEvent, ServerEvent, type Message } from '../../contract/index';
import {
  announcements,
  eventually,
  ferrySuite,
  messageArticle,
  newUser,
  openOnlineTab,
  ownMessageStatus,
  recordAnnouncements,
  sendMessage,
  sendViaApi,
  sharedRoom,
  signUp,
  waitForText,
  waitOffline,
  waitOnline,
} from './support/index';

/** Enough sends for a catch-up of hundreds of messages without meeting the rate limit. */
const suite = ferrySuite({ env: { SEND_RATE_PER_SECOND: '1000', SEND_BURST: '1000' } });
const CAUGHT_UP = 300;

const said = (page: Page, pattern: RegExp) =>
  announcements(page).then((all) => all.filter((a) => pattern.test(a)));

describe('live announcements', () => {
  it('says a new message once, in any conversation, and never a status change', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'live-alice');
    const bob = await newUser(suite.browser, suite.ferry, 'live-bob');
    const room = await sharedRoom(suite.ferry, alice, bob, 'Harbour');
    const other = await sharedRoom(suite.ferry, alice, bob, 'Lighthouse');
    const page = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    await recordAnnouncements(page);

    await sendViaApi(suite.ferry, bob.cookie, room.id, 'Ahoy there');
    await messageArticle(page, 'Harbour', 'Ahoy there').waitFor();
    await eventually(() => said(page, /Ahoy there/)).toEqual([`${bob.user.username} in Harbour: Ahoy there`]);
    // Elsewhere too, named by its conversation.
    await sendViaApi(suite.ferry, bob.cookie, other.id, 'Over here');
    await eventually(() => said(page, /Over here/)).toEqual([
      `${bob.user.username} in Lighthouse: Over here`,
    ]);

    // My own message goes Sent → Delivered → Read (Bob opens the room): none of it is said.
    await sendMessage(page, 'On my way');
    const b = await openOnlineTab(bob.context, suite.ferry, `/c/${room.id}`);
    await waitForText(ownMessageStatus(page, 'Harbour', 'On my way'), /^Read$/);
    // A last message proves the recording is up to date before looking at what was not said.
    await sendViaApi(suite.ferry, bob.cookie, room.id, 'See you');
    await eventually(() => said(page, /See you/)).toHaveLength(1);
    const all = await announcements(page);
    expect(all.filter((a) => /Ahoy there/.test(a))).toHaveLength(1);
    expect(all.filter((a) => /^(Queued|Sent|Delivered|Read)\b|On my way/.test(a))).toEqual([]);
    await b.close();
    await alice.context.close();
    await bob.context.close();
  });

  it('says a live message that a catch-up running at the same time already stored', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'race-alice');
    const bob = await signUp(suite.ferry, 'race-bob');
    const room = await sharedRoom(suite.ferry, alice, bob, 'Jetty');
    const page = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    await recordAnnouncements(page);

    // Kept out while Bob writes, the hub has a message to catch up when it is let back in. On that
    // connection, hold its first catch-up request until the server has sent it a live message: the
    // catch-up then stores it before the live copy is handled.
    let refusing = true;
    let holding = true;
    const held: (() => void)[] = [];
    const liveSent: string[] = [];
    suite.ferry.app.io.use((socket, next) => {
      if (refusing) return next(new Error('refused by the test'));
      if (!holding) return next();
      socket.onAnyOutgoing((event: string, message: Message) => {
        if (event === ServerEvent.message) liveSent.push(message.text);
      });
      // The server answers every event from one onAny listener (registered after this): wrap it.
      const onAny = socket.onAny.bind(socket);
      socket.onAny = (listener) =>
        onAny((event: string, ...args: unknown[]) => {
          if (holding && event === ClientEvent.messagesAfter) held.push(() => listener(event, ...args));
          else listener(event, ...args);
        });
      next();
    });
    for (const socket of suite.ferry.app.io.of('/').sockets.values()) socket.conn.close();
    await waitOffline(page);
    await sendViaApi(suite.ferry, bob.cookie, room.id, 'While away');
    refusing = false;
    await eventually(() => held.length, 60_000).toBeGreaterThan(0);
    await sendViaApi(suite.ferry, bob.cookie, room.id, 'Just in time');
    await eventually(() => liveSent).toContain('Just in time');
    holding = false;
    for (const release of held.splice(0)) release();

    await messageArticle(page, 'Jetty', 'Just in time').waitFor();
    await eventually(() => said(page, /Just in time/)).toEqual([
      `${bob.user.username} in Jetty: Just in time`,
    ]);
    await alice.context.close();
  });

  it('stays quiet through a catch-up of hundreds of messages, and says the connection change once each way', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'live-carol');
    const bob = await signUp(suite.ferry, 'live-dave');
    const room = await sharedRoom(suite.ferry, alice, bob, 'Quay');
    const page = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    await recordAnnouncements(page);

    // Cut the connection and keep the browser out (its reconnects are refused), while Bob writes.
    let refusing = true;
    suite.ferry.app.io.use((_socket, next) => (refusing ? next(new Error('refused by the test')) : next()));
    for (const socket of suite.ferry.app.io.of('/').sockets.values()) socket.conn.close();
    await waitOffline(page);
    for (let i = 1; i <= CAUGHT_UP; i++) await sendViaApi(suite.ferry, bob.cookie, room.id, `Catch-up ${i}`);

    refusing = false;
    await waitOnline(page, 60_000);
    await messageArticle(page, 'Quay', `Catch-up ${CAUGHT_UP}`).waitFor();
    // A live message after the catch-up: said on its own, so nothing was gathered with it.
    await sendViaApi(suite.ferry, bob.cookie, room.id, 'Back to normal');
    await eventually(() => said(page, /Back to normal/)).toEqual([
      `${bob.user.username} in Quay: Back to normal`,
    ]);

    const all = await announcements(page);
    expect(all.filter((a) => /Catch-up|new messages/.test(a))).toEqual([]);
    expect(all.filter((a) => /^(Offline|Connecting)/.test(a))).toHaveLength(1);
    expect(all.filter((a) => a === 'Online')).toHaveLength(1);
    await alice.context.close();
  });
});
