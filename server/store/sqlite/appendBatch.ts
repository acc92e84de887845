/** The body of one group-commit transaction for appendMessage (runs inside the transaction). */
import { EntryKind } from '../../../contract/index.js';
import { checkAttachment, checkEntry, newEntry, storedAnswer, toAttachment } from '../entries.js';
import type { AppendInput, AppendResult } from '../Store.js';
import { conversationMissingError } from '../errors.js';
import { isPerItemError } from './errors.js';
import { searchRow } from './searchIndex.js';
import type { Outcome } from '../groupCommit.js';
import { toAttachmentRecord, toMessageOrNull, toNewEntryRow } from './messageRows.js';
import type { Statements, TargetRow } from './statements.js';

/**
 * Appends each input in order. A bad input (unknown conversation, constraint failure) fails
 * alone; any other error propagates and rolls back the whole batch. Each conversation's last seq
 * and each sender's receipts are written once per batch, not once per message. New messages get
 * their search words later (searchBacklog.ts); `searchMark` is the rowid up to which the search
 * index holds words, so an edit or a delete changes the words of a target at or before it.
 */
export function appendBatch(
  q: Statements,
  inputs: readonly AppendInput[],
  now: number,
  searchMark: number,
): Outcome<AppendResult>[] {
  const lastSeqs = new Map<string, number>();
  /** conversationId -> senderId -> newest seq that sender appended in this batch */
  const senderSeqs = new Map<string, Map<string, number>>();

  const outcomes = inputs.map((input): Outcome<AppendResult> => {
    try {
      const result = appendOne(q, input, now, lastSeqs, searchMark);
      if (result.status === 'created') {
        const { conversationId, senderId, seq } = result.message;
        lastSeqs.set(conversationId, seq);
        const senders = senderSeqs.get(conversationId) ?? new Map<string, number>();
        senders.set(senderId, seq);
        senderSeqs.set(conversationId, senders);
      }
      return { ok: true, value: result };
    } catch (error) {
      if (isPerItemError(error)) return { ok: false, error };
      throw error;
    }
  });

  for (const [conversationId, senders] of senderSeqs) {
    q.setLastSeq.run(lastSeqs.get(conversationId)!, conversationId);
    // The sender has obviously seen their own message.
    for (const [senderId, seq] of senders) q.raiseReceipts.run(seq, seq, conversationId, senderId);
  }
  return outcomes;
}

function appendOne(
  q: Statements,
  input: AppendInput,
  now: number,
  lastSeqs: Map<string, number>,
  searchMark: number,
): AppendResult {
  // Reads inside the transaction also see rows written earlier in this batch, so an entry sent
  // twice within one batch is a duplicate too, and an operation sees its target as the earlier
  // entries of the batch left it. The duplicate check comes before the rules: a resend of an
  // accepted operation gets its ack even if its target has changed since.
  const existing = toMessageOrNull(q, q.messageById.get(input.id));
  if (existing) return storedAnswer(existing, input);
  const lastSeq = lastSeqs.get(input.conversationId) ?? q.lastSeq.get(input.conversationId);
  if (lastSeq === undefined) {
    throw conversationMissingError();
  }
  let target: TargetRow | undefined;
  checkEntry(input, (id) => {
    const row = q.target.get(id);
    if (id === input.targetId) target = row;
    return row && { ...row, deleted: row.deleted === 1 };
  });
  checkAttachment(input, (id) => q.attachmentById.get(id));
  const message = newEntry(input, lastSeq + 1, now);
  // The insert is this input's first write and the only one a constraint can reject: if it does,
  // nothing of it remains and the batch can go on (no savepoint needed).
  q.insertMessage.run(toNewEntryRow(message));
  const indexed = target !== undefined && target.rowid <= searchMark;
  switch (message.kind) {
    case EntryKind.message:
      if (input.attachmentId != null) {
        q.attachToMessage.run(message.id, input.attachmentId);
        message.attachment = toAttachment(toAttachmentRecord(q.attachmentById.get(input.attachmentId)!));
      }
      break;
    case EntryKind.edit:
      q.editMessage.run(message.text, now, message.targetId!);
      if (indexed) {
        q.deleteSearchTerms.run(target!.rowid);
        q.insertSearchTerms.run(
          target!.rowid,
          ...searchRow(message.text, target!.conversationId, target!.senderId),
        );
      }
      break;
    case EntryKind.delete:
      q.deleteMessage.run(message.targetId!);
      q.detachFromMessage.run(message.targetId!);
      q.emptyEdits.run(message.targetId!);
      if (indexed) q.deleteSearchTerms.run(target!.rowid);
      break;
    case EntryKind.reaction:
      if (message.reactionOn) {
        q.addReaction.run(
          message.targetId!,
          message.senderId,
          message.emoji!,
          message.conversationId,
          message.seq,
        );
      } else {
        q.removeReaction.run(message.targetId!, message.senderId, message.emoji!);
      }
      break;
  }
  return { status: 'created', message };
}
