/**
 * Group commit for PostgreSQL: concurrent appendMessage calls wait a moment (one event-loop turn),
 * then share one transaction. Seqs come from `conversations.last_seq`, bumped under a row lock,
 * so two nodes appending to the same conversation queue on that row and never produce a gap or a
 * duplicate seq. Every caller's promise settles only after COMMIT returns.
 */
import type { Pool, PoolClient } from 'pg';
import { ErrorCode } from '../../../contract/errors.js';
import type { Message } from '../../../contract/index.js';
import type { AppendInput, AppendResult, CommitInfo } from '../Store.js';
import { StoreError, conversationMissingError, storeClosedError } from '../errors.js';
import { searchTermsText } from '../../../contract/search.js';
import { MESSAGE_COLUMNS, toMessage, type MessageRow } from './rows.js';
import { inTransaction } from './transaction.js';

interface Pending {
  input: AppendInput;
  resolve: (result: AppendResult) => void;
  reject: (err: Error) => void;
}

type Outcome = { result: AppendResult } | { error: Error };

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

/** The same message sent again: same id, same sender, same conversation. */
function sameOrigin(stored: Message, input: AppendInput): boolean {
  return stored.senderId === input.senderId && stored.conversationId === input.conversationId;
}

export class AppendBatcher {
  private queue: Pending[] = [];
  private draining: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly options: BatcherOptions,
  ) {}

  /** Queues one append; resolves after the batch holding it has committed. */
  append(input: AppendInput): Promise<AppendResult> {
    if (this.closed) return Promise.reject(storeClosedError());
    const text = [input.id, input.conversationId, input.senderId, input.senderName, input.text];
    if (text.some(hasNul)) {
      return Promise.reject(
        new StoreError(
          ErrorCode.BAD_REQUEST,
          'A message may not contain the character U+0000. Remove it and send again.',
        ),
      );
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Refuses new appends and resolves once every queued one has settled. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    // One turn of the event loop lets every append made by the same burst join this batch.
    await new Promise<void>((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      await this.commitBatch(batch);
    }
    this.draining = null;
  }

  private async commitBatch(batch: Pending[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let outcomes: Outcome[];
      try {
        outcomes = await this.transaction(batch.map((p) => p.input));
      } catch (err) {
        const state = sqlState(err);
        if (state && RETRYABLE.has(state) && attempt < MAX_ATTEMPTS) continue;
        // A data error (class 22/23) may come from one input: retry each alone so the others commit.
        if (batch.length > 1 && state && /^2[23]/.test(state)) {
          for (const p of batch) await this.commitBatch([p]);
          return;
        }
        const error = toBatchError(err);
        for (const p of batch) p.reject(error);
        return;
      }
      try {
        this.options.onCommit?.({ messages: batch.length, ms: performance.now() - started });
      } catch {
        // Metrics must never undo a commit that already happened.
      }
      outcomes.forEach((o, i) => ('error' in o ? batch[i].reject(o.error) : batch[i].resolve(o.result)));
      return;
    }
  }

  private transaction(inputs: AppendInput[]): Promise<Outcome[]> {
    return inTransaction(this.pool, (client) => this.appendAll(client, inputs));
  }

  private async appendAll(client: PoolClient, inputs: AppendInput[]): Promise<Outcome[]> {
    // Lock the conversations first, in id order (two nodes' batches cannot deadlock), so the id
    // check below sees every message committed to them before this transaction got the lock.
    const conversationIds = [...new Set(inputs.map((i) => i.conversationId))].sort();
    await client.query('SELECT id FROM conversations WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [
      conversationIds,
    ]);

    const ids = [...new Set(inputs.map((i) => i.id))];
    const existing = await client.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ANY($1::text[])`,
      [ids],
    );
    const stored = new Map(existing.rows.map((r) => [r.id, toMessage(r)]));

    // Decide each input: already stored, repeated within this batch, or new.
    const outcomes: (Outcome | undefined)[] = new Array(inputs.length);
    const firstInBatch = new Map<string, number>();
    const repeats: Array<[index: number, first: number]> = [];
    const fresh: number[] = [];
    inputs.forEach((input, i) => {
      const found = stored.get(input.id);
      if (found) {
        outcomes[i] = {
          result: sameOrigin(found, input) ? { status: 'duplicate', message: found } : { status: 'conflict' },
        };
        return;
      }
      const first = firstInBatch.get(input.id);
      if (first !== undefined) return void repeats.push([i, first]);
      firstInBatch.set(input.id, i);
      fresh.push(i);
    });

    const counts = new Map<string, number>();
    for (const i of fresh) {
      const c = inputs[i].conversationId;
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    const next = new Map<string, number>();
    if (counts.size > 0) {
      const bumped = await client.query<{ id: string; last_seq: number }>(
        `UPDATE conversations AS c SET last_seq = c.last_seq + v.n
           FROM UNNEST($1::text[], $2::int[]) AS v(id, n)
          WHERE c.id = v.id
        RETURNING c.id, c.last_seq`,
        [[...counts.keys()], [...counts.values()]],
      );
      for (const r of bumped.rows) next.set(r.id, r.last_seq - counts.get(r.id)! + 1);
    }

    const createdAt = Date.now();
    const created: Message[] = [];
    for (const i of fresh) {
      const input = inputs[i];
      const seq = next.get(input.conversationId);
      if (seq === undefined) {
        outcomes[i] = { error: conversationMissingError() };
        continue;
      }
      next.set(input.conversationId, seq + 1);
      const message: Message = {
        id: input.id,
        conversationId: input.conversationId,
        seq,
        senderId: input.senderId,
        senderName: input.senderName,
        text: input.text,
        typedAt: input.typedAt,
        createdAt,
      };
      created.push(message);
      outcomes[i] = { result: { status: 'created', message } };
    }
    for (const [i, first] of repeats) {
      const o = outcomes[first]!;
      if ('error' in o) outcomes[i] = o;
      else if (o.result.status !== 'created') outcomes[i] = o;
      else
        outcomes[i] = {
          result: sameOrigin(o.result.message, inputs[i])
            ? { status: 'duplicate', message: o.result.message }
            : { status: 'conflict' },
        };
    }

    if (created.length > 0) await insertMessages(client, created);
    return outcomes as Outcome[];
  }
}

/** One multi-row INSERT (UNNEST of column arrays), then the senders' own receipts. */
async function insertMessages(client: PoolClient, messages: Message[]): Promise<void> {
  const col = <K extends keyof Message>(k: K): Message[K][] => messages.map((m) => m[k]);
  await client.query(
    `INSERT INTO messages (${MESSAGE_COLUMNS}, search_terms)
     SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                          $7::bigint[], $8::bigint[], $9::text[])`,
    [
      col('id'),
      col('conversationId'),
      col('seq'),
      col('senderId'),
      col('senderName'),
      col('text'),
      col('typedAt'),
      col('createdAt'),
      messages.map((m) => searchTermsText(m.text)),
    ],
  );
  // The sender has obviously seen what they sent: raise their receipts to their newest seq.
  const newest = new Map<string, Message>();
  for (const m of messages) newest.set(`${m.conversationId}\u0000${m.senderId}`, m);
  const tops = [...newest.values()];
  await client.query(
    `UPDATE members AS m
        SET delivered_seq = GREATEST(m.delivered_seq, v.seq), read_seq = GREATEST(m.read_seq, v.seq)
       FROM UNNEST($1::text[], $2::text[], $3::bigint[]) AS v(conversation_id, user_id, seq)
      WHERE m.conversation_id = v.conversation_id AND m.user_id = v.user_id`,
    [tops.map((m) => m.conversationId), tops.map((m) => m.senderId), tops.map((m) => m.seq)],
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
        {
          cause: err,
        },
      )
    : new StoreError(
        ErrorCode.INTERNAL,
        'The server could not save your message. It was not saved; try again.',
        {
          cause: err,
        },
      );
}
