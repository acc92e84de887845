/**
 * AppError: an error whose code and message may be shown to the client as they are. Anything
 * else that escapes a handler is logged and answered as INTERNAL with a generic message.
 */
import type { z } from 'zod';
import { ErrorCode, type WireError } from '../contract/errors.js';

export class AppError extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The error as it goes on the wire. */
  toWire(): WireError {
    const wire: WireError = { code: this.code, message: this.message };
    if (this.retryAfterMs !== undefined) wire.retryAfterMs = this.retryAfterMs;
    return wire;
  }
}

/** The wire form of any thrown value: AppErrors as they are, anything else as INTERNAL. */
export function toWireError(err: unknown): WireError {
  if (err instanceof AppError) return err.toWire();
  return { code: ErrorCode.INTERNAL, message: 'Something went wrong on the server. Please try again.' };
}

/** A BAD_REQUEST naming the first problem, e.g. `text: must not be empty`. */
export function badRequest(error: z.ZodError, what = 'request'): AppError {
  const issue = error.issues[0];
  if (!issue) return new AppError(ErrorCode.BAD_REQUEST, `Invalid ${what}.`);
  const path = issue.path.map(String).join('.');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown field(s) ${issue.keys.join(', ')}`;
  else if (issue.code === 'invalid_type' && issue.input === undefined) message = 'is required';
  else if (issue.code === 'invalid_type') message = `must be ${issue.expected}`;
  return new AppError(ErrorCode.BAD_REQUEST, `Invalid ${what}: ${path ? `${path} ` : ''}${message}.`);
}

/** Parses `input` with `schema`, or throws a BAD_REQUEST AppError. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw badRequest(result.error, what);
  return result.data;
}

/** Not a member, or no such conversation: one answer for both, so ids cannot be probed. */
export const notAMember = (): AppError =>
  new AppError(
    ErrorCode.FORBIDDEN,
    'You are not a member of this conversation, or it does not exist. Join it with an invite link first.',
  );
export const unauthenticated = (): AppError =>
  new AppError(ErrorCode.UNAUTHENTICATED, 'You are not signed in. Please sign in again.');
export const conversationNotFound = (): AppError =>
  new AppError(ErrorCode.NOT_FOUND, 'This conversation does not exist.');
/** This node is shutting down: the client should try again shortly (another node, or after the restart). */
export const serverRestarting = (): AppError =>
  new AppError(ErrorCode.UNAVAILABLE, 'The server is restarting. Try again in a moment.', {
    retryAfterMs: 1_000,
  });
export const rateLimited = (retryAfterMs: number, what: string): AppError =>
  new AppError(
    ErrorCode.RATE_LIMITED,
    `${what} Please wait ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s and try again.`,
    { retryAfterMs },
  );
