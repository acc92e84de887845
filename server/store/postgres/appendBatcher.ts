/**
 * Group commit for PostgreSQL: concurrent appendMessage calls wait a moment (one event-loop turn),
 * then share one transaction; the queue is the stores' shared GroupCommit (../groupCommit.ts).
 * Seqs come from `conversations.last_seq`, bumped under a row lock, so two nodes appending to the
 * same conversation queue on that row and never produce a gap or a duplicate seq. Every caller's
 * promise settles only after COMMIT returns.
 */
import type { Pool, PoolClient } from 'pg';
import { ErrorCode } from '../../../contract/errors.js';
import { EntryKind, type Message } from '../../../contract/index.js';
import type { AppendInput, AppendResult, AttachmentRecord, CommitInfo } from '../Store.js';
import { StoreError, conversationMissingError, notSavedError, storeClosedError } from '../errors.js';
import { notAMember } from '../../errors.js';
import { searchTermsText } from '../../../contract/search.js';
import { checkAttachment, checkEntry, newEntry, storedAnswer, toAttachment } from '../entries.js';
import { GroupCommit, type Outcome } from '../groupCommit.js';
import {
  ATTACHMENT_COLUMNS,
  MESSAGE_COLUMNS,
  toAttachmentRecord,
  toMessages,
  type AttachmentRow,
  type MessageRow,
} from './rows.js';
import { appendPlain, isPlainBatch } from './plainAppend.js';
import { inTransaction } from './transaction.js';

export interface BatcherOptions {
  /** Most appends in one transaction. */
  maxBatch: number;
  onCommit?: (info: CommitInfo) => void;
}

/** A batch can lose a race with another node (same id inserted first, deadlock): run it again. */
const RETRYABLE = new Set(['23505', '40001', '40P01']);
const MAX_ATTEMPTS = 5;

