/**
 * Run-time schemas for every inbound socket event and HTTP body. The server validates with them;
 * the payload types in events.ts are inferred from them, so a type and its check cannot drift.
 * Only the server imports this file at run time (the page imports its types, which erase).
 */
import { z } from 'zod';
import type { ClientToServerEvents } from './events.js';
import type { HttpRouteName } from './http.js';
import {
  INVITE_CODE_MAX,
  MESSAGE_TEXT_MAX,
  PAGE_SIZE_MAX,
  PASSWORD_MAX,
  PASSWORD_MIN,
  ROOM_NAME_MAX,
  SEARCH_PAGE_MAX,
  SEARCH_QUERY_MAX,
  SEND_BATCH_MAX,
  USERNAME_MAX,
  USERNAME_MIN,
  USERNAME_PATTERN,
  isOneEmoji,
  textLength,
} from './limits.js';
import { ClientEvent, EntryKind } from './events.js';

/**
 * Ids are compared as stored text, so one id has one spelling: lower case. A client that resends
 * `ABCD…` finds the message it stored as `abcd…` instead of making a second one.
 */
const id = z.uuid({ message: 'must be a UUID' }).transform((value) => value.toLowerCase());

/** A high surrogate without its low half, or a low one without its high half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * Every string a client sends. Text must survive the store unchanged, so what is acked is what is
 * read back: a lone UTF-16 surrogate would come back as U+FFFD, and PostgreSQL text cannot hold
 * U+0000 (SQLite can), so both are refused here for every field alike.
 */
const text = () =>
  z
    .string()
    .refine((t) => !LONE_SURROGATE.test(t), 'must not contain a lone surrogate (invalid Unicode)')
    .refine((t) => !t.includes('\u0000'), 'must not contain the NUL character');
const seq = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const limit = z.int().min(1).max(PAGE_SIZE_MAX).optional();

export const username = text()
  .trim()
  .toLowerCase()
  .min(USERNAME_MIN, `must be at least ${USERNAME_MIN} characters`)
  .max(USERNAME_MAX, `must be at most ${USERNAME_MAX} characters`)
  .regex(USERNAME_PATTERN, 'may use only letters, digits, "_", "." and "-"');

export const credentialsSchema = z.strictObject({
  username,
  password: text()
    .min(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`)
    .max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`),
});

export const messageText = text()
  .refine((t) => t.trim().length > 0, 'must not be empty')
  .refine((t) => textLength(t) <= MESSAGE_TEXT_MAX, `must be at most ${MESSAGE_TEXT_MAX} characters`);

/** A caption: like a message's text, but it may be empty (the file is the message). */
const caption = text().refine(
  (t) => textLength(t) <= MESSAGE_TEXT_MAX,
  `must be at most ${MESSAGE_TEXT_MAX} characters`,
);

/** A finished upload sent with a message: the id the client gave the upload when the file was picked. */
export const attachmentRefSchema = z.strictObject({ id });

export const emoji = text().refine(isOneEmoji, 'must be exactly one emoji');

/**
 * The kinds of log entry a client appends, without the conversation id (the HTTP route has it in
 * its path). `id` is made by the client (UUID) when the person acts; `typedAt` is the client's
 * clock then, ms since epoch (informational).
 */
const TYPED_AT_MIN = 0;
const typedAt = z.int().min(TYPED_AT_MIN);
/**
 * A plain text message: every field a message must carry, and all that parsePlainMessage accepts
 * (its keys are taken from here, so a field added to messages cannot slip past it).
 */
const plainMessageShape = {
  id,
  kind: z.literal(EntryKind.message),
  /** Not empty, unless the message carries an attachment (then it is the caption). */
  text: caption,
  typedAt,
};
const messageBody = z.strictObject({
  ...plainMessageShape,
  /** The message of the same conversation this one answers. */
  replyTo: id.optional(),
  /** A file uploaded (to UploadPath) before this message was sent. */
  attachment: attachmentRefSchema.optional(),
});
const editBody = z.strictObject({
  id,
  kind: z.literal(EntryKind.edit),
  targetId: id,
  text: messageText,
  typedAt,
});
const deleteBody = z.strictObject({ id, kind: z.literal(EntryKind.delete), targetId: id, typedAt });
const reactionBody = z.strictObject({
  id,
  kind: z.literal(EntryKind.reaction),
  targetId: id,
  emoji,
  /** true adds this user's reaction with `emoji`, false takes it back. */
  on: z.boolean(),
  typedAt,
});
const inConversation = { conversationId: id };

/** A payload without `kind` is a message (what clients sent before operations existed). */
const kindDefaultsToMessage = (value: unknown): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !('kind' in value)
    ? { ...value, kind: EntryKind.message }
    : value;

/** A message has text, or an attachment with an optional caption. */
const textOrAttachment = (entry: { kind: string; text?: string; attachment?: unknown }) =>
  entry.kind !== EntryKind.message || entry.attachment !== undefined || (entry.text ?? '').trim().length > 0;
