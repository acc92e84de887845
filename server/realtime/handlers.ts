/**
 * The socket event table: each client event's schema (contract/schemas.ts) and the domain call
 * that answers it. Adding an event to the contract without a handler here fails type-checking.
 */
import type { z } from 'zod';
import { ClientEvent, type AckOf, type ClientToServerEvents, type User } from '../../contract/events.js';
import {
  conversationRefSchema,
  createRoomSchema,
  emptySchema,
  joinRoomSchema,
  messagesAfterSchema,
  messagesBeforeSchema,
  parsePlainMessage,
  receiptUpdateSchema,
  searchMessagesSchema,
  sendBatchSchema,
  sendMessageSchema,
  startDirectSchema,
  type SendMessageInput,
  typingUpdateSchema,
} from '../../contract/schemas.js';
import type { Logger } from 'pino';
import type { Ack, SendResult } from '../../contract/events.js';
import type { Domain } from '../domain/index.js';
import { AppError, badRequest, toWireError } from '../errors.js';
import { convRoom } from './rooms.js';
import type { FerrySocket } from './types.js';

export interface HandlerContext {
  socket: FerrySocket;
  user: User;
  domain: Domain;
  /**
   * True when this node is the only one (no adapter across nodes): every membership change then
   * passes through this process and moves its sockets' rooms in the same turn, so a socket's
   * rooms are exactly its user's memberships.
   */
  roomsMatchStore: boolean;
  /** For errors nobody expected: the client gets only their code. */
  logger: Logger;
}

/** What a handler returns: the ack's success payload without `ok`. */
export type OkOf<E extends keyof ClientToServerEvents> = Omit<Extract<AckOf<E>, { ok: true }>, 'ok'>;

export interface EventHandler<S extends z.ZodType = z.ZodType, R = object> {
  schema: S;
  /**
   * The schema's output for the usual payload, found without zod, or null to let the schema
   * decide (and word the errors). Only for events on the hot path (see parsePlainMessage).
   */
  fast?: (payload: unknown) => z.output<S> | null;
  run(ctx: HandlerContext, input: z.output<S>): Promise<R>;
}

function handler<S extends z.ZodType, R>(
  schema: S,
  run: (ctx: HandlerContext, input: z.output<S>) => Promise<R>,
  fast?: (payload: unknown) => z.output<S> | null,
): EventHandler<S, R> {
  return fast ? { schema, run, fast } : { schema, run };
}

/** True when the socket is in the conversation's room, i.e. the user is a member (see Messaging). */
const inRoom = (ctx: HandlerContext, conversationId: string): boolean =>
  ctx.socket.rooms.has(convRoom(conversationId));

// With several nodes membership is read from the store on every send: a room can lag behind a
// leave on another node for a moment, and a message must never be accepted from someone who has
// left. Alone, the socket's room is the membership (see HandlerContext) and saves that read.
const sendHandler = handler(
  sendMessageSchema,
  (ctx, p) =>
    ctx.domain.messaging.send(ctx.user, p, {
      originSocketId: ctx.socket.id,
      knownMember: ctx.roomsMatchStore && inRoom(ctx, p.conversationId),
    }),
  parsePlainMessage,
);

/**
 * The handler's input for `payload` (its fast path first, then its schema), or the BAD_REQUEST
 * naming the first problem.
 */
export function parsePayload<S extends z.ZodType>(
  entry: EventHandler<S, unknown>,
  event: string,
  payload: unknown,
): z.output<S> | AppError {
  const fast = entry.fast?.(payload) ?? null;
  if (fast !== null) return fast;
  const parsed = entry.schema.safeParse(payload);
  return parsed.success ? parsed.data : badRequest(parsed.error, event);
}

export const handlers: { [E in keyof ClientToServerEvents]: EventHandler<z.ZodType, OkOf<E>> } = {
  [ClientEvent.send]: sendHandler,
  [ClientEvent.sendBatch]: handler(sendBatchSchema, (ctx, p) => sendBatch(ctx, p.entries)),
  [ClientEvent.messagesAfter]: handler(messagesAfterSchema, (ctx, p) =>
    ctx.domain.messaging.after(ctx.user, p.conversationId, p.afterSeq, p.limit),
  ),
  [ClientEvent.messagesBefore]: handler(messagesBeforeSchema, (ctx, p) =>
    ctx.domain.messaging.before(ctx.user, p.conversationId, p.beforeSeq ?? null, p.limit),
  ),
  [ClientEvent.listConversations]: handler(emptySchema, async (ctx) => ({
    conversations: await ctx.domain.conversations.list(ctx.user),
  })),
  [ClientEvent.createRoom]: handler(createRoomSchema, async (ctx, p) => ({
    conversation: await ctx.domain.conversations.createRoom(ctx.user, p.name),
  })),
  [ClientEvent.joinRoom]: handler(joinRoomSchema, async (ctx, p) => ({
    conversation: await ctx.domain.conversations.joinByInvite(ctx.user, p.inviteCode),
  })),
  [ClientEvent.startDirect]: handler(startDirectSchema, async (ctx, p) => ({
    conversation: await ctx.domain.conversations.startDirect(ctx.user, p.username),
  })),
  [ClientEvent.leave]: handler(conversationRefSchema, async (ctx, p) => {
    await ctx.domain.conversations.leave(ctx.user, p.conversationId);
    return {};
  }),
  [ClientEvent.members]: handler(conversationRefSchema, async (ctx, p) => ({
    members: await ctx.domain.conversations.members(ctx.user, p.conversationId),
  })),
  [ClientEvent.receipt]: handler(receiptUpdateSchema, async (ctx, p) => ({
    receipt: await ctx.domain.receipts.update(ctx.user, p),
  })),
  [ClientEvent.typing]: handler(typingUpdateSchema, async (ctx, p) => {
    await ctx.domain.typing.update(ctx.user, p, {
      knownMember: inRoom(ctx, p.conversationId),
      exceptSocketId: ctx.socket.id,
    });
    return {};
  }),
  [ClientEvent.search]: handler(searchMessagesSchema, (ctx, p) => ctx.domain.search.messages(ctx.user, p)),
};

/**
 * message:send-batch: each entry is checked as message:send checks it, in turn; the first that
 * is not valid is answered BAD_REQUEST in its place and ends the batch, like any refusal before
 * the append (Messaging.sendBatch).
 */
async function sendBatch(
  ctx: HandlerContext,
  entries: readonly unknown[],
): Promise<{ results: Ack<SendResult>[] }> {
  const inputs: SendMessageInput[] = [];
  let invalid: AppError | null = null;
  for (const raw of entries) {
    const input = parsePayload(sendHandler, ClientEvent.send, raw);
    if (input instanceof AppError) {
      invalid = input;
      break;
    }
    inputs.push(input);
  }
  const { outcomes, stopped } = await ctx.domain.messaging.sendBatch(ctx.user, inputs, {
    originSocketId: ctx.socket.id,
    knownMember: (conversationId) => ctx.roomsMatchStore && inRoom(ctx, conversationId),
  });
  const results = outcomes.map((outcome): Ack<SendResult> => {
    if (outcome.ok) return { ok: true, ...outcome.value };
    if (!(outcome.error instanceof AppError))
      ctx.logger.error({ err: outcome.error, userId: ctx.user.id }, 'batch send failed');
    return { ok: false, error: toWireError(outcome.error) };
  });
  if (invalid && !stopped) results.push({ ok: false, error: invalid.toWire() });
  return { results };
}
