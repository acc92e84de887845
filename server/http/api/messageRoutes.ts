/**
 * Messages over HTTP, with the socket's semantics: POST sends idempotently (201 created, 200 for a
 * duplicate, same body as the socket ack); GET ?after=N is catch-up, ?before=N (or neither) history.
 */
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { ErrorCode } from '../../../contract/errors.js';
import { HttpRoute } from '../../../contract/http.js';
import { httpBodySchemas, messagesAfterSchema, messagesBeforeSchema } from '../../../contract/schemas.js';
import type { Domain } from '../../domain/index.js';
import { AppError, parseInput } from '../../errors.js';
import { conversationIdParam } from './conversationRoutes.js';
import { sendOk } from './respond.js';
import { userOf, type ApiState } from './session.js';

/** A query value as a number when it is a plain non-negative integer; otherwise as given (the schema explains). */
function queryInt(value: string | string[] | undefined): unknown {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && /^\d{1,16}$/.test(value)) return Number(value);
  return value;
}

/** Mounts send, catch-up and history (all need a signed-in user). */
export function messageRoutes(
  router: Router<ApiState>,
  domain: Domain,
  requireUser: Middleware<ApiState>,
): void {
  const { messaging } = domain;

  router.post(HttpRoute.send.path, requireUser, async (ctx) => {
    const conversationId = conversationIdParam(ctx.params);
    const body = parseInput(httpBodySchemas.send, ctx.request.body, 'message');
    const result = await messaging.send(userOf(ctx), { ...body, conversationId });
    sendOk(ctx, result, result.duplicate ? 200 : 201);
  });

  router.get(HttpRoute.messages.path, requireUser, async (ctx) => {
    const conversationId = conversationIdParam(ctx.params);
    const { after, before, limit } = ctx.query;
    if (after !== undefined && before !== undefined) {
      throw new AppError(
        ErrorCode.BAD_REQUEST,
        'Give either after (catch-up) or before (history), not both.',
      );
    }
    const user = userOf(ctx);
    if (after !== undefined) {
      const q = parseInput(
        messagesAfterSchema,
        { conversationId, afterSeq: queryInt(after), limit: queryInt(limit) },
        'catch-up query',
      );
      sendOk(ctx, await messaging.after(user, conversationId, q.afterSeq, q.limit));
      return;
    }
    const q = parseInput(
      messagesBeforeSchema,
      { conversationId, beforeSeq: queryInt(before), limit: queryInt(limit) },
      'history query',
    );
    sendOk(ctx, await messaging.before(user, conversationId, q.beforeSeq ?? null, q.limit));
  });
}
