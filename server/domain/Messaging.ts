/**
 * Messaging: send (member check, per-user rate limit, idempotent append with group commit, then
 * relay), catch-up (`after`) and history (`before`). Socket and HTTP share these semantics.
 */
import { ErrorCode } from '../../contract/errors.js';
import {
  EntryKind,
  type Message,
  type MessagePage,
  type SendResult,
  type User,
} from '../../contract/events.js';
import { PAGE_SIZE_DEFAULT } from '../../contract/limits.js';
import type { SendMessageInput } from '../../contract/schemas.js';
import { AppError, rateLimited } from '../errors.js';
import type { Relay } from '../realtime/relay.js';
import type { RateLimiter, RateLimitResult, RateLimitRule } from '../scale/RateLimiter.js';
import { isSameEntry } from '../store/entries.js';
import type { AppendInput, AppendResult, Store } from '../store/Store.js';
import type { DomainListener } from './index.js';
import type { BlobKeeper } from '../attachments/index.js';
import type { Membership } from './membership.js';

export interface MessagingDeps {
  store: Store;
  relay: Relay;
  rateLimiter: RateLimiter;
  membership: Membership;
  sendRule: RateLimitRule;
  /** How long after sending its author may edit a message (EDIT_WINDOW_HOURS), ms. */
  editWindowMs: number;
  now: () => number;
  listener?: Pick<DomainListener, 'messageStored'>;
  /** Removes a deleted message's file once nothing else refers to it. */
  blobs: BlobKeeper;
}

export interface SendOptions {
  /**
   * The caller already knows the user is a member (the socket is in the conversation's room,
   * which the adapter keeps in step with membership on every node): skips a store read.
   */
  knownMember?: boolean;
  /**
   * The socket the message came from: it learns the message from its ack, so the broadcast skips
   * it (its user's other devices still get it).
   */
  originSocketId?: string;
}

/** One entry's outcome in a batch: what send would have resolved with, or thrown. */
export type SendOutcome = { ok: true; value: SendResult } | { ok: false; error: unknown };

export interface BatchOptions {
  /** Whether the caller knows the user is a member of a conversation (see SendOptions). */
  knownMember?: (conversationId: string) => boolean;
  /** The socket the entries came from (see SendOptions). */
  originSocketId?: string;
}

export class Messaging {
  /**
   * Per user+conversation: resolves once the previous send has handed its message to the store.
   * Checks run concurrently, but appends start in arrival order, so per-conversation order is the
   * order sent even when a check (a Redis or PostgreSQL round trip) answers out of order.
   */
  private readonly gates = new Map<string, Promise<void>>();

  constructor(private readonly deps: MessagingDeps) {}

  /**
   * Stores the log entry (a message, or an edit, delete or reaction change of one) or finds the
   * original by id, and fans it out. The rules of operations are checked by the store, in the
   * transaction that appends (entries.ts), so two nodes racing on one message cannot both win.
   */
  async send(user: User, input: SendMessageInput, options: SendOptions = {}): Promise<SendResult> {
    const entry = this.toAppendInput(user, input);
    // Where the store reads the membership inside the commit (one query per batch), it is not
    // read again here: one round trip less per message with several nodes.
    const checkedByStore = !options.knownMember && this.deps.store.checksMembershipOnAppend;
    if (checkedByStore) entry.senderMustBeMember = true;
    const key = `${user.id} ${input.conversationId}`;
    const limitKey = sendLimitKey(user.id);
    const previous = this.gates.get(key);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    this.gates.set(key, gate);

    let appended;
    // A delete takes its message's file along: learn which blob before the row is gone (read
    // alongside the checks, finished before the append starts).
    const freed = this.freedBlob(user, input);
    try {
      const taking = this.deps.rateLimiter.take(limitKey, this.deps.sendRule);
      const limit =
        options.knownMember || checkedByStore
          ? await taking
          : (await Promise.all([taking, this.deps.membership.require(user.id, input.conversationId)]))[0];
      if (!limit.allowed) return await this.duplicateOrTooFast(user, input, entry, checkedByStore, limit);
      if (previous) await previous;
      await freed?.catch(() => null);
      appended = this.deps.store.appendMessage(entry);
    } finally {
      open();
      if (this.gates.get(key) === gate) this.gates.delete(key);
    }
    return this.settle(user, await appended, freed, options.originSocketId);
  }

