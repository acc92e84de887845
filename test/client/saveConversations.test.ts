/**
 * Storing the server's conversation list (localdb saveConversations) over fake-indexeddb: the hub
 * does it at every start and reconnect, with hundreds of conversations; when nothing changed it
 * only reads (no readwrite transaction, which would hold back the pages' reads of messages), and
 * otherwise writes only the conversations that changed, reporting as before.
 */
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConversationSummary, Member } from '../../contract/index';
import {
  getConversation,
  listMembers,
  markReadLocally,
  openFerryDb,
  putMessages,
  saveConversations,
  setMe,
  type FerryDb,
} from '../../localdb/index';
import { messageAt } from './support/messages';

const ME = { id: 'u-me', username: 'me' };
const OTHER = { id: 'u-other', username: 'other' };
let db: FerryDb;
let dbCount = 0;

/** Every transaction opened on any database, with its mode and stores. */
const opened: Array<{ mode: IDBTransactionMode; stores: string[] }> = [];
const transaction = IDBDatabase.prototype.transaction;
IDBDatabase.prototype.transaction = function (
  this: IDBDatabase,
  stores: string | string[],
  mode?: IDBTransactionMode,
  options?: IDBTransactionOptions,
) {
  opened.push({ mode: mode ?? 'readonly', stores: typeof stores === 'string' ? [stores] : [...stores] });
  return transaction.call(this, stores, mode, options);
};

const member = (user: { id: string; username: string }, over: Partial<Member> = {}): Member => ({
  userId: user.id,
  username: user.username,
  deliveredSeq: 0,
  readSeq: 0,
  online: false,
  ...over,
});

const summary = (id: string, over: Partial<ConversationSummary> = {}): ConversationSummary => {
  const lastMessage = messageAt(id, 3, OTHER, { id: `${id}-m3` });
  return {
    id,
    kind: 'room',
    name: `Room ${id}`,
    inviteCode: `code-${id}`,
    lastSeq: 3,
    lastMessage,
    createdAt: 1,
    deliveredSeq: 3,
    readSeq: 3,
    unreadCount: 0,
    members: [member(ME, { deliveredSeq: 3, readSeq: 3 }), member(OTHER, { deliveredSeq: 3, readSeq: 3 })],
    muted: false,
    ...over,
  };
};

const list = (n: number) => Array.from({ length: n }, (_, i) => summary(`c-${i}`));
const readwrites = () => opened.filter((t) => t.mode === 'readwrite');

beforeEach(async () => {
  db = await openFerryDb(`save-conversations-${++dbCount}`);
  await setMe(db, ME);
  // A device in use: each conversation listed once, its messages stored.
  await saveConversations(db, list(20), { complete: true });
  for (let i = 0; i < 20; i++)
    await putMessages(
      db,
      [1, 2, 3].map((seq) => messageAt(`c-${i}`, seq, OTHER, { id: `c-${i}-m${seq}` })),
      { meId: ME.id },
    );
  opened.length = 0;
});
afterEach(() => db.close());

describe('storing the conversation list', () => {
  it('opens no readwrite transaction and writes nothing when the list is what the device holds', async () => {
    const before = await getConversation(db, 'c-7');
    const report = await saveConversations(db, list(20), { complete: true });
    expect(report).toEqual({ pendingReads: [], removed: [], written: [] });
    expect(readwrites()).toEqual([]);
    expect(opened.length).toBeGreaterThan(0);
    expect(await getConversation(db, 'c-7')).toEqual(before);
  });

  it('writes only the conversations that changed, their rows and members as a full write stores them', async () => {
    const renamed = summary('c-3', { name: 'Renamed' });
    const newMember = summary('c-5', {
      members: [...summary('c-5').members, member({ id: 'u-new', username: 'newcomer' })],
    });
    const next = list(20).map((s) => (s.id === 'c-3' ? renamed : s.id === 'c-5' ? newMember : s));
    const report = await saveConversations(db, next, { complete: true });
    expect(report.written.sort()).toEqual(['c-3', 'c-5']);
    expect(readwrites()).toHaveLength(1);
    expect((await getConversation(db, 'c-3'))?.name).toBe('Renamed');
    expect((await listMembers(db, 'c-5')).map((m) => m.username)).toEqual(['me', 'newcomer', 'other']);
    // Listed again as stored: nothing more to write.
    opened.length = 0;
    expect((await saveConversations(db, next, { complete: true })).written).toEqual([]);
    expect(readwrites()).toEqual([]);
  });

  it('still reports reads ahead of the server for conversations it leaves as they are', async () => {
    await putMessages(db, [messageAt('c-2', 4, OTHER, { id: 'c-2-m4' })], { meId: ME.id });
    const withFour = summary('c-2', {
      lastSeq: 4,
      lastMessage: messageAt('c-2', 4, OTHER, { id: 'c-2-m4' }),
    });
    const next = list(20).map((s) => (s.id === 'c-2' ? withFour : s));
    await saveConversations(db, next, { complete: true });
    // Read offline: the device is ahead of the server until the receipt goes out.
    expect(await markReadLocally(db, 'c-2', 4)).toBe(4);
    opened.length = 0;
    const report = await saveConversations(db, next, { complete: true });
    expect(report.pendingReads).toEqual([{ conversationId: 'c-2', readSeq: 4 }]);
    expect(report.written).toEqual([]);
    expect(readwrites()).toEqual([]);
  });

  it('removes a conversation the complete list no longer holds, with its members', async () => {
    const report = await saveConversations(db, list(19), { complete: true });
    expect(report.removed).toEqual(['c-19']);
    expect(report.written).toEqual([]);
    expect(await getConversation(db, 'c-19')).toBeUndefined();
    expect(await listMembers(db, 'c-19')).toEqual([]);
  });
});
