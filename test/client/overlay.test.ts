/** The overlay of pending outbox entries on acknowledged messages (web/data/overlay.ts). */
import { describe, expect, it } from 'vitest';
import type { Message } from '../../contract/index';
import {
  lastOwnMessage,
  overlay,
  shownWindow,
  type PendingEntry,
  type ShownMessage,
} from '../../web/data/overlay';
import { messageAt } from './support/messages';

const me = { id: 'u-me', username: 'me' };
const other = { id: 'u-bob', username: 'bob' };
const conv = 'c1';

function stored(seq: number, text: string, sender = me, extra: Partial<Message> = {}): Message {
  return messageAt(conv, seq, sender, { text, ...extra });
}

let n = 0;
function entry(fields: Partial<PendingEntry>): PendingEntry {
  n += 1;
  return { id: `e${n}`, conversationId: conv, text: '', typedAt: 5000 + n, state: 'queued', ...fields };
}

describe('overlay', () => {
  it('shows acknowledged messages with their stored edits, deletion and reactions', () => {
    const shown = overlay(
      [
        stored(1, 'hello', other, { editedAt: 10 }),
        stored(2, '', me, { deleted: true }),
        stored(3, 'react', other, { reactions: [{ emoji: '👍', userIds: ['u-bob', 'u-me'] }] }),
      ],
      [],
      me,
    );
    expect(shown.map((m) => [m.text, m.edited, m.deleted, m.own, m.pending])).toEqual([
      ['hello', true, false, false, null],
      ['', false, true, true, null],
      ['react', false, false, false, null],
    ]);
    expect(shown[2]!.reactions).toEqual([{ emoji: '👍', count: 2, mine: true }]);
  });

  it('skips operation entries among the stored ones', () => {
    const op = { ...stored(2, 'new'), id: 'op', kind: 'edit' as const, targetId: 'm1' };
    expect(overlay([stored(1, 'a'), op], [], me).map((m) => m.id)).toEqual(['m1']);
  });

  it('appends queued messages, with their reply, and drops one already acknowledged', () => {
    const queued = entry({ text: 'typed', replyTo: 'm1' });
    const acked = entry({ id: 'm1', text: 'hi' });
    const shown = overlay([stored(1, 'hi')], [acked, queued], me);
    expect(shown.map((m) => [m.id, m.text, m.seq, m.replyTo, m.pending?.state])).toEqual([
      ['m1', 'hi', 1, null, undefined],
      [queued.id, 'typed', null, 'm1', 'queued'],
    ]);
    expect(shown[1]!.senderName).toBe('me');
  });

  it('a queued edit shows its text, "edited" and Queued on its message', () => {
    const edit = entry({ kind: 'edit', targetId: 'm1', text: 'fixed' });
    const [m] = overlay([stored(1, 'fxied')], [edit], me);
    expect(m).toMatchObject({ text: 'fixed', edited: true, pending: { state: 'queued', entryId: edit.id } });
  });

  it('a queued delete shows the message deleted, and later edits cannot bring it back', () => {
    const del = entry({ kind: 'delete', targetId: 'm1' });
    const edit = entry({ kind: 'edit', targetId: 'm1', text: 'again' });
    const [m] = overlay(
      [stored(1, 'bye', me, { reactions: [{ emoji: '👍', userIds: ['u-bob'] }] })],
      [del, edit],
      me,
    );
    expect(m).toMatchObject({ text: '', deleted: true, reactions: [] });
  });

  it('applies queued reaction toggles to the counts', () => {
    const base = stored(1, 'x', other, { reactions: [{ emoji: '👍', userIds: ['u-bob'] }] });
    const on = entry({ kind: 'reaction', targetId: 'm1', emoji: '👍', on: true });
    const heart = entry({ kind: 'reaction', targetId: 'm1', emoji: '❤️', on: true });
    const off = entry({ kind: 'reaction', targetId: 'm1', emoji: '❤️', on: false });
    expect(overlay([base], [on], me)[0]!.reactions).toEqual([{ emoji: '👍', count: 2, mine: true }]);
    expect(overlay([base], [on, heart], me)[0]!.reactions).toEqual([
      { emoji: '👍', count: 2, mine: true },
      { emoji: '❤️', count: 1, mine: true },
    ]);
    expect(overlay([base], [heart, off], me)[0]!.reactions).toEqual([{ emoji: '👍', count: 1, mine: false }]);
    // Taking back a stored reaction of mine.
    const mine = stored(1, 'x', other, { reactions: [{ emoji: '👍', userIds: ['u-me'] }] });
    const takeBack = entry({ kind: 'reaction', targetId: 'm1', emoji: '👍', on: false });
    expect(overlay([mine], [takeBack], me)[0]!.reactions).toEqual([]);
  });

  it('the latest pending entry of a message gives its status; a failed one carries its error', () => {
    const error = { code: 'EDIT_WINDOW_CLOSED' as const, message: 'Too late to edit.' };
    const failed = entry({ kind: 'edit', targetId: 'm1', text: 'late', state: 'failed', error });
    const [m] = overlay([stored(1, 'old')], [failed], me);
    expect(m!.pending).toEqual({ state: 'failed', entryId: failed.id, kind: 'edit', error });
    const queued = entry({ kind: 'reaction', targetId: 'm1', emoji: '👍', on: true });
    expect(overlay([stored(1, 'old')], [failed, queued], me)[0]!.pending?.entryId).toBe(queued.id);
  });

  it('operations on a queued message apply to it; operations on unknown messages change nothing', () => {
    const msg = entry({ text: 'draft' });
    const edit = entry({ kind: 'edit', targetId: msg.id, text: 'final' });
    const stray = entry({ kind: 'delete', targetId: 'not-here' });
    const shown = overlay([stored(1, 'a')], [msg, edit, stray], me);
    expect(shown.map((m) => [m.text, m.edited, m.deleted])).toEqual([
      ['a', false, false],
      ['final', true, false],
    ]);
  });

  it('lastOwnMessage: my newest message that is not deleted', () => {
    const shown = overlay(
      [stored(1, 'mine'), stored(2, 'theirs', other), stored(3, '', me, { deleted: true })],
      [],
      me,
    );
    expect(lastOwnMessage(shown)?.id).toBe('m1');
    expect(lastOwnMessage(overlay([stored(1, 'x', other)], [], me))).toBeNull();
  });
});