  /**
   * Several entries from one device in the order it acted (an outbox replaying): each is checked
   * in turn (rate limit, membership) and every one that passes is appended in one commit
   * (Store.appendMessages), so a failed commit stores none of them and a later entry is never
   * stored without an earlier one. The first entry refused before its append ends the batch: its
   * outcome is the last, and the entries after it are not tried (`stopped`).
   */
  async sendBatch(
    user: User,
    inputs: readonly SendMessageInput[],
    options: BatchOptions = {},
  ): Promise<{ outcomes: SendOutcome[]; stopped: boolean }> {
    const checkedByStore = this.deps.store.checksMembershipOnAppend;
    const limitKey = sendLimitKey(user.id);
    // The batch holds the gate of each conversation it touches until its appends are queued: a
    // send that arrives meanwhile appends after the whole batch, as it would after one entry.
    const keys = [...new Set(inputs.map((input) => `${user.id} ${input.conversationId}`))];
    const previous = keys.flatMap((key) => this.gates.get(key) ?? []);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    for (const key of keys) this.gates.set(key, gate);

    const outcomes: Array<SendOutcome | undefined> = [];
    const planned: Array<{ at: number; entry: AppendInput; freed: Promise<string | null> | null }> = [];
    let stopped = false;
    let appends: Promise<AppendResult>[] = [];
    const members = new Map<string, Promise<unknown>>();
    try {
      for (const input of inputs) {
        const entry = this.toAppendInput(user, input);
        const knownMember = options.knownMember?.(input.conversationId) ?? false;
        const byStore = !knownMember && checkedByStore;
        if (byStore) entry.senderMustBeMember = true;
        const freed = this.freedBlob(user, input);
        try {
          const taking = this.deps.rateLimiter.take(limitKey, this.deps.sendRule);
          if (!knownMember && !byStore) {
            let member = members.get(input.conversationId);
            if (!member) {
              member = this.deps.membership.require(user.id, input.conversationId);
              members.set(input.conversationId, member);
            }
            await member;
          }
          const limit = await taking;
          if (!limit.allowed) {
            outcomes.push({
              ok: true,
              value: await this.duplicateOrTooFast(user, input, entry, byStore, limit),
            });
            continue;
          }
        } catch (error) {
          outcomes.push({ ok: false, error });
          stopped = true;
          break;
        }
        planned.push({ at: outcomes.length, entry, freed });
        outcomes.push(undefined);
      }
      await Promise.all(previous);
      for (const { freed } of planned) await freed?.catch(() => null);
      if (planned.length > 0) appends = this.deps.store.appendMessages(planned.map((p) => p.entry));
    } finally {
      open();
      for (const key of keys) if (this.gates.get(key) === gate) this.gates.delete(key);
    }
    const settled = await Promise.allSettled(appends);
    // In order: the receivers get the new entries in seq order.
    for (const [i, result] of settled.entries()) {
      const { at, freed } = planned[i]!;
      if (result.status === 'rejected') outcomes[at] = { ok: false, error: result.reason };
      else {
        try {
          outcomes[at] = {
            ok: true,
            value: await this.settle(user, result.value, freed, options.originSocketId),
          };
        } catch (error) {
          outcomes[at] = { ok: false, error };
        }
      }
    }
    return { outcomes: outcomes as SendOutcome[], stopped };
  }

  /** The blob a delete frees, read alongside the checks (null for any other entry). */
  private freedBlob(user: User, input: SendMessageInput): Promise<string | null> | null {
    if (input.kind !== EntryKind.delete) return null;
    const freed = this.attachmentBlob(input.targetId, user.id);
    freed.catch(() => undefined);
    return freed;
  }

  /**
   * A send refused by the rate limit: a client replaying its outbox after an outage resends what
   * is already stored, and gets its duplicate ack, not RATE_LIMITED (a read only on this path,
   * none on the hot one). Throws RATE_LIMITED when it is not stored.
   */
  private async duplicateOrTooFast(
    user: User,
    input: SendMessageInput,
    entry: AppendInput,
    membershipUnchecked: boolean,
    limit: RateLimitResult,
  ): Promise<SendResult> {
    // A non-member learns FORBIDDEN, never whether an id is stored (off the hot path).
    if (membershipUnchecked) await this.deps.membership.require(user.id, input.conversationId);
    const stored = await this.deps.store.getMessage(input.id);
    if (stored && isSameEntry(stored, entry)) return { message: stored, duplicate: true };
    throw rateLimited(limit.retryAfterMs, 'You are sending messages too fast.');
  }

