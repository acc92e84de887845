/** The body of one group-commit transaction for appendMessage (runs inside the transaction). */
import type { Message } from '../../../contract/index.js';
import { searchTermsText } from '../../../contract/search.js';
import type { AppendInput, AppendResult } from '../Store.js';
import { conversationMissingError } from '../errors.js';
import { isPerItemError } from './errors.js';
import type { Outcome } from './groupCommit.js';
import type { Statements } from './statements.js';

/**
 * Appends each input in order. A bad input (unknown conversation, constraint failure) fails
 * alone; any other error propagates and rolls back the whole batch. Each conversation's last seq
 * and each sender's receipts are written once per batch, not once per message.
 */
export function appendBatch(
  q: Statements,
  inputs: readonly AppendInput[],
  now: number,
): Outcome<AppendResult>[] {
  const lastSeqs = new Map<string, number>();
  /** conversationId -> senderId -> newest seq that sender appended in this batch */
  const senderSeqs = new Map<string, Map<string, number>>();

  const outcomes = inputs.map((input): Outcome<AppendResult> => {
    try {
      const result = appendOne(q, input, now, lastSeqs);
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
): AppendResult {
  // Reads inside the transaction also see rows inserted earlier in this batch, so a message sent
  // twice within one batch is a duplicate too.
  const existing = q.messageById.get(input.id);
  if (existing) {
    const same = existing.senderId === input.senderId && existing.conversationId === input.conversationId;
    return same ? { status: 'duplicate', message: existing } : { status: 'conflict' };
  }
  const lastSeq = lastSeqs.get(input.conversationId) ?? q.lastSeq.get(input.conversationId);
  if (lastSeq === undefined) {
    throw conversationMissingError();
  }
  const message: Message = {
    id: input.id,
    conversationId: input.conversationId,
    seq: lastSeq + 1,
    senderId: input.senderId,
    senderName: input.senderName,
    text: input.text,
    typedAt: input.typedAt,
    createdAt: now,
  };
  // The insert is this input's only write that a constraint can reject: if it does, nothing of it
  // remains and the batch can go on (no savepoint needed). Its search words follow it.
  const { lastInsertRowid } = q.insertMessage.run(message);
  q.insertSearchTerms.run(lastInsertRowid, searchTermsText(message.text));
  return { status: 'created', message };
}
