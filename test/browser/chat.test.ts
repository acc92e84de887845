/**
 * Two users in two browser contexts chat both ways, and the receipts of their own messages
 * turn to Delivered (the other browser stored it) and then Read (the other person opened it).
 */
import { describe, expect, it } from 'vitest';
import {
  conversationLabels,
  eventually,
  createRoom,
  ferrySuite,
  inviteLink,
  joinByInvite,
  messageLog,
  newUser,
  openConversation,
  openOnlineTab,
  ownMessageStatus,
  sendMessage,
  waitForText,
  waitOnline,
} from './support/index';

const suite = ferrySuite();

describe('two people chatting', () => {
  it('delivers messages both ways and turns receipts to Delivered, then Read', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'alice');
    const bob = await newUser(suite.browser, suite.ferry, 'bob');
    const a = await openOnlineTab(alice.context, suite.ferry);
    const b = await openOnlineTab(bob.context, suite.ferry);

    // Alice makes a room; Bob joins it through its invite link.
    await createRoom(a, 'Harbour');
    const invite = await inviteLink(a);
    expect(invite).toMatch(new RegExp(`^${suite.ferry.url}/join/`));
    await joinByInvite(b, invite, 'Harbour');

    // Bob looks at the list, not the room: Alice's message reaches his browser but is not read.
    await b.goto(suite.ferry.url + '/');
    await waitOnline(b);
    await sendMessage(a, 'Hello Bob, the ferry leaves at six');
    await waitForText(ownMessageStatus(a, 'Harbour', 'leaves at six'), /^Delivered$/);
    await eventually(() => conversationLabels(b)).toEqual(['Harbour, 1 unread']);
    // Still Delivered: nothing marked it read while Bob was not looking.
    expect(await ownMessageStatus(a, 'Harbour', 'leaves at six').textContent()).toBe('Delivered');

    // Bob opens the room: he sees the message from Alice, and Alice sees "Read".
    await openConversation(b, 'Harbour');
    await b.getByRole('article', { name: /alice.*Hello Bob, the ferry leaves at six/ }).waitFor();
    await waitForText(ownMessageStatus(a, 'Harbour', 'leaves at six'), /^Read$/);
    await eventually(() => conversationLabels(b)).toEqual(['Harbour']);

    // The other way: Alice leaves the room view, Bob answers.
    await a.goto(suite.ferry.url + '/');
    await waitOnline(a);
    await sendMessage(b, 'See you on board <3');
    await waitForText(ownMessageStatus(b, 'Harbour', 'on board'), /^Delivered$/);
    await eventually(() => conversationLabels(a)).toEqual(['Harbour, 1 unread']);
    expect(await ownMessageStatus(b, 'Harbour', 'on board').textContent()).toBe('Delivered');

    await openConversation(a, 'Harbour');
    await a.getByRole('article', { name: /bob.*See you on board <3/ }).waitFor();
    await waitForText(ownMessageStatus(b, 'Harbour', 'on board'), /^Read$/);

    // Both logs hold both messages, once each, in the same order.
    for (const page of [a, b]) {
      const texts = await messageLog(page, 'Harbour').getByRole('article').allTextContents();
      expect(texts).toHaveLength(2);
      expect(texts[0]).toContain('Hello Bob, the ferry leaves at six');
      expect(texts[1]).toContain('See you on board <3');
    }
    await alice.context.close();
    await bob.context.close();
  });
});
