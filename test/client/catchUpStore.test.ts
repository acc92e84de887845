/**
 * Storing catch-up pages (localdb putMessages) over fake-indexeddb: a page of new messages is
 * stored whole with the cursor, preview and unread count right; a page repeated or overlapping
 * what is stored adds nothing twice; an edit stored before the message it changes still applies.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../../contract/index';
import {
  getConversation,
  newestMessages,
  onMessageWrite,
  putMessages,
  removeConversation,
  saveConversations,
  type FerryDb,
} from '../../localdb/index';
import { countEntries, enqueue } from '../../outbox/index';
import { openDbWithRoom } from './support/localDb';
import { messageAt } from './support/messages';

const ME = 'u-me';
const OTHER = 'u-other';
const CONV = 'c-1';
let db: FerryDb;

const entry = (seq: number, over: Partial<Message> = {}): Message =>
  messageAt(CONV, seq, { id: OTHER, username: 'other' }, { id: `m-${seq}`, ...over });

const page = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => entry(from + i));

beforeEach(async () => {
  db = await openDbWithRoom(ME, CONV);
});
afterEach(() => db.close());

describe('storing catch-up pages', () => {
  it('keeps no entry of a conversation left before its page came, and ends the outbox entries of the user’s own', async () => {
    await putMessages(db, page(1, 5), { meId: ME });
    const mine = await enqueue(db, { conversationId: CONV, senderId: ME, text: 'sent just before leaving' });
    const indexed: string[] = [];
    const stop = onMessageWrite((w) => {
      if (w.kind === 'stored') indexed.push(...w.messages.map((m) => m.id));
    });
    // Left (on another device, or here) while a catch-up page, or the ack of an own message, was
    // on its way.
    await removeConversation(db, CONV);
    const late = [...page(6, 10), messageAt(CONV, 11, { id: ME, username: 'me' }, { id: mine.id })];
    const stored = await putMessages(db, late, { meId: ME });
    stop();
    expect(stored.added).toEqual([]);
    expect(await newestMessages(db, CONV, 100)).toEqual([]);
    expect(await getConversation(db, CONV)).toBeUndefined();
    // Not given to the search index, and nothing left to send.
    expect(indexed).toEqual([]);
    expect(await countEntries(db, ME)).toBe(0);
  });

  it('stores a page of new messages whole, moving the cursor, the preview and the unread count', async () => {
    const stored = await putMessages(db, page(1, 300), { meId: ME });
    expect(stored.added).toHaveLength(300);
    expect(stored.syncedSeq.get(CONV)).toBe(300);
    const c = await getConversation(db, CONV);
    expect(c?.syncedSeq).toBe(300);
    expect(c?.lastMessage?.id).toBe('m-300');
    expect(c?.unreadCount).toBe(300);
    expect((await newestMessages(db, CONV, 1000)).map((m) => m.seq)).toEqual(page(1, 300).map((m) => m.seq));
  });

  it('adds nothing twice when a page repeats or overlaps what is stored, or holds an entry twice', async () => {
    await putMessages(db, page(1, 50), { meId: ME });
    const again = await putMessages(db, [...page(40, 60), entry(60)], { meId: ME });
    expect(again.added.map((m) => m.seq)).toEqual(page(51, 60).map((m) => m.seq));
    const twice = await putMessages(db, [entry(61), entry(61)], { meId: ME });
    expect(twice.added).toHaveLength(1);
    expect((await getConversation(db, CONV))?.unreadCount).toBe(61);
  });

  it('applies an edit stored before the message it changes, and counts my own messages as read', async () => {
    // A live edit of message 5 arrived first (seq 9); then the catch-up brings seqs 1-8.
    await putMessages(db, [entry(9, { id: 'e-9', kind: 'edit', text: 'changed', targetId: 'm-5' })], {
      meId: ME,
    });
    const pageWithMine = page(1, 8).map((m) => (m.seq === 8 ? { ...m, senderId: ME } : m));
    await putMessages(db, pageWithMine, { meId: ME });
    const shown = await newestMessages(db, CONV, 100);
    expect(shown.find((m) => m.id === 'm-5')?.text).toBe('changed');
    const c = await getConversation(db, CONV);
    expect(c?.syncedSeq).toBe(9);
    // Sending message 8 read everything up to it.
    expect(c?.readSeq).toBe(8);
    expect(c?.unreadCount).toBe(0);
  });

  it('adds a page’s unread messages to a count the server made for messages this device never loaded', async () => {
    // Listed with 300 unread; the device holds only the newest page (201-300).
    const listed = await getConversation(db, CONV);
    await saveConversations(db, [
      { ...listed!, kind: 'room', members: [], lastSeq: 300, lastMessage: null, unreadCount: 300 },
    ]);
    await putMessages(db, page(201, 300), { meId: ME });
    expect((await getConversation(db, CONV))?.unreadCount).toBe(300);
    const deleted = entry(306, { text: '', deleted: true });
    await putMessages(db, [...page(301, 305), deleted, ...page(307, 310)], { meId: ME });
    // 301-310 but the deleted one.
    expect((await getConversation(db, CONV))?.unreadCount).toBe(309);
  });
});
