/**
 * Reading a conversation's messages in pages (localdb newestMessages / messagesFrom) over
 * fake-indexeddb: the newest page below a seq holds exactly the newest messages, operations
 * stored between them (reactions, edits) taking no place in it, in ascending seq, whether the
 * database has getAllRecords (one request a page) or not (a key cursor and getAll).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../../contract/index';
import { messagesFrom, newestMessages, putMessages, type FerryDb } from '../../localdb/index';
import { openDbWithRoom } from './support/localDb';
import { messageAt } from './support/messages';

const ME = 'u-pages-me';
const OTHER = { id: 'u-pages-other', username: 'other' };
const CONV = 'c-pages';
let db: FerryDb;

/** Seqs 1..n: every third entry is a reaction to the message before it, the rest messages. */
const log = (n: number): Message[] =>
  Array.from({ length: n }, (_, i) => {
    const seq = i + 1;
    return seq % 3 === 0
      ? messageAt(CONV, seq, OTHER, {
          id: `r-${seq}`,
          kind: 'reaction',
          targetId: `m-${seq - 1}`,
          emoji: '👍',
          reactionOn: true,
          text: '',
        })
      : messageAt(CONV, seq, OTHER, { id: `m-${seq}` });
  });
const messageSeqs = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i).filter((seq) => seq % 3 !== 0);

beforeEach(async () => {
  db = await openDbWithRoom(ME, CONV);
  await putMessages(db, log(300), { meId: ME });
});
afterEach(() => db.close());

/** IndexedDB's getAllRecords (fake-indexeddb has it, as Chromium 141+ does). */
const indexProto = IDBIndex.prototype as unknown as { getAllRecords?: (...args: unknown[]) => unknown };
const withRecords = indexProto.getAllRecords!;
/** getAllRecords calls made since the test began. */
let recordReads = 0;

describe.each([
  { reader: 'getAllRecords, newest first', hasRecords: true },
  { reader: 'a key cursor and getAll (no getAllRecords)', hasRecords: false },
])('reading the newest message pages with $reader', ({ hasRecords }) => {
  beforeEach(() => {
    recordReads = 0;
    if (!hasRecords) delete indexProto.getAllRecords;
    else
      indexProto.getAllRecords = function (this: unknown, ...args: unknown[]) {
        recordReads++;
        return withRecords.apply(this, args);
      };
  });
  afterEach(() => {
    indexProto.getAllRecords = withRecords;
  });

  it('gives the newest messages, operations between them taking no place in the page', async () => {
    const page = await newestMessages(db, CONV, 50);
    expect(page.map((m) => m.seq)).toEqual(messageSeqs(1, 300).slice(-50));
    // Operations took places: the reader read on below its first page.
    if (hasRecords) expect(recordReads).toBeGreaterThan(1);
  });

  it('gives the newest messages below a seq, and what is left when fewer remain', async () => {
    expect((await newestMessages(db, CONV, 50, 100)).map((m) => m.seq)).toEqual(
      messageSeqs(1, 99).slice(-50),
    );
    expect((await newestMessages(db, CONV, 50, 20)).map((m) => m.seq)).toEqual(messageSeqs(1, 19));
    expect((await newestMessages(db, CONV, 2, 4)).map((m) => m.seq)).toEqual([1, 2]);
    expect(await newestMessages(db, CONV, 50, 1)).toEqual([]);
  });
});

describe('reading message pages', () => {
  it('gives every message from a seq up', async () => {
    expect((await messagesFrom(db, CONV, 250)).map((m) => m.seq)).toEqual(messageSeqs(250, 300));
  });
});
