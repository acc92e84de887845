/**
 * "The server cannot be reached now", in its two forms: the exception a transport throws (the
 * caller stops and waits to be back online) and the coded answer a request gets instead.
 */
import { ErrorCode, type WireError } from '../contract/index';

/**
 * Thrown when the server cannot be reached now (no connection, no answer that is a verdict, or a
 * session that must be renewed first): stop, leave the work untouched, wait to be back online.
 */
export class OfflineError extends Error {
  constructor(message = 'You are offline.') {
    super(message);
    this.name = 'OfflineError';
  }
}

/** The error a request answers with while offline (as an Ack's `error`): UNAVAILABLE, retry later. */
export const OFFLINE_ANSWER: WireError = {
  code: ErrorCode.UNAVAILABLE,
  message: 'You are offline. Try again when you are back online.',
};
