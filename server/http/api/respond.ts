/** JSON answers in the Ack envelope, and the error boundary that turns every failure into one. */
import type { Context, Middleware, Next } from 'koa';
import type { Logger } from 'pino';
import { ErrorCode, HTTP_STATUS, type WireError } from '../../../contract/errors.js';
import type { Ack } from '../../../contract/events.js';
import { AppError } from '../../errors.js';

/** Answers `{ ok: true, ...payload }` with `status`. */
export function sendOk(ctx: Context, payload: object, status = 200): void {
  ctx.status = status;
  ctx.body = { ok: true, ...payload } satisfies Ack;
}

/** Answers `{ ok: false, error }` with the code's HTTP status (and Retry-After when known). */
export function sendError(ctx: Context, error: WireError): void {
  ctx.status = HTTP_STATUS[error.code];
  if (error.retryAfterMs !== undefined) ctx.set('Retry-After', String(Math.ceil(error.retryAfterMs / 1000)));
  ctx.body = { ok: false, error } satisfies Ack;
}

/** Errors from the body parser and Koa carry an HTTP status; map the ones a client can cause. */
function fromHttpError(err: { status?: unknown; type?: unknown }): WireError | null {
  const status = typeof err.status === 'number' ? err.status : 0;
  if (status === 413) {
    return { code: ErrorCode.PAYLOAD_TOO_LARGE, message: 'The request body is too large.' };
  }
  if (status === 415) {
    return { code: ErrorCode.BAD_REQUEST, message: 'Send the body as JSON in UTF-8.' };
  }
  if (status >= 400 && status < 500) {
    const invalidJson = err.type === 'entity.parse.failed' || status === 400;
    return {
      code: ErrorCode.BAD_REQUEST,
      message: invalidJson ? 'The request body is not valid JSON.' : 'The request is not valid.',
    };
  }
  return null;
}

/** Catches everything below it: AppErrors as they are, client errors as 4xx, the rest as INTERNAL. */
export function apiErrors(logger: Logger): Middleware {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      if (ctx.headerSent) {
        logger.warn({ err, path: ctx.path }, 'API error after the answer started');
        return;
      }
      if (err instanceof AppError) return sendError(ctx, err.toWire());
      const mapped = typeof err === 'object' && err !== null ? fromHttpError(err) : null;
      if (mapped) return sendError(ctx, mapped);
      logger.error({ err, method: ctx.method, path: ctx.path }, 'API handler failed');
      sendError(ctx, {
        code: ErrorCode.INTERNAL,
        message: 'Something went wrong on the server. Please try again.',
      });
    }
  };
}

/** Any /api path no route answered. */
export const apiNotFound: Middleware = async (ctx: Context) => {
  sendError(ctx, {
    code: ErrorCode.NOT_FOUND,
    message: `There is no API route ${ctx.method} ${ctx.path}.`,
  });
};