  /** What an append's result means for the sender, and the fan-out of an entry just stored. */
  private async settle(
    user: User,
    result: AppendResult,
    freed: Promise<string | null> | null,
    originSocketId: string | undefined,
  ): Promise<SendResult> {
    if (result.status === 'conflict') {
      throw new AppError(
        ErrorCode.ID_CONFLICT,
        'This id is already used by another message or action. Send it again as a new one.',
      );
    }
    if (result.status === 'created') {
      this.deps.relay.message(result.message, originSocketId);
      this.deps.listener?.messageStored(result.message);
      const sha256 = await freed?.catch(() => null);
      if (sha256) await this.deps.blobs.release(sha256);
    }
    // A duplicate stored nothing: its token goes back, so resends never use up the allowance.
    else this.refund(user.id);
    return { message: result.message, duplicate: result.status === 'duplicate' };
  }

  private toAppendInput(user: User, input: SendMessageInput): AppendInput {
    // One literal, then the kind's fields: this runs for every send, and V8 builds a spread of a
    // shared base into a new literal far more slowly than it adds known fields.
    const entry: AppendInput = {
      id: input.id,
      conversationId: input.conversationId,
      senderId: user.id,
      senderName: user.username,
      typedAt: input.typedAt,
      kind: input.kind,
      text: '',
    };
    switch (input.kind) {
      case EntryKind.message:
        entry.text = input.text;
        entry.replyTo = input.replyTo ?? null;
        entry.attachmentId = input.attachment?.id ?? null;
        break;
      case EntryKind.edit:
        entry.text = input.text;
        entry.targetId = input.targetId;
        entry.editableFrom = this.deps.now() - this.deps.editWindowMs;
        break;
      case EntryKind.delete:
        entry.targetId = input.targetId;
        break;
      case EntryKind.reaction:
        entry.targetId = input.targetId;
        entry.emoji = input.emoji;
        entry.reactionOn = input.on;
        break;
    }
    return entry;
  }

  /** The blob of the sender's message's attachment, or null. */
  private async attachmentBlob(messageId: string, senderId: string): Promise<string | null> {
    const message = await this.deps.store.getMessage(messageId);
    if (!message?.attachment || message.senderId !== senderId) return null;
    return (await this.deps.store.getAttachment(message.attachment.id))?.sha256 ?? null;
  }

  private refund(userId: string): void {
    this.deps.rateLimiter.take(sendLimitKey(userId), this.deps.sendRule, -1).catch(() => {
      // A lost refund only makes the limit a little stricter for a moment.
    });
  }

  /** Catch-up: messages after `afterSeq`, oldest first, one page. */
  async after(
    user: User,
    conversationId: string,
    afterSeq: number,
    limit = PAGE_SIZE_DEFAULT,
  ): Promise<MessagePage> {
    const read = (n: number) => this.deps.store.messagesAfter(conversationId, afterSeq, n);
    return this.page(user, conversationId, limit, read, 'oldest');
  }

  /** History: the newest page before `beforeSeq` (the newest page when null), oldest first. */
  async before(
    user: User,
    conversationId: string,
    beforeSeq: number | null,
    limit = PAGE_SIZE_DEFAULT,
  ): Promise<MessagePage> {
    const read = (n: number) => this.deps.store.messagesBefore(conversationId, beforeSeq, n);
    return this.page(user, conversationId, limit, read, 'newest');
  }

  /**
   * One page for a member: `read` asks for one entry more than `limit`, which only tells whether
   * there are more; the page keeps the `limit` entries at the `keep` end (the side away from
   * where paging continues).
   */
  private async page(
    user: User,
    conversationId: string,
    limit: number,
    read: (count: number) => Promise<Message[]>,
    keep: 'oldest' | 'newest',
  ): Promise<MessagePage> {
    await this.deps.membership.require(user.id, conversationId);
    const [rows, conversation] = await Promise.all([
      read(limit + 1),
      this.deps.store.getConversation(conversationId),
    ]);
    const hasMore = rows.length > limit;
    const messages = !hasMore
      ? rows
      : keep === 'oldest'
        ? rows.slice(0, limit)
        : rows.slice(rows.length - limit);
    return { messages, hasMore, lastSeq: lastSeqOf(conversation?.lastSeq, messages) };
  }
}

const sendLimitKey = (userId: string): string => `send:${userId}`;

/** The conversation's newest seq; never below what the page itself shows (reads are not atomic). */
function lastSeqOf(conversationLastSeq: number | undefined, messages: readonly { seq: number }[]): number {
  return Math.max(conversationLastSeq ?? 0, messages.at(-1)?.seq ?? 0);
}
