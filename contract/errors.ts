/** Error codes every ack and HTTP error carries. Messages are safe to show to a person. */
export const ErrorCode = {
  /** The payload does not match the schema (wrong type, missing field, too long). */
  BAD_REQUEST: 'BAD_REQUEST',
  /**
   * The socket event payload or HTTP body is larger than MAX_PAYLOAD_BYTES (a socket packet over
   * MAX_PACKET_BYTES is not read at all: its connection closes with no answer).
   */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The socket event name is not part of the contract. */
  UNKNOWN_EVENT: 'UNKNOWN_EVENT',
  /** No valid session: sign in again. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /**
   * Signed in, but not a member of that conversation, or it does not exist: the two are answered
   * alike so that a non-member cannot tell real conversation ids from random ones.
   */
  FORBIDDEN: 'FORBIDDEN',
  /** The request's Origin is not on the allowlist. */
  ORIGIN_NOT_ALLOWED: 'ORIGIN_NOT_ALLOWED',
  /** No such invite code, user or route. */
  NOT_FOUND: 'NOT_FOUND',
  USERNAME_TAKEN: 'USERNAME_TAKEN',
  /** No user with that username (starting a direct conversation). */
  UNKNOWN_USER: 'UNKNOWN_USER',
  /**
   * Sign-in refused: the username or the password is wrong. One code for both, so sign-in does not
   * tell which usernames exist.
   */
  BAD_CREDENTIALS: 'BAD_CREDENTIALS',
  /** Too many requests; `retryAfterMs` says when to try again. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The user has MAX_SOCKETS_PER_USER sockets open already (socket handshake refused). */
  TOO_MANY_CONNECTIONS: 'TOO_MANY_CONNECTIONS',
  /** A message id was reused for a different message (another sender or conversation). */
  ID_CONFLICT: 'ID_CONFLICT',
  /** An edit, deletion or reaction names a message that is not in that conversation. */
  MESSAGE_NOT_FOUND: 'MESSAGE_NOT_FOUND',
  /** Only a message's author may edit or delete it. */
  NOT_AUTHOR: 'NOT_AUTHOR',
  /** The message is older than the edit window (EDIT_WINDOW_HOURS): it can still be deleted. */
  EDIT_WINDOW_CLOSED: 'EDIT_WINDOW_CLOSED',
  /** The message was deleted for everyone: it can no longer be edited, replied to or reacted to. */
  MESSAGE_DELETED: 'MESSAGE_DELETED',
  /** The file is larger than the attachment limit (ATTACHMENT_MAX_MB). */
  FILE_TOO_LARGE: 'FILE_TOO_LARGE',
  /** Storing this file would pass the user's storage quota (STORAGE_QUOTA_MB). */
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  /** The message names an upload that is not finished, not the sender's, or expired. */
  UPLOAD_NOT_FOUND: 'UPLOAD_NOT_FOUND',
  /** The server is shutting down or its store is unreachable: retry later. */
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface WireError {
  code: ErrorCode;
  message: string;
  /** For RATE_LIMITED and UNAVAILABLE: how long to wait before trying again. */
  retryAfterMs?: number;
}

/**
 * Codes that will fail the same way however often a send is retried. The outbox marks such a
 * message failed (shown with Retry/Delete) instead of retrying it forever.
 */
const PERMANENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.BAD_REQUEST,
  ErrorCode.PAYLOAD_TOO_LARGE,
  ErrorCode.UNKNOWN_EVENT,
  ErrorCode.FORBIDDEN,
  ErrorCode.NOT_FOUND,
  ErrorCode.ID_CONFLICT,
  ErrorCode.ORIGIN_NOT_ALLOWED,
  ErrorCode.MESSAGE_NOT_FOUND,
  ErrorCode.NOT_AUTHOR,
  ErrorCode.EDIT_WINDOW_CLOSED,
  ErrorCode.MESSAGE_DELETED,
  ErrorCode.FILE_TOO_LARGE,
  ErrorCode.QUOTA_EXCEEDED,
  ErrorCode.UPLOAD_NOT_FOUND,
]);

/** True when retrying cannot succeed (see PERMANENT). */
export function isPermanentError(code: ErrorCode): boolean {
  return PERMANENT.has(code);
}

/** HTTP status for each code, used by the server's HTTP API. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNKNOWN_EVENT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  ORIGIN_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  USERNAME_TAKEN: 409,
  UNKNOWN_USER: 404,
  BAD_CREDENTIALS: 401,
  RATE_LIMITED: 429,
  TOO_MANY_CONNECTIONS: 429,
  ID_CONFLICT: 409,
  MESSAGE_NOT_FOUND: 404,
  NOT_AUTHOR: 403,
  EDIT_WINDOW_CLOSED: 409,
  MESSAGE_DELETED: 410,
  FILE_TOO_LARGE: 413,
  QUOTA_EXCEEDED: 507,
  UPLOAD_NOT_FOUND: 404,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};
