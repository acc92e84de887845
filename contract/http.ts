/** Every HTTP API path starts with this. */
export const API_PREFIX = '/api';
/** socket.io's path (its default, which the server and the hub both keep). */
export const SOCKET_PATH = '/socket.io';

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
  /** GET: the server's configured limits a client checks before queueing (ServerLimits). */
  limits: '/api/limits',
  health: '/healthz',
  metrics: '/metrics',
  /** GET: the server's VAPID public key (base64url), for `pushManager.subscribe`. */
  pushKey: '/api/push/key',
  /** POST {subscription, showText}: this device's Web Push subscription (saved again to change showText). */
  pushSubscribe: '/api/push/subscribe',
  /** POST {endpoint}: forget this device's subscription. */
  pushUnsubscribe: '/api/push/unsubscribe',
} as const;

/** Path patterns of the per-conversation routes; `:id` is the conversation id. */
export const ConversationPath = {
  /** POST: send (idempotent by message id). GET ?after=N or ?before=N &limit=: catch-up or history. */
  messages: '/api/conversations/:id/messages',
  /** GET, text/event-stream: live messages; resume with Last-Event-ID (a seq). */
  events: '/api/conversations/:id/events',
  members: '/api/conversations/:id/members',
  leave: '/api/conversations/:id/leave',
  /** POST {readSeq}: read receipt over HTTP (the Service Worker's "Mark as read"). */
  read: '/api/conversations/:id/read',
  /** POST: no push notifications for this conversation (this user, every device). */
  mute: '/api/conversations/:id/mute',
  unmute: '/api/conversations/:id/unmute',
  /**
   * GET: an attachment's bytes (Range requests work; inline only for safe image types, else a
   * download); `?thumbnail=1` for an image's thumbnail. Members of the conversation only.
   */
  attachment: '/api/conversations/:id/attachments/:attachmentId',
} as const;

/**
 * The resumable upload endpoint (tus 1.0: POST creates with Upload-Length and Upload-Metadata
 * `conversationId`, `uploadId` (the client's UUID, which names the upload) and `filename`; HEAD
 * and PATCH resume at Upload-Offset; DELETE cancels). An upload lives at `${UploadPath}/<uploadId>`.
 */
export const UploadPath = '/api/uploads';
/** Path pattern of one upload (HEAD, PATCH, DELETE); `:uploadId` is the client's UUID. */
export const UploadRoutePath = `${UploadPath}/:uploadId`;
/** Where the upload with this client-made id lives (HEAD, PATCH, DELETE). */
export const uploadPath = (uploadId: string): string => `${UploadPath}/${uploadId}`;
/** Upload-Metadata keys of a tus upload's creation. */
export const UploadMetadata = {
  conversationId: 'conversationId',
  uploadId: 'uploadId',
  filename: 'filename',
} as const;

const inConversation = (pattern: string, conversationId: string): string =>
  pattern.replace(':id', conversationId);
export const messagesPath = (conversationId: string): string =>
  inConversation(ConversationPath.messages, conversationId);
export const eventsPath = (conversationId: string): string =>
  inConversation(ConversationPath.events, conversationId);
export const membersPath = (conversationId: string): string =>
  inConversation(ConversationPath.members, conversationId);
export const leavePath = (conversationId: string): string =>
  inConversation(ConversationPath.leave, conversationId);
export const readPath = (conversationId: string): string =>
  inConversation(ConversationPath.read, conversationId);
export const mutePath = (conversationId: string, muted: boolean): string =>
  inConversation(muted ? ConversationPath.mute : ConversationPath.unmute, conversationId);
/** Where an attachment's bytes are served; `thumbnail` asks for an image's thumbnail. */
export const attachmentPath = (conversationId: string, attachmentId: string, thumbnail = false): string =>
  inConversation(ConversationPath.attachment, conversationId).replace(':attachmentId', attachmentId) +
  (thumbnail ? '?thumbnail=1' : '');

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * Every HTTP route the server answers, by name. The server's router is checked against this list
 * (test/server/fuzz.test.ts), so a route added on one side only fails the tests.
 */
export const HttpRoute = {
  signup: { method: 'POST', path: HttpPath.signup },
  signin: { method: 'POST', path: HttpPath.signin },
  signout: { method: 'POST', path: HttpPath.signout },
  me: { method: 'GET', path: HttpPath.me },
  listConversations: { method: 'GET', path: HttpPath.conversations },
  createRoom: { method: 'POST', path: HttpPath.conversations },
  join: { method: 'POST', path: HttpPath.join },
  direct: { method: 'POST', path: HttpPath.direct },
  members: { method: 'GET', path: ConversationPath.members },
  leave: { method: 'POST', path: ConversationPath.leave },
  send: { method: 'POST', path: ConversationPath.messages },
  messages: { method: 'GET', path: ConversationPath.messages },
  events: { method: 'GET', path: ConversationPath.events },
  read: { method: 'POST', path: ConversationPath.read },
  mute: { method: 'POST', path: ConversationPath.mute },
  unmute: { method: 'POST', path: ConversationPath.unmute },
  pushKey: { method: 'GET', path: HttpPath.pushKey },
  pushSubscribe: { method: 'POST', path: HttpPath.pushSubscribe },
  pushUnsubscribe: { method: 'POST', path: HttpPath.pushUnsubscribe },
  attachment: { method: 'GET', path: ConversationPath.attachment },
  /** tus creation; HEAD on an upload (resume) is answered beside PATCH, like GET's HEAD. */
  uploadCreate: { method: 'POST', path: UploadPath },
  uploadPatch: { method: 'PATCH', path: UploadRoutePath },
  uploadCancel: { method: 'DELETE', path: UploadRoutePath },
  limits: { method: 'GET', path: HttpPath.limits },
  health: { method: 'GET', path: HttpPath.health },
  metrics: { method: 'GET', path: HttpPath.metrics },
} as const satisfies Record<string, { method: HttpMethod; path: string }>;
export type HttpRouteName = keyof typeof HttpRoute;

/**
 * Path prefixes that belong to the server, never to the page: the server gives them no file or
 * SPA fallback, and the Service Worker never answers a navigation to them with the cached shell.
 */
export const SERVER_PATH_PREFIXES = [API_PREFIX, SOCKET_PATH, HttpPath.health, HttpPath.metrics] as const;
/** True when `path` is `prefix` itself or below it (`/api`, `/api/x`, not `/apix`). */
export const isUnderPath = (path: string, prefix: string): boolean =>
  path === prefix || path.startsWith(`${prefix}/`);
/** True when a URL path is the HTTP API's. */
export const isApiPath = (path: string): boolean => isUnderPath(path, API_PREFIX);
/** True when a URL path is the server's (API, socket.io, ops), not the page's. */
export const isServerPath = (path: string): boolean =>
  SERVER_PATH_PREFIXES.some((prefix) => isUnderPath(path, prefix));

/** Page route that joins a room by its invite code. */
export const invitePath = (code: string): string => `/join/${encodeURIComponent(code)}`;

/** Name of the HttpOnly session cookie. */
export const SESSION_COOKIE = 'ferry_session';
/** SSE event names on eventsPath. */
export const SseEvent = { message: 'message', receipt: 'receipt' } as const;
