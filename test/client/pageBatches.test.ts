/**
 * Catch-up pages stored together (shared-worker/pageBatches.ts): pages that arrive while a batch
 * is being written go into the next one, and a batch that fails is written page by page, so only
 * the page that cannot be stored fails.
 */
import { describe, expect, it } from 'vitest';
import type { Message } from '../../contract/index';
import { PageBatches, type BatchResult } from '../../shared-worker/pageBatches';
import { messageAt } from './support/messages';

const other = { id: 'u-batches-other', username: 'batches-other' };
const pageOf = (conversationId: string, n = 3): Message[] =>
  Array.from({ length: n }, (_, i) => messageAt(conversationId, i + 1, other));

/** A writer that records each batch and holds it until released; `bad` conversations fail it. */
function recordingWriter(bad = new Set<string>()) {
  const batches: string[][] = [];
  const held: Array<() => void> = [];
  const write = async (messages: Message[]): Promise<BatchResult> => {
    const conversations = [...new Set(messages.map((m) => m.conversationId))];
    batches.push(conversations);
    await new Promise<void>((resolve) => held.push(resolve));
    if (conversations.some((c) => bad.has(c))) throw new Error('cannot store');
    return { syncedSeq: new Map(conversations.map((c) => [c, 3])) };
  };
  const releaseAll = async () => {
    while (held.length > 0) {
      held.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  };
  return { write, batches, releaseAll };
}

describe('storing catch-up pages together', () => {
  it('writes the pages that arrive during a write together, in one batch after it', async () => {
    const writer = recordingWriter();
    const batches = new PageBatches(writer.write);
    const first = batches.store(pageOf('a'));
    const later = ['b', 'c', 'd'].map((c) => batches.store(pageOf(c)));
    await writer.releaseAll();
    await Promise.all([first, ...later]);
    expect(writer.batches).toEqual([['a'], ['b', 'c', 'd']]);
    expect((await later[1])!.syncedSeq.get('c')).toBe(3);
  });

  it('keeps a batch within its message limit, however many pages wait', async () => {
    const writer = recordingWriter();
    const batches = new PageBatches(writer.write, 6);
    const all = ['a', 'b', 'c', 'd', 'e'].map((c) => batches.store(pageOf(c)));
    await writer.releaseAll();
    await Promise.all(all);
    expect(writer.batches).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  it('fails only the page that cannot be stored when its batch fails', async () => {
    const writer = recordingWriter(new Set(['bad']));
    const batches = new PageBatches(writer.write);
    const first = batches.store(pageOf('a'));
    const good = batches.store(pageOf('b'));
    const bad = batches.store(pageOf('bad'));
    const results = Promise.allSettled([first, good, bad]);
    await writer.releaseAll();
    expect((await results).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(writer.batches).toEqual([['a'], ['b', 'bad'], ['b'], ['bad']]);
  });
});