/** Postgres `text` cannot hold U+0000; reject such input alone instead of failing a whole batch. */
const hasNul = (s: string): boolean => s.includes('\u0000');

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** appendMessage on PostgreSQL: the shared GroupCommit queue, each batch one transaction here. */
export class AppendBatcher {
  private readonly appends: GroupCommit<AppendInput, AppendResult>;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly options: BatcherOptions,
  ) {
    this.appends = new GroupCommit((inputs) => this.commitBatch(inputs), {
      maxBatch: options.maxBatch,
      batchError: toBatchError,
    });
  }

  /** Queues one append; resolves after the batch holding it has committed. */
  append(input: AppendInput): Promise<AppendResult> {
    return this.refusal(input) ?? this.appends.submit(input);
  }

  /** Queues appends that commit in one transaction (Store.appendMessages). */
  appendGroup(inputs: readonly AppendInput[]): Promise<AppendResult>[] {
    const refusals = inputs.map((input) => this.refusal(input));
    const queued = this.appends.submitGroup(inputs.filter((_, i) => !refusals[i]));
    let next = 0;
    return refusals.map((refusal) => refusal ?? queued[next++]!);
  }

  /** Why an input cannot be queued at all (the store is closed, or PostgreSQL text cannot hold it). */
  private refusal(input: AppendInput): Promise<never> | undefined {
    if (this.closed) return Promise.reject(storeClosedError());
    const text = [
      input.id,
      input.conversationId,
      input.senderId,
      input.senderName,
      input.text,
      input.emoji ?? '',
    ];
    if (!text.some(hasNul)) return undefined;
    return Promise.reject(
      new StoreError(
        ErrorCode.BAD_REQUEST,
        'A message may not contain the character U+0000. Remove it and send again.',
      ),
    );
  }

  /** Refuses new appends and resolves once every queued one has settled. */
  async close(): Promise<void> {
    this.closed = true;
    await this.appends.drain();
  }

  /**
   * One batch, retried whole when it lost a race with another node. Throws when the whole batch
   * failed (GroupCommit rejects each caller with toBatchError); nothing of it was stored then.
   */
  private async commitBatch(batch: readonly AppendInput[]): Promise<Outcome<AppendResult>[]> {
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let outcomes: Outcome<AppendResult>[];
      try {
        outcomes = await this.transaction(batch);
      } catch (err) {
        const state = sqlState(err);
        if (state && RETRYABLE.has(state) && attempt < MAX_ATTEMPTS) continue;
        // A data error (class 22/23) may come from one input: retry each alone so the others commit.
        if (batch.length > 1 && state && /^2[23]/.test(state)) return this.commitEach(batch);
        throw err;
      }
      try {
        this.options.onCommit?.({ messages: batch.length, ms: performance.now() - started });
      } catch {
        // Metrics must never undo a commit that already happened.
      }
      return outcomes;
    }
  }

  /** Each input in a transaction of its own, so one bad input fails alone. */
  private async commitEach(batch: readonly AppendInput[]): Promise<Outcome<AppendResult>[]> {
    const outcomes: Outcome<AppendResult>[] = [];
    for (const input of batch) {
      try {
        outcomes.push(...(await this.commitBatch([input])));
      } catch (err) {
        outcomes.push({ ok: false, error: toBatchError(err) });
      }
    }
    return outcomes;
  }

  private async transaction(inputs: readonly AppendInput[]): Promise<Outcome<AppendResult>[]> {
    const plain = isPlainBatch(inputs) ? await appendPlain(this.pool, inputs) : null;
    return plain ?? inTransaction(this.pool, (client) => this.appendAll(client, inputs));
  }

  private async appendAll(
    client: PoolClient,
    inputs: readonly AppendInput[],
  ): Promise<Outcome<AppendResult>[]> {
    // Lock the conversations first, in id order (two nodes' batches cannot deadlock), so the reads
    // below see every entry committed to them before this transaction got the lock: an edit and a
    // delete of one message on two nodes are decided one after the other, never both on the
    // state before either.
    const conversationIds = [...new Set(inputs.map((i) => i.conversationId))].sort();
    // The same statement reads which of the senders that must be members (senderMustBeMember) are,
    // in those conversations: one query for the batch and no extra round trip, where a read per
    // message went before the append (as of this statement's start, still after that read).
    const asked = [...new Set(inputs.flatMap((i) => (i.senderMustBeMember ? [i.senderId] : [])))];
    // The inputs' ids (duplicates) and the messages they act on or reply to.
    const wanted = new Set<string>();
    for (const input of inputs) {
      wanted.add(input.id);
      if (input.targetId) wanted.add(input.targetId);
      if (input.replyTo) wanted.add(input.replyTo);
    }
    // It also asks, as of the statement's start, which of those messages exist and each
    // conversation's last seq then (`seen_seq`; `last_seq` is the locked row's, read after any
    // lock wait). Every entry bumps its conversation's last seq, so when the two agree nothing
    // was committed to these conversations between that start and the lock: none found then means
    // none, and the batch skips the read of them (a round trip). A message of another conversation
    // committed in between with one of the ids makes the insert fail, and the batch runs again.
    const locked = await client.query<{
      id: string;
      last_seq: number;
      seen_seq: number;
      members: string[];
      found: boolean;
    }>(
      `WITH locked AS (
         SELECT id, last_seq FROM conversations WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE
       )
       SELECT l.id, l.last_seq, s.last_seq AS seen_seq,
              ARRAY(SELECT m.user_id FROM members m
                     WHERE m.conversation_id = l.id AND m.user_id = ANY($2::text[])) AS members,
              EXISTS (SELECT 1 FROM messages WHERE id = ANY($3::text[])) AS found
         FROM locked l JOIN conversations s ON s.id = l.id ORDER BY l.id`,
      [conversationIds, asked, [...wanted]],
    );
    const lastSeqs = new Map(locked.rows.map((r) => [r.id, r.last_seq]));
    const members = new Set(locked.rows.flatMap((r) => r.members.map((userId) => memberKey(r.id, userId))));
    const current =
      locked.rows.length === conversationIds.length &&
      locked.rows.every((r) => !r.found && Number(r.seen_seq) === Number(r.last_seq));

    const existing = current
      ? { rows: [] as MessageRow[] }
      : await client.query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ANY($1::text[])`, [
          [...wanted],
        ]);
    // The uploads messages carry, locked: two nodes cannot send one upload with two messages.
    const attachmentIds = inputs.flatMap((i) => (i.attachmentId ? [i.attachmentId] : []));
    const uploads = new Map<string, AttachmentRecord>();
    if (attachmentIds.length > 0) {
      const found = await client.query<AttachmentRow>(
        `SELECT ${ATTACHMENT_COLUMNS} FROM attachments WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
        [attachmentIds],
      );
      for (const row of found.rows) uploads.set(row.id, toAttachmentRecord(row));
    }
    /** Every entry the batch can see, as the inputs so far left it (copies: acks stay as made). */
    const known = new Map((await toMessages(client, existing.rows)).map((m) => [m.id, m]));

    const createdAt = Date.now();
    const created: Message[] = [];
    /** Targets whose text or deletion changed, by id (their state is in `known`). */
    const changed = new Set<string>();
    const reactionChanges: Message[] = [];
    const attached: AttachmentRecord[] = [];
    const outcomes = inputs.map((input): Outcome<AppendResult> => {
      // First, as the read before the append it replaces did: a missing conversation has no
      // members, so a non-member cannot tell it from one they are not in.
      if (input.senderMustBeMember && !members.has(memberKey(input.conversationId, input.senderId)))
        return { ok: false, error: notAMember() };
      // The duplicate check comes before the rules: a resend of an accepted operation gets its
      // ack even if its target has changed since. Entries made earlier in this batch count too.
      const found = known.get(input.id);
      if (found) return { ok: true, value: storedAnswer(found, input) };
      const lastSeq = lastSeqs.get(input.conversationId);
      if (lastSeq === undefined) return { ok: false, error: conversationMissingError() };
      try {
        checkEntry(input, (id) => known.get(id));
        checkAttachment(input, (id) => uploads.get(id));
      } catch (error) {
        return { ok: false, error };
      }
      const message = newEntry(input, lastSeq + 1, createdAt);
      const upload = input.attachmentId ? uploads.get(input.attachmentId) : undefined;
      if (upload && message.kind === EntryKind.message) {
        upload.messageId = message.id;
        message.attachment = toAttachment(upload);
        attached.push(upload);
      }
      lastSeqs.set(input.conversationId, message.seq);
      created.push(message);
      known.set(message.id, { ...message });
      const target = message.targetId === null ? undefined : known.get(message.targetId);
      if (message.kind === EntryKind.edit && target) {
        target.text = message.text;
        target.editedAt = createdAt;
        changed.add(target.id);
      } else if (message.kind === EntryKind.delete && target) {
        target.text = '';
        target.deleted = true;
        target.attachment = null;
        changed.add(target.id);
      } else if (message.kind === EntryKind.reaction) {
        reactionChanges.push(message);
      }
      return { ok: true, value: { status: 'created', message } };
    });

    if (created.length > 0) {
      await insertMessages(client, created, lastSeqs);
      await applyToTargets(
        client,
        [...changed].map((id) => known.get(id)!),
        reactionChanges,
      );
      if (attached.length > 0) {
        await client.query(
          `UPDATE attachments AS a SET message_id = v.message_id
             FROM UNNEST($1::text[], $2::text[]) AS v(id, message_id) WHERE a.id = v.id`,
          [attached.map((a) => a.id), attached.map((a) => a.messageId)],
        );
      }
    }
    return outcomes;
  }
}