const NO_TEXT = { message: 'must not be empty', path: ['text'] };

/** HTTP body of POST /api/conversations/:id/messages (conversation id is in the path). */
export const sendMessageBodySchema = z.preprocess(
  kindDefaultsToMessage,
  z
    .discriminatedUnion('kind', [messageBody, editBody, deleteBody, reactionBody])
    .refine(textOrAttachment, NO_TEXT),
);
const sendEntrySchema = z.discriminatedUnion('kind', [
  messageBody.extend(inConversation),
  editBody.extend(inConversation),
  deleteBody.extend(inConversation),
  reactionBody.extend(inConversation),
]);
/** A log entry as the client made it: a message, edit, delete or reaction change. */
export const sendMessageSchema = z.preprocess(
  kindDefaultsToMessage,
  sendEntrySchema.refine(textOrAttachment, NO_TEXT),
);

/**
 * A batch of log entries (`message:send-batch`), in the order the person acted. Only the list is
 * checked here: each entry is checked with sendMessageSchema when its turn comes, so a bad entry
 * is answered in its place and the entries before it still count.
 */
export const sendBatchSchema = z.strictObject({
  entries: z.array(z.unknown()).min(1).max(SEND_BATCH_MAX),
});

/** Keys a plain text message may carry (no reply, no attachment): see parsePlainMessage. */
const PLAIN_MESSAGE_KEYS = new Set(Object.keys({ ...plainMessageShape, ...inConversation }));
const UUID = z.regexes.uuid();
const ANY_SURROGATE = /[\uD800-\uDFFF]/;

/**
 * sendMessageSchema's answer for the commonest send, a plain text message, without going through
 * zod: every send passes here, and the schema's union, preprocess and refinements cost several
 * times the rest of accepting a message. Returns exactly what the schema would output, or null
 * whenever the payload is anything else or in any doubt (text near the length limit, a reply or an
 * attachment): the schema then decides, and words the errors.
 */
export function parsePlainMessage(value: unknown): SendMessageInput | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  for (const key in v) if (!PLAIN_MESSAGE_KEYS.has(key)) return null;
  if ('kind' in v && v.kind !== EntryKind.message) return null;
  const { id: messageId, conversationId, text: body, typedAt: at } = v;
  if (typeof messageId !== 'string' || typeof conversationId !== 'string' || typeof body !== 'string')
    return null;
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < TYPED_AT_MIN) return null;
  // Code points never outnumber UTF-16 units, so within MESSAGE_TEXT_MAX units the length holds.
  if (body.length > MESSAGE_TEXT_MAX || body.includes('\u0000')) return null;
  // The lone-surrogate search only when there is a surrogate at all (an emoji, say).
  if (ANY_SURROGATE.test(body) && LONE_SURROGATE.test(body)) return null;
  if (body.trim().length === 0 || !UUID.test(messageId) || !UUID.test(conversationId)) return null;
  return {
    id: messageId.toLowerCase(),
    kind: EntryKind.message,
    text: body,
    typedAt: at,
    conversationId: conversationId.toLowerCase(),
  };
}

export const messagesAfterSchema = z.strictObject({ conversationId: id, afterSeq: seq, limit });
export const messagesBeforeSchema = z.strictObject({
  conversationId: id,
  /** Omit for the newest page. */
  beforeSeq: seq.optional(),
  limit,
});
export const emptySchema = z.strictObject({});
export const createRoomSchema = z.strictObject({
  name: text()
    .trim()
    .min(1, 'must not be empty')
    .max(ROOM_NAME_MAX, `must be at most ${ROOM_NAME_MAX} characters`),
});
export const joinRoomSchema = z.strictObject({ inviteCode: text().min(1).max(INVITE_CODE_MAX) });
export const startDirectSchema = z.strictObject({ username });
export const conversationRefSchema = z.strictObject({ conversationId: id });
export const receiptUpdateSchema = z
  .strictObject({ conversationId: id, deliveredSeq: seq.optional(), readSeq: seq.optional() })
  .refine((r) => r.deliveredSeq !== undefined || r.readSeq !== undefined, 'give deliveredSeq or readSeq');
export const typingUpdateSchema = z.strictObject({ conversationId: id, typing: z.boolean() });
/** Server search over every conversation the user is in (or one of them, or one sender's messages). */
export const searchMessagesSchema = z.strictObject({
  query: text()
    .trim()
    .min(1, 'must not be empty')
    .max(SEARCH_QUERY_MAX, `must be at most ${SEARCH_QUERY_MAX} characters`),
  conversationId: id.optional(),
  senderId: id.optional(),
  /** The `next` of the previous page: results continue after it (newest first). */
  after: z.strictObject({ createdAt: z.int().min(0), id }).optional(),
  limit: z.int().min(1).max(SEARCH_PAGE_MAX).optional(),
});

