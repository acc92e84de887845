/** Message rows as SQLite returns them, made into wire Messages with their reactions. */
import { EntryKind, type Message } from '../../../contract/index.js';
import { groupReactions, toAttachment } from '../entries.js';
import type { AttachmentRecord } from '../Store.js';
import type { AttachmentRow, MessageRow, NewEntryRow, ReadStatements } from './statements.js';

type MessageReads = Pick<ReadStatements, 'reactionsOf' | 'attachmentsOf'>;

/** An attachments row as a record. */
export function toAttachmentRecord(r: AttachmentRow): AttachmentRecord {
  return { ...r, inline: r.inline === 1, thumbnail: r.thumbnail === 1 };
}

/** A record as the insert statement binds it. */
export function toAttachmentRow(r: AttachmentRecord): AttachmentRow {
  return { ...r, inline: r.inline ? 1 : 0, thumbnail: r.thumbnail ? 1 : 0 };
}

/** The rows as Messages, in the same order; messages get their reactions (one query for all). */
export function toMessages(q: MessageReads, rows: readonly MessageRow[]): Message[] {
  const ids = rows.filter((r) => r.kind === EntryKind.message).map((r) => r.id);
  const byMessage = new Map<string, { emoji: string; userId: string }[]>();
  const attachments = new Map<string, AttachmentRow>();
  if (ids.length > 0) {
    for (const a of q.attachmentsOf.all(JSON.stringify(ids))) attachments.set(a.messageId!, a);
    for (const r of q.reactionsOf.all(JSON.stringify(ids))) {
      const list = byMessage.get(r.messageId);
      if (list) list.push(r);
      else byMessage.set(r.messageId, [r]);
    }
  }
  return rows.map((row) => ({
    id: row.id,
    conversationId: row.conversationId,
    seq: row.seq,
    senderId: row.senderId,
    senderName: row.senderName,
    kind: row.kind,
    text: row.text,
    replyTo: row.replyTo,
    targetId: row.targetId,
    emoji: row.emoji,
    reactionOn: row.reactionOn === null ? null : row.reactionOn === 1,
    editedAt: row.editedAt,
    deleted: row.deleted === 1,
    reactions: groupReactions(byMessage.get(row.id) ?? []),
    attachment: attachmentOf(attachments.get(row.id)),
    typedAt: row.typedAt,
    createdAt: row.createdAt,
  }));
}

/** One row (or none) as a Message. */
export function toMessageOrNull(q: MessageReads, row: MessageRow | undefined): Message | null {
  return row ? toMessages(q, [row])[0]! : null;
}

/** A new entry as the insert statement binds it (SQLite binds no booleans). */
export function toNewEntryRow(m: Message): NewEntryRow {
  return {
    id: m.id,
    conversationId: m.conversationId,
    seq: m.seq,
    senderId: m.senderId,
    senderName: m.senderName,
    kind: m.kind,
    text: m.text,
    replyTo: m.replyTo,
    targetId: m.targetId,
    emoji: m.emoji,
    reactionOn: m.reactionOn === null ? null : m.reactionOn ? 1 : 0,
    editedAt: m.editedAt,
    typedAt: m.typedAt,
    createdAt: m.createdAt,
  };
}

function attachmentOf(row: AttachmentRow | undefined): Message['attachment'] {
  return row ? toAttachment(toAttachmentRecord(row)) : null;
}
