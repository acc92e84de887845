/**
 * The hub's deferred search index (shared-worker/deferredSearch.ts) over fake-indexeddb: writes
 * made before it starts are kept and applied once it has loaded, but only up to a bound; past it
 * they are dropped (memory stays bounded on a long catch-up) and the index is brought in step with
 * the messages store instead, removals included, as soon as it has loaded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../contract/index';
import { putMessages, type FerryDb } from '../../localdb/index';
import { DeferredSearchIndex } from '../../shared-worker/deferredSearch';
import { openDbWithRoom } from './support/localDb';
import { messageAt } from './support/messages';

const ME = 'u-search-me';
const OTHER = { id: 'u-search-other', username: 'other' };
const CONV = 'c-search';
const WORDS = ['alpha', 'bravo', 'charlie', 'delta'];
/** Message seq 1..4, each with one word of WORDS as its text. */
const stored = WORDS.map((word, i) => messageAt(CONV, i + 1, OTHER, { text: word }));
/** A message the store does not hold: only a kept write can put it in the index. */
const unstored = messageAt(CONV, 99, OTHER, { text: 'ghost' });

let db: FerryDb;
const indexes: DeferredSearchIndex[] = [];
afterEach(async () => {
  for (const index of indexes.splice(0)) await index.flush();
  db.close();
});

async function setup(): Promise<FerryDb> {
  db = await openDbWithRoom(ME, CONV);
  await putMessages(db, stored, { meId: ME });
  return db;
}

function deferred(keptMax: number): DeferredSearchIndex {
  const index = new DeferredSearchIndex(() => Promise.resolve(db), keptMax);
  indexes.push(index);
  return index;
}

const found = async (index: DeferredSearchIndex, word: string) =>
  (await index.search(word, { limit: 10 })).map((match) => match.id);
const ids = (messages: Message[]) => messages.map((m) => m.id);

describe('the deferred search index', () => {
  it('applies the writes kept before it started', async () => {
    await setup();
    const index = deferred(10);
    await index.apply({ kind: 'stored', messages: [unstored] });
    expect(await found(index, 'ghost')).toEqual(ids([unstored]));
    expect(await found(index, 'alpha')).toEqual(ids([stored[0]!]));
  });

  it('drops the kept writes past its bound and indexes what the store holds instead', async () => {
    await setup();
    const index = deferred(3);
    // Four messages: one more than it keeps.
    await index.apply({ kind: 'stored', messages: [unstored, ...stored.slice(0, 3)] });
    expect(await found(index, 'ghost')).toEqual([]);
    for (const [i, word] of WORDS.entries()) expect(await found(index, word)).toEqual(ids([stored[i]!]));
  });

  it('after dropping, also forgets at once what the store no longer holds', async () => {
    await setup();
    // A first hub indexed everything and saved it.
    const first = deferred(10);
    expect(await found(first, 'bravo')).toEqual(ids([stored[1]!]));
    await first.flush();
    // Then, before the next hub's index started, message 2 was deleted and more arrived.
    await db.delete('messages', stored[1]!.id);
    const index = deferred(1);
    await index.apply({ kind: 'removed', ids: [stored[1]!.id] });
    await index.apply({ kind: 'stored', messages: [unstored] });
    expect(await found(index, 'bravo')).toEqual([]);
    expect(await found(index, 'ghost')).toEqual([]);
    expect(await found(index, 'alpha')).toEqual(ids([stored[0]!]));
  });
});
