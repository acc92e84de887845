/**
 * Errors both stores throw on purpose, each with a wire code the server can pass on unchanged.
 * (SQLite's own error classification stays in sqlite/errors.ts.)
 */
import { ErrorCode } from '../../contract/errors.js';
import { AppError } from '../errors.js';

/**
 * A store failure with a code from contract/errors.ts and a message safe to show to a person.
 * It is an AppError, so the server passes code and message on to the client unchanged.
 */
export class StoreError extends AppError {
  constructor(code: ErrorCode, message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'StoreError';
  }
}

/** The store was closed (server shutting down): the caller should retry later. */
export function storeClosedError(): StoreError {
  return new StoreError(ErrorCode.UNAVAILABLE, 'The server is shutting down. Try again in a moment.', {
    retryAfterMs: 1_000,
  });
}

/** A batch failed for a reason of the server's (not the store being unreachable): nothing was saved. */
export function notSavedError(cause: unknown): StoreError {
  return new StoreError(
    ErrorCode.INTERNAL,
    'The server could not save your message. It was not saved; try again.',
    { cause },
  );
}

/** A write names a conversation that does not exist (deleted, or a wrong id). */
export function conversationMissingError(): StoreError {
  return new StoreError(
    ErrorCode.NOT_FOUND,
    'That conversation does not exist (any more). Reload your conversations.',
  );
}
