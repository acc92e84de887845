/** One's own entries shown as their outbox write commits, before a re-read (web/data/ownEcho.ts). */
import { describe, expect, it } from 'vitest';
import type { OutboxEntry } from '../../localdb/index';
import { onQueuedHere, stillHanded, tellQueuedHere, withHanded } from '../../web/data/ownEcho';
import { messageAt } from './support/messages';

const me = { id: 'u-echo-me', username: 'echo-me' };

/** A queued message entry `id` at typing place `order`. */
function entry(id: string, order: number): OutboxEntry {
  return {
    id,
    conversationId: 'c1',
    kind: 'message',
    text: id,
    senderId: me.id,
    typedAt: order,
    order,
    state: 'queued',
    attempts: 0,
    nextAttemptAt: 0,
  };
}
const handed = (e: OutboxEntry, afterTicket = 1) => ({ entry: e, afterTicket });
const ids = (list: { id: string }[]) => list.map((e) => e.id);

describe('own entries handed to the view', () => {
  it('shows a handed entry the read outbox does not hold yet, in typing order, once', () => {
    expect(ids(withHanded([entry('a', 1)], [handed(entry('c', 3)), handed(entry('b', 2))], []))).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(ids(withHanded([entry('a', 1)], [handed(entry('a', 1))], []))).toEqual(['a']);
  });

  it('does not show a handed entry the read messages already hold (acknowledged meanwhile)', () => {
    const read = [entry('a', 1)];
    const acked = messageAt('c1', 7, me, { id: 'b' });
    expect(withHanded(read, [handed(entry('b', 2))], [acked])).toBe(read);
  });

  it('keeps the read array itself when nothing is handed', () => {
    const read = [entry('a', 1)];
    expect(withHanded(read, [], [])).toBe(read);
  });

  it('drops a handed entry once a read started after the hand-over is in, whatever it holds', () => {
    const list = [handed(entry('a', 1), 3), handed(entry('b', 2), 5)];
    // Read 3 started before "a" was handed over: it may have missed it.
    expect(stillHanded(list, 3)).toBe(list);
    // Read 4 started after: it holds the truth about "a" (queued, sent or withdrawn).
    expect(ids(stillHanded(list, 4).map((h) => h.entry))).toEqual(['b']);
    expect(stillHanded(list, 6)).toEqual([]);
  });

  it('tells every listener of this tab, until it unsubscribes', () => {
    const heard: string[] = [];
    const off = onQueuedHere((e) => heard.push(e.id));
    tellQueuedHere(entry('a', 1));
    off();
    tellQueuedHere(entry('b', 2));
    expect(heard).toEqual(['a']);
  });
});