/** Key of one (conversation, user) membership in membersAmong's answer. */
const memberKey = (conversationId: string, userId: string): string => `${conversationId} ${userId}`;

/**
 * What operations do to their targets, after the entries are inserted: the latest text, edit time,
 * deletion and search words of each changed message (a deleted one keeps no words, and its edits
 * lose their text), then reaction changes in the order they were made.
 */
async function applyToTargets(
  client: PoolClient,
  targets: readonly Message[],
  reactionChanges: readonly Message[],
): Promise<void> {
  if (targets.length > 0) {
    await client.query(
      `UPDATE messages AS m
          SET text = v.text, edited_at = v.edited_at, deleted = v.deleted, search_terms = v.terms
         FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::boolean[], $5::text[])
           AS v(id, text, edited_at, deleted, terms)
        WHERE m.id = v.id`,
      [
        targets.map((t) => t.id),
        targets.map((t) => t.text),
        targets.map((t) => t.editedAt),
        targets.map((t) => t.deleted),
        targets.map((t) => (t.deleted ? '' : searchTermsText(t.text))),
      ],
    );
    const deleted = targets.filter((t) => t.deleted).map((t) => t.id);
    if (deleted.length > 0) {
      // A deleted message keeps no file: its attachment row goes (the blob, once unreferenced, after).
      await client.query('DELETE FROM attachments WHERE message_id = ANY($1::text[])', [deleted]);
      await client.query(
        "UPDATE messages SET text = '' WHERE kind = 'edit' AND target_id = ANY($1::text[]) AND text <> ''",
        [deleted],
      );
    }
  }
  for (const r of reactionChanges) {
    if (r.reactionOn) {
      await client.query(
        `INSERT INTO reactions (message_id, user_id, emoji, conversation_id, seq) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (message_id, user_id, emoji) DO NOTHING`,
        [r.targetId, r.senderId, r.emoji, r.conversationId, r.seq],
      );
    } else {
      await client.query('DELETE FROM reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3', [
        r.targetId,
        r.senderId,
        r.emoji,
      ]);
    }
  }
}