describe('shownWindow', () => {
  const page = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => stored(from + i, `t${from + i}`, other));

  it('an older page prepended shows as the whole window would, keeping the rows already shown', () => {
    const cache = new WeakMap<Message, ShownMessage>();
    const queued = entry({ text: 'typed' });
    const newer = page(11, 20);
    const first = shownWindow(newer, [queued], me, cache, null);
    const shownBefore = [...first.items];
    const messages = [...page(1, 10), ...newer];
    const grown = shownWindow(messages, first.outbox, me, cache, first);
    expect(grown.items).toEqual(overlay(messages, [queued], me));
    expect(grown.items.slice(10)).toEqual(shownBefore);
    grown.items.slice(10).forEach((m, i) => expect(m).toBe(shownBefore[i]));
    expect(grown.byId.get('m1')).toBe(grown.items[0]);
    expect(grown.byId.get(queued.id)?.text).toBe('typed');
  });

  it('a pending change on a message of the prepended page shows on it', () => {
    const cache = new WeakMap<Message, ShownMessage>();
    const newer = page(11, 20);
    const edit = entry({ kind: 'edit', targetId: 'm3', text: 'fixed' });
    const first = shownWindow(newer, [edit], me, cache, null);
    const grown = shownWindow([...page(1, 10), ...newer], first.outbox, me, cache, first);
    expect(grown.items[2]).toMatchObject({ id: 'm3', text: 'fixed', edited: true });
  });

  it('a window read again shows what changed in it', () => {
    const cache = new WeakMap<Message, ShownMessage>();
    const before = page(11, 20);
    const first = shownWindow(before, [], me, cache, null);
    const reread = [...page(1, 10), ...before.slice(0, 9), { ...before[9]!, text: 'edited', editedAt: 5 }];
    const next = shownWindow(reread, first.outbox, me, cache, first);
    expect(next.items.at(-1)).toMatchObject({ id: 'm20', text: 'edited', edited: true });
    expect(next.items[10]).toBe(first.items[0]);
    expect(next.items).toHaveLength(20);
  });
});
