/**
 * What both stores decide alike, apart from SQL: about a log entry, inside their write
 * transaction, whether a stored entry with the same id is this input sent again (duplicate) or
 * another one (conflict), and whether an operation may apply to its target; and outside it, how
 * big a page may be and which key names a direct conversation. Kept here once so SQLite and
 * PostgreSQL cannot drift apart.
 */
import { ErrorCode } from '../../contract/errors.js';
import { type Attachment, EntryKind, type Message } from '../../contract/events.js';
import { StoreError } from './errors.js';
import type { AppendInput, AppendResult, AttachmentRecord } from './Store.js';

/** The kind of an input (a message when left out). */
export const kindOf = (input: AppendInput): EntryKind => input.kind ?? EntryKind.message;

/**
 * True when `stored` is `input` sent again: same sender, conversation and kind, and the same
 * target, reply, emoji and direction. The text is compared only while the stored one is still as
 * sent: a message's text changes with its edits and a deletion empties it and its edits, and a
 * resend of an accepted entry must still get its duplicate ack then.
 */
export function isSameEntry(stored: Message, input: AppendInput): boolean {
  const kind = kindOf(input);
  if (
    stored.senderId !== input.senderId ||
    stored.conversationId !== input.conversationId ||
    stored.kind !== kind ||
    stored.replyTo !== (input.replyTo ?? null) ||
    stored.targetId !== (input.targetId ?? null) ||
    stored.emoji !== (input.emoji ?? null) ||
    stored.reactionOn !== (input.reactionOn ?? null)
  ) {
    return false;
  }
  if (
    kind === EntryKind.message &&
    !stored.deleted &&
    (stored.attachment?.id ?? null) !== (input.attachmentId ?? null)
  ) {
    return false;
  }
  const textAsSent =
    kind === EntryKind.message ? stored.editedAt === null && !stored.deleted : stored.text !== '';
  return !textAsSent || stored.text === input.text;
}

/** The answer to an input whose id is stored already: the original (a duplicate) or a conflict. */
export function storedAnswer(stored: Message, input: AppendInput): AppendResult {
  return isSameEntry(stored, input) ? { status: 'duplicate', message: stored } : { status: 'conflict' };
}

/** The parts of a stored message the rules read. */
export interface TargetState {
  conversationId: string;
  kind: EntryKind;
  senderId: string;
  deleted: boolean;
  createdAt: number;
}

/**
 * Throws the coded refusal when `input` may not apply: its target (or the message it replies to)
 * is not a message of the same conversation, the sender may not change it, it is deleted, or the
 * edit window has closed. `find` reads a message as the transaction sees it now.
 *
 * Deleting a message that is already deleted is accepted (as its own entry, changing nothing):
 * two devices that both deleted it offline both succeed, like a repeated reaction change.
 */
export function checkEntry(input: AppendInput, find: (id: string) => TargetState | undefined): void {
  const kind = kindOf(input);
  if (kind === EntryKind.message) {
    if (input.replyTo == null) return;
    const original = messageIn(input, input.replyTo, find, 'The message you reply to');
    if (original.deleted) throw deletedError('It can no longer be replied to.');
    return;
  }
  const target = messageIn(input, input.targetId ?? '', find, 'That message');
  switch (kind) {
    case EntryKind.edit:
      if (target.senderId !== input.senderId) throw notAuthorError('edit');
      if (target.deleted) throw deletedError('It can no longer be edited.');
      if (target.createdAt < (input.editableFrom ?? Number.NEGATIVE_INFINITY)) {
        throw new StoreError(
          ErrorCode.EDIT_WINDOW_CLOSED,
          'This message is too old to edit. You can still delete it.',
        );
      }
      return;
    case EntryKind.delete:
      if (target.senderId !== input.senderId) throw notAuthorError('delete');
      return;
    case EntryKind.reaction:
      if (target.deleted) throw deletedError('It can no longer be reacted to.');
      return;
  }
}