/**
 * One statement for the batch's rows: the multi-row INSERT (UNNEST of column arrays), the senders'
 * own receipts and each conversation's last seq, as data-modifying CTEs (one round trip instead of
 * three; they touch three different tables, so none needs to see another's rows).
 */
async function insertMessages(
  client: PoolClient,
  messages: Message[],
  lastSeqs: ReadonlyMap<string, number>,
): Promise<void> {
  const col = <K extends keyof Message>(k: K): Message[K][] => messages.map((m) => m[k]);
  // The sender has obviously seen what they sent: raise their receipts to their newest seq.
  const newest = new Map<string, Message>();
  for (const m of messages) newest.set(`${m.conversationId}\u0000${m.senderId}`, m);
  const tops = [...newest.values()];
  const conversations = [...new Set(messages.map((m) => m.conversationId))];
  await client.query(
    `WITH inserted AS (
       INSERT INTO messages (${MESSAGE_COLUMNS}, search_terms)
       SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                            $7::text[], $8::text[], $9::text[], $10::text[], $11::boolean[], $12::bigint[],
                            $13::boolean[], $14::bigint[], $15::bigint[], $16::text[])
     ), receipts AS (
       UPDATE members AS m
          SET delivered_seq = GREATEST(m.delivered_seq, v.seq), read_seq = GREATEST(m.read_seq, v.seq)
         FROM UNNEST($17::text[], $18::text[], $19::bigint[]) AS v(conversation_id, user_id, seq)
        WHERE m.conversation_id = v.conversation_id AND m.user_id = v.user_id
     )
     UPDATE conversations AS c SET last_seq = v.last_seq
       FROM UNNEST($20::text[], $21::bigint[]) AS v(id, last_seq)
      WHERE c.id = v.id`,
    [
      col('id'),
      col('conversationId'),
      col('seq'),
      col('senderId'),
      col('senderName'),
      col('kind'),
      col('text'),
      col('replyTo'),
      col('targetId'),
      col('emoji'),
      col('reactionOn'),
      col('editedAt'),
      col('deleted'),
      col('typedAt'),
      col('createdAt'),
      // Only messages are found by search; an edit's words go to its target.
      messages.map((m) => (m.kind === EntryKind.message ? searchTermsText(m.text) : '')),
      tops.map((m) => m.conversationId),
      tops.map((m) => m.senderId),
      tops.map((m) => m.seq),
      conversations,
      conversations.map((id) => lastSeqs.get(id)!),
    ],
  );
}

/**
 * What every caller of a failed batch receives; nothing of the batch was stored. Lost or refused
 * connections (PostgreSQL restarting, pool exhausted) are UNAVAILABLE so clients retry.
 * https://www.postgresql.org/docs/current/errcodes-appendix.html (classes 08, 53, 57)
 */
function toBatchError(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const state = sqlState(err) ?? '';
  const unavailable = /^(08|53|57)/.test(state) || !/^[0-9A-Z]{5}$/.test(state);
  return unavailable
    ? new StoreError(
        ErrorCode.UNAVAILABLE,
        'The message store is unreachable. Your message was not saved; it will be sent again.',
        { cause: err },
      )
    : notSavedError(err);
}
