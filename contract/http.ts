/** HTTP API paths. Bodies are the schemas' types; answers are `Ack<...>` JSON, as on the socket. */
export const HttpPath = {
  signup: '/api/auth/signup',
  signin: '/api/auth/signin',
  signout: '/api/auth/signout',
  /** GET: the signed-in user, or 401. */
  me: '/api/auth/me',
  /** GET: list; POST {name}: create a room. */
  conversations: '/api/conversations',
  /** POST {inviteCode} */
  join: '/api/conversations/join',
  /** POST {username} */
  direct: '/api/conversations/direct',
  health: '/healthz',
  metrics: '/metrics',
} as const;

/** POST: send (idempotent by message id). GET ?after=N or ?before=N &limit=: catch-up or history. */
export const messagesPath = (conversationId: string): string =>
  `/api/conversations/${conversationId}/messages`;
/** GET, text/event-stream: live messages; resume with Last-Event-ID (a seq). */
export const eventsPath = (conversationId: string): string => `/api/conversations/${conversationId}/events`;
export const membersPath = (conversationId: string): string => `/api/conversations/${conversationId}/members`;
export const leavePath = (conversationId: string): string => `/api/conversations/${conversationId}/leave`;
/** Page route that joins a room by its invite code. */
export const invitePath = (code: string): string => `/join/${encodeURIComponent(code)}`;

/** Name of the HttpOnly session cookie. */
export const SESSION_COOKIE = 'ferry_session';
/** SSE event names on eventsPath. */
export const SseEvent = { message: 'message', receipt: 'receipt' } as const;