function messageIn(
  input: AppendInput,
  id: string,
  find: (id: string) => TargetState | undefined,
  what: string,
): TargetState {
  const found = find(id);
  if (!found || found.conversationId !== input.conversationId || found.kind !== EntryKind.message) {
    throw new StoreError(ErrorCode.MESSAGE_NOT_FOUND, `${what} is not in this conversation.`);
  }
  return found;
}

function notAuthorError(verb: 'edit' | 'delete'): StoreError {
  return new StoreError(ErrorCode.NOT_AUTHOR, `Only the person who sent a message can ${verb} it.`);
}

function deletedError(consequence: string): StoreError {
  return new StoreError(ErrorCode.MESSAGE_DELETED, `This message was deleted. ${consequence}`);
}

/** What the send rule reads of an upload. */
export interface UploadState {
  uploaderId: string;
  conversationId: string;
  messageId: string | null;
}

/**
 * Throws UPLOAD_NOT_FOUND unless the message's attachment is a finished upload of its sender, for
 * its conversation, not yet sent with another message. `find` reads the upload as the transaction
 * sees it now (undefined: not finished, expired, or never made).
 */
export function checkAttachment(input: AppendInput, find: (id: string) => UploadState | undefined): void {
  if (kindOf(input) !== EntryKind.message || input.attachmentId == null) return;
  const upload = find(input.attachmentId);
  if (
    !upload ||
    upload.uploaderId !== input.senderId ||
    upload.conversationId !== input.conversationId ||
    (upload.messageId !== null && upload.messageId !== input.id)
  ) {
    throw new StoreError(
      ErrorCode.UPLOAD_NOT_FOUND,
      'The file of this message is not uploaded (or expired). Upload it again, then send.',
    );
  }
}

/** The wire form of an attachment record. */
export function toAttachment(r: AttachmentRecord): Attachment {
  return {
    id: r.id,
    name: r.name,
    size: r.size,
    type: r.type,
    inline: r.inline,
    width: r.width,
    height: r.height,
  };
}

/**
 * Reactions as the wire shows them, from (emoji, user) pairs in the order they were added: one
 * group per emoji, in the order each emoji first appeared.
 */
export function groupReactions(rows: readonly { emoji: string; userId: string }[]): Message['reactions'] {
  const byEmoji = new Map<string, string[]>();
  for (const { emoji, userId } of rows) {
    const users = byEmoji.get(emoji);
    if (users) users.push(userId);
    else byEmoji.set(emoji, [userId]);
  }
  return [...byEmoji].map(([emoji, userIds]) => ({ emoji, userIds }));
}

/** A new entry as stored: the input's fields, with a message's state starting empty. */
export function newEntry(input: AppendInput, seq: number, createdAt: number): Message {
  const kind = kindOf(input);
  return {
    id: input.id,
    conversationId: input.conversationId,
    seq,
    senderId: input.senderId,
    senderName: input.senderName,
    kind,
    text: kind === EntryKind.message || kind === EntryKind.edit ? input.text : '',
    replyTo: kind === EntryKind.message ? (input.replyTo ?? null) : null,
    targetId: kind === EntryKind.message ? null : (input.targetId ?? null),
    emoji: kind === EntryKind.reaction ? (input.emoji ?? null) : null,
    reactionOn: kind === EntryKind.reaction ? (input.reactionOn ?? null) : null,
    editedAt: null,
    deleted: false,
    reactions: [],
    attachment: null,
    typedAt: input.typedAt,
    createdAt,
  };
}

/** A page size as both stores read it: whole, not negative (0 for anything not finite). */
export const pageLimit = (limit: number): number =>
  Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;

/** Unique key of the direct conversation between two users, whichever started it. */
export const directKey = (a: string, b: string): string => (a < b ? `${a}:${b}` : `${b}:${a}`);
