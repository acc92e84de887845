/**
 * The compact form of live messages (contract/events.ts): only the fields at their default are
 * left out, and fullMessage gives back exactly the message, for every kind of entry.
 */
import { describe, expect, it } from 'vitest';
import { compactMessage, fullMessage, plainMessageFields, type Message } from '../../contract/index';

/** The fields without a default: all a plain message's compact form keeps. */
const required = {
  id: 'm1',
  conversationId: 'c1',
  seq: 7,
  senderId: 'u1',
  senderName: 'ann',
  text: 'hello',
  typedAt: 1,
  createdAt: 2,
};
const base: Message = { ...required, ...plainMessageFields() };

const entries: Record<string, Message> = {
  plain: base,
  reply: { ...base, replyTo: 'm0' },
  edited: { ...base, editedAt: 5, text: 'hello again' },
  deleted: { ...base, deleted: true, text: '' },
  reacted: { ...base, reactions: [{ emoji: '👍', userIds: ['u2'] }] },
  withFile: {
    ...base,
    text: '',
    attachment: { id: 'a1', name: 'a.png', size: 3, type: 'image/png', inline: true, width: 1, height: 1 },
  },
  edit: { ...base, kind: 'edit', targetId: 'm0', text: 'new words' },
  removal: { ...base, kind: 'reaction', targetId: 'm0', emoji: '👍', reactionOn: false, text: '' },
};

describe('compactMessage', () => {
  it.each(Object.entries(entries))('gives back the %s entry whole through fullMessage', (_name, message) => {
    expect(fullMessage(compactMessage(message))).toEqual(message);
  });

  it('leaves out exactly the fields at their default', () => {
    expect(compactMessage(base)).toEqual(required);
    // Kept whenever they differ: false is a default only for `deleted`, '' is never one.
    expect(compactMessage(entries.removal!)).toMatchObject({ kind: 'reaction', reactionOn: false, text: '' });
    expect(compactMessage(entries.deleted!)).toMatchObject({ deleted: true, text: '' });
  });
});
