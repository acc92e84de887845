/** Limits shared by server, workers and page. Every number a client may hit is named here. */

/** Longest message text, counted in Unicode code points (what a person sees as characters). */
export const MESSAGE_TEXT_MAX = 4000;
/** Default of EDIT_WINDOW_HOURS: how long after sending its author may edit a message. */
export const EDIT_WINDOW_HOURS_DEFAULT = 48;
/** The emoji a message's "React" menu offers (any single emoji is accepted). */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const;

// Made on first use: building the set of every emoji sequence takes tens of milliseconds, which
// a page would otherwise spend evaluating its code before it reads anything to show. Written with
// the constructor: the `v` flag (Unicode sets) is newer than the compile target.
let oneEmoji: RegExp | undefined;
/** True when `text` is exactly one emoji (one grapheme, e.g. 👍, 👍🏽, 🇫🇷 or 👨‍👩‍👧). */
export function isOneEmoji(text: string): boolean {
  return text.length <= 32 && (oneEmoji ??= new RegExp('^\\p{RGI_Emoji}$', 'v')).test(text);
}

/** Default of ATTACHMENT_MAX_MB: the largest file a message may carry, in MiB. */
export const ATTACHMENT_MAX_MB_DEFAULT = 25;
/** What `GET HttpPath.limits` answers: the limits this server was configured with. */
export interface ServerLimits {
  /** The largest file a message may carry, in bytes (ATTACHMENT_MAX_MB). */
  attachmentMaxBytes: number;
}

/** Default of STORAGE_QUOTA_MB: bytes of attachments one user may have stored, in MiB. */
export const STORAGE_QUOTA_MB_DEFAULT = 1024;
/** Default of UPLOAD_EXPIRY_HOURS: an unfinished upload is removed after this long untouched. */
export const UPLOAD_EXPIRY_HOURS_DEFAULT = 24;
/** Bytes per PATCH of a resumable upload: a dropped connection repeats at most this much. */
export const UPLOAD_CHUNK_BYTES = 1024 * 1024;
/** Longest side of an image thumbnail, in pixels. */
export const THUMBNAIL_MAX_PX = 320;
/** Longest attachment file name kept, in characters. */
export const ATTACHMENT_NAME_MAX = 255;

/** Usernames: 3 to 32 of a-z, 0-9, `_`, `.`, `-`; stored lower-case. */
export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const USERNAME_PATTERN = /^[a-z0-9_.-]+$/;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;
export const ROOM_NAME_MAX = 80;
/** Invite codes are opaque URL-safe strings. */
export const INVITE_CODE_MAX = 64;

/**
 * Default and largest page of messages for catch-up and history. The default is also the page a
 * device loads first (the newest) and each "older" step, on the server and in the client alike.
 */
export const PAGE_SIZE_DEFAULT = 100;
export const PAGE_SIZE_MAX = 500;

/**
 * Largest socket.io event payload and HTTP JSON body the server accepts. A bigger socket event is
 * answered PAYLOAD_TOO_LARGE (in its ack, or as `ferry:error`) and the connection stays open.
 */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/**
 * A socket.io packet (a WebSocket frame, or one long-polling POST) above this many bytes is not
 * read at all: the transport closes the connection and no answer is possible. Clients never come
 * near it: their payloads stay under MAX_PAYLOAD_BYTES.
 */
export const MAX_PACKET_BYTES = 4 * MAX_PAYLOAD_BYTES;

/**
 * Most entries in one `message:send-batch`: an outbox replays in batches of up to this many, one
 * round trip and one commit each instead of one per entry. The batch must also stay under
 * MAX_PAYLOAD_BYTES.
 */
export const SEND_BATCH_MAX = 50;

/** Per-user send rate: a token bucket, refilled per second, with a burst allowance. */
export const SEND_RATE_PER_SECOND = 20;
export const SEND_BURST = 200;
/** Typing events a user may send per conversation per window. */
export const TYPING_EVENTS_PER_WINDOW = 5;
export const TYPING_WINDOW_MS = 5_000;
/** Clients re-send "typing" at most this often; others expire it after TYPING_TTL_MS. */
export const TYPING_RESEND_MS = 2_000;
export const TYPING_TTL_MS = 6_000;
/** Failed sign-ins per username (and per address) before the server makes the client wait. */
export const SIGNIN_FAILURES_ALLOWED = 5;
export const SIGNIN_THROTTLE_WINDOW_MS = 15 * 60_000;

/** Server-Sent Events heartbeat, well under common proxy idle timeouts (60 s). */
export const SSE_HEARTBEAT_MS = 15_000;
/**
 * Default of MAX_SOCKETS_PER_USER: open sockets per user on one node. A browser shares one socket
 * between its tabs, so this is room for many browsers and devices, not for a script.
 */
export const MAX_SOCKETS_PER_USER = 20;
/**
 * Default of SOCKET_MAX_BUFFERED_BYTES: bytes that may wait to be sent to one socket before it is
 * cut as not reading (it reconnects and catches up by seq). Above the largest single answer, a
 * catch-up page of PAGE_SIZE_MAX long messages, so a slow reader is never cut by one page.
 */
export const SOCKET_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/**
 * Default of SSE_MAX_BUFFERED_BYTES: live events an SSE reader may leave unread before it is cut
 * (it resumes with Last-Event-ID). A backlog is streamed as fast as the reader reads and does not count.
 */
export const SSE_MAX_BUFFERED_BYTES = 1024 * 1024;

/** Longest search query, in characters. */
export const SEARCH_QUERY_MAX = 200;
/** Default and largest page of server search results. */
export const SEARCH_PAGE_DEFAULT = 20;
export const SEARCH_PAGE_MAX = 50;

/** Length of text as a person counts it: code points, so an emoji is one character. */
export function textLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