/** Bytes of a base64url string (no padding), or -1 when it is not base64url. */
function base64urlBytes(value: string): number {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(value)) return -1;
  const bare = value.replace(/=+$/, '');
  if (bare.length % 4 === 1) return -1;
  return Math.floor((bare.length * 3) / 4);
}
/** Endpoint URLs a push service gives out are short; anything longer is not one. */
const PUSH_ENDPOINT_MAX = 2048;
/**
 * A PushSubscription as `subscription.toJSON()` gives it. The endpoint must be https (the server
 * additionally allows http://127.0.0.1 only when PUSH_ALLOW_LOOPBACK_HTTP is set, for tests);
 * p256dh is an uncompressed P-256 point (65 bytes) and auth a 16-byte secret (RFC 8291).
 */
export const pushSubscriptionSchema = z.object({
  endpoint: text()
    .max(PUSH_ENDPOINT_MAX, `must be at most ${PUSH_ENDPOINT_MAX} characters`)
    .regex(/^https?:\/\/[^\s/?#@]+(\/[^\s]*)?$/i, 'must be an https URL'),
  /** Browsers send null or a time; Ferry does not use it. */
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    p256dh: text().refine((v) => base64urlBytes(v) === 65, 'must be a base64url P-256 public key (65 bytes)'),
    auth: text().refine((v) => base64urlBytes(v) === 16, 'must be a base64url 16-byte secret'),
  }),
});
export const pushSubscribeSchema = z.strictObject({
  subscription: pushSubscriptionSchema,
  /** "Show message text in notifications" for this device (default on). */
  showText: z.boolean().optional(),
});
export const pushUnsubscribeSchema = z.strictObject({
  endpoint: pushSubscriptionSchema.shape.endpoint,
});
/** HTTP body of POST /api/conversations/:id/read. */
export const readReceiptBodySchema = z.strictObject({ readSeq: seq });

/** The payload schema of every client event: the type makes the list complete. */
export const clientEventSchemas = {
  [ClientEvent.send]: sendMessageSchema,
  [ClientEvent.sendBatch]: sendBatchSchema,
  [ClientEvent.messagesAfter]: messagesAfterSchema,
  [ClientEvent.messagesBefore]: messagesBeforeSchema,
  [ClientEvent.listConversations]: emptySchema,
  [ClientEvent.createRoom]: createRoomSchema,
  [ClientEvent.joinRoom]: joinRoomSchema,
  [ClientEvent.startDirect]: startDirectSchema,
  [ClientEvent.leave]: conversationRefSchema,
  [ClientEvent.members]: conversationRefSchema,
  [ClientEvent.receipt]: receiptUpdateSchema,
  [ClientEvent.typing]: typingUpdateSchema,
  [ClientEvent.search]: searchMessagesSchema,
} as const satisfies Record<keyof ClientToServerEvents, z.ZodType>;

/** The JSON body schema of each HTTP route that reads a body (the others ignore theirs). */
export const httpBodySchemas = {
  signup: credentialsSchema,
  signin: credentialsSchema,
  createRoom: createRoomSchema,
  join: joinRoomSchema,
  direct: startDirectSchema,
  send: sendMessageBodySchema,
  read: readReceiptBodySchema,
  pushSubscribe: pushSubscribeSchema,
  pushUnsubscribe: pushUnsubscribeSchema,
} as const satisfies Partial<Record<HttpRouteName, z.ZodType>>;

export type Credentials = z.infer<typeof credentialsSchema>;
export type SendMessageInput = z.output<typeof sendMessageSchema>;
export type SendMessageBody = z.output<typeof sendMessageBodySchema>;
/** A message's `kind` may be left out (z.preprocess alone would type the input as unknown). */
type KindOptionalForMessage<T> = T extends { kind: typeof EntryKind.message }
  ? Omit<T, 'kind'> & { kind?: typeof EntryKind.message }
  : T;
/** What a client passes before validation: `kind` may be left out for a message. */
export type SendMessageRequest = KindOptionalForMessage<z.input<typeof sendEntrySchema>>;
/** What a client passes: each entry as message:send takes it. */
export interface SendBatchRequest {
  entries: SendMessageRequest[];
}
export type MessagesAfterInput = z.infer<typeof messagesAfterSchema>;
export type MessagesBeforeInput = z.infer<typeof messagesBeforeSchema>;
export type CreateRoomInput = z.infer<typeof createRoomSchema>;
export type JoinRoomInput = z.infer<typeof joinRoomSchema>;
export type StartDirectInput = z.infer<typeof startDirectSchema>;
export type ConversationRef = z.infer<typeof conversationRefSchema>;
export type ReceiptUpdateInput = z.infer<typeof receiptUpdateSchema>;
export type TypingUpdateInput = z.infer<typeof typingUpdateSchema>;
export type SearchMessagesInput = z.infer<typeof searchMessagesSchema>;
export type PushSubscriptionInput = z.infer<typeof pushSubscriptionSchema>;
export type PushSubscribeInput = z.infer<typeof pushSubscribeSchema>;
