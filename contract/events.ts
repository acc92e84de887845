/**
 * The wire contract: entities, acks and the socket.io events in both directions, shared by the
 * server, the SharedWorker, the Service Worker and the page (see socket.io's basic-crud example,
 * common/events.ts). Payload types come from the run-time schemas in schemas.ts.
 */
import type { WireError } from './errors.js';
import type {
  ConversationRef,
  CreateRoomInput,
  JoinRoomInput,
  MessagesAfterInput,
  MessagesBeforeInput,
  ReceiptUpdateInput,
  SearchMessagesInput,
  SendBatchRequest,
  SendMessageRequest,
  StartDirectInput,
  TypingUpdateInput,
} from './schemas.js';

export type * from './schemas.js';

/** Every ack and every HTTP JSON answer has this shape. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: WireError };
export type AckCallback<T extends object = object> = (response: Ack<T>) => void;

/** True when `value` has the Ack shape: `ok: true`, or `ok: false` with a coded error. */
export function isAck(value: unknown): value is Ack {
  if (typeof value !== 'object' || value === null) return false;
  const { ok, error } = value as { ok?: unknown; error?: { code?: unknown } | null };
  return ok === true || (ok === false && typeof error?.code === 'string');
}

export interface User {
  id: string;
  username: string;
}

/**
 * What a log entry is. A conversation is one ordered log: messages, and operations on earlier
 * messages of the same conversation (edit, delete for everyone, reaction change), each with its
 * own seq, so catch-up "after seq N" converges on every kind alike. Receipts are not entries.
 */
export const EntryKind = {
  message: 'message',
  edit: 'edit',
  delete: 'delete',
  reaction: 'reaction',
} as const;
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

/**
 * A file sent with a message. Its bytes are stored once per content (SHA-256) and served only to
 * members of the conversation (attachmentPath); the type is read from the bytes, never claimed.
 */
export interface Attachment {
  /** The upload's id (UUID), made by the client when the file was picked. */
  id: string;
  /** The file name the sender's device gave it (shown, never used as a path). */
  name: string;
  /** Bytes. */
  size: number;
  /** MIME type detected from the content by the server ('application/octet-stream' when unknown). */
  type: string;
  /** True for image types shown inline (PNG, JPEG, GIF, WebP); anything else is a download. */
  inline: boolean;
  /** Images: size in pixels as displayed (after EXIF orientation), so the list never jumps; else null. */
  width: number | null;
  height: number | null;
}

/** One emoji's reactions on a message. */
export interface Reaction {
  emoji: string;
  /** Who reacted with it, in the order they did. */
  userIds: string[];
}

/**
 * A stored log entry (named Message because most are). `id` is the client's; `seq` and `createdAt`
 * are the server's. Only `kind: 'message'` entries are shown; the others change their target.
 * A message read from the server already carries the effect of every later entry (latest text,
 * deletion, reactions); applying those entries again on a device changes nothing.
 */
export interface Message {
  id: string;
  conversationId: string;
  /** Per-conversation sequence number: 1, 2, 3, … with no gaps, shared by every kind. */
  seq: number;
  senderId: string;
  senderName: string;
  kind: EntryKind;
  /**
   * message: its current text; edit: the new text. Empty for delete and reaction, and for a
   * deleted message and its edits (the text is removed from the store, not hidden).
   */
  text: string;
  /** message: the message of the same conversation it answers, or null. */
  replyTo: string | null;
  /** edit, delete, reaction: the message acted on; null for a message. */
  targetId: string | null;
  /** reaction: the emoji (one grapheme); null otherwise. */
  emoji: string | null;
  /** reaction: true when added, false when taken back; null otherwise. */
  reactionOn: boolean | null;
  /** message: server clock of its latest edit, or null when never edited. */
  editedAt: number | null;
  /** message: deleted for everyone (its text is then ''). */
  deleted: boolean;
  /** message: reactions as of when it was read, per emoji (empty when none). */
  reactions: Reaction[];
  /** message: the file sent with it (its text is then the caption, possibly ''); null otherwise and once deleted. */
  attachment: Attachment | null;
  /** Client clock when typed (ms since epoch). */
  typedAt: number;
  /** Server clock at durable commit (ms since epoch). */
  createdAt: number;
}

/** The fields of a Message that have a default: what a plain message (no reply, edit, reaction or file) has. */
type DefaultedField =
  | 'kind'
  | 'replyTo'
  | 'targetId'
  | 'emoji'
  | 'reactionOn'
  | 'editedAt'
  | 'deleted'
  | 'reactions'
  | 'attachment';

/** The fields a plain message has (no reply, edit, reaction or file), fresh for each call. */
export function plainMessageFields(): Pick<Message, DefaultedField> {
  return {
    kind: 'message',
    replyTo: null,
    targetId: null,
    emoji: null,
    reactionOn: null,
    editedAt: null,
    deleted: false,
    reactions: [],
    attachment: null,
  };
}

/**
 * A Message as `message:new` carries it to a client that asked for compact messages at its
 * handshake (HandshakeAuth): the fields at their default (plainMessageFields) are left out, a
 * third of a plain message's bytes, on every socket of the conversation.
 */
export type CompactMessage = Omit<Message, DefaultedField> & Partial<Pick<Message, DefaultedField>>;

/** plainMessageFields, made once (on first use: the page's bundle never calls compactMessage). */
let defaults: Partial<Message> | undefined;

/** The compact form of a message: without the fields that hold their default. */
export function compactMessage(message: Message): CompactMessage {
  const known: Partial<Message> = (defaults ??= plainMessageFields());
  const compact: Partial<Message> = {};
  for (const key of Object.keys(message) as Array<keyof Message>) {
    const value = message[key];
    const fallback = known[key];
    if (key in known && (value === fallback || (Array.isArray(value) && value.length === 0))) continue;
    (compact as Record<string, unknown>)[key] = value;
  }
  return compact as CompactMessage;
}

/**
 * A message with every field: what a compact one left out is its default. Also what a device
 * reads back of rows it stored before operations existed (schema v2: messages, without them).
 */
export function fullMessage(message: CompactMessage): Message {
  return { ...plainMessageFields(), ...message };
}

/**
 * What a client may ask for in its socket.io handshake (`auth`). `compact: true`: each
 * `message:new` comes as a CompactMessage (fullMessage puts the rest back). Without it, every
 * field comes, as in every other answer. `batch: true`: compact too, and one `message:new` may
 * carry several messages of one conversation, one per argument, in seq order (what one commit
 * stored leaves as one packet); without it, each comes alone.
 */
export interface HandshakeAuth {
  compact?: boolean;
  batch?: boolean;
}

export type ConversationKind = 'room' | 'direct';

/** One member's place in a conversation. */
export interface Member {
  userId: string;
  username: string;
  /** Highest seq this member's devices have received. */
  deliveredSeq: number;
  /** Highest seq this member has seen. */
  readSeq: number;
  online: boolean;
}

/** A conversation as one user sees it. */
export interface ConversationSummary {
  id: string;
  kind: ConversationKind;
  /** Room name, or for a direct conversation the other person's username. */
  name: string;
  /** Rooms only: the code of the invite link (`/join/<code>`). */
  inviteCode: string | null;
  /** The log's newest seq (any kind of entry). */
  lastSeq: number;
  /** The newest entry of kind 'message' (possibly deleted), or null. */
  lastMessage: Message | null;
  createdAt: number;
  /** The viewer's own receipts. */
  deliveredSeq: number;
  readSeq: number;
  /** Others' messages (kind 'message', not deleted) with seq > readSeq, when this was read. */
  unreadCount: number;
  members: Member[];
  /** The viewer asked for no push notifications from this conversation. */
  muted: boolean;
}

export interface Receipt {
  conversationId: string;
  userId: string;
  deliveredSeq: number;
  readSeq: number;
}

export interface TypingNotice {
  conversationId: string;
  userId: string;
  username: string;
  typing: boolean;
}

export interface PresenceNotice {
  userId: string;
  online: boolean;
}

export interface MessagePage {
  messages: Message[];
  /** More messages exist beyond this page in the direction asked. */
  hasMore: boolean;
  /** The conversation's newest seq when the page was read. */
  lastSeq: number;
}

/** Where a search page ends: the next page starts after this message (newest first). */
export interface SearchCursor {
  createdAt: number;
  id: string;
}

/** One page of server search results, newest first. */
export interface SearchPage {
  messages: Message[];
  /** Pass as `after` for the next page; null when this was the last one. */
  next: SearchCursor | null;
}

export interface SendResult {
  /** The stored entry (for an operation, the operation itself; its target is changed too). */
  message: Message;
  /** True when this id was already stored: nothing new was created. */
  duplicate: boolean;
}

/**
 * The answer to `message:send-batch`: one result per entry tried, in order, each what
 * `message:send` would have answered. Shorter than the batch when the server stopped at an entry
 * it could not take before storing it (invalid or too fast, say): the entries after it were
 * not tried, so none of them is stored before it; send them again later.
 */
export interface SendBatchResult {
  results: Ack<SendResult>[];
}

/** Socket event names, client to server. */
export const ClientEvent = {
  send: 'message:send',
  sendBatch: 'message:send-batch',
  messagesAfter: 'messages:after',
  messagesBefore: 'messages:before',
  listConversations: 'conversations:list',
  createRoom: 'room:create',
  joinRoom: 'room:join',
  startDirect: 'direct:start',
  leave: 'conversation:leave',
  members: 'members:list',
  receipt: 'receipt:update',
  typing: 'typing:update',
  search: 'messages:search',
} as const;

/** Socket event names, server to client. */
export const ServerEvent = {
  message: 'message:new',
  receipt: 'receipt:changed',
  typing: 'typing:changed',
  presence: 'presence:changed',
  /** The user (on any device) became a member of a conversation. */
  joined: 'conversation:joined',
  /** The user (on any device) left a conversation. */
  left: 'conversation:left',
  memberJoined: 'member:joined',
  memberLeft: 'member:left',
  /** An event the server could not take and could not ack (no ack callback given). */
  error: 'ferry:error',
  /**
   * Compare each conversation's lastSeq with what this device holds, at a random moment within
   * `withinMs`: live deliveries may have been lost (a node or Redis incident), or it is the
   * periodic check of a multi-node deployment.
   */
  syncCheck: 'sync:check',
} as const;

/**
 * The client events with their payload and ack, keyed by ClientEvent's names (the one list of
 * names: a new event is named there first, and every table keyed by these events must then
 * have it).
 */
export interface ClientToServerEvents {
  /** Appends a log entry of any kind (a message when `kind` is absent); idempotent by id. */
  [ClientEvent.send]: (p: SendMessageRequest, ack: AckCallback<SendResult>) => void;
  /**
   * Appends several entries in the order given, in one commit: when it fails, none of them is
   * stored (see SendBatchResult). An entry refused in the commit (an id already used, an edit
   * too late) is refused alone.
   */
  [ClientEvent.sendBatch]: (p: SendBatchRequest, ack: AckCallback<SendBatchResult>) => void;
  /** Catch-up: messages with seq > afterSeq, oldest first. */
  [ClientEvent.messagesAfter]: (p: MessagesAfterInput, ack: AckCallback<MessagePage>) => void;
  /** History: messages with seq < beforeSeq (newest page if omitted), oldest first. */
  [ClientEvent.messagesBefore]: (p: MessagesBeforeInput, ack: AckCallback<MessagePage>) => void;
  [ClientEvent.listConversations]: (
    p: Record<string, never>,
    ack: AckCallback<{ conversations: ConversationSummary[] }>,
  ) => void;
  [ClientEvent.createRoom]: (
    p: CreateRoomInput,
    ack: AckCallback<{ conversation: ConversationSummary }>,
  ) => void;
  [ClientEvent.joinRoom]: (p: JoinRoomInput, ack: AckCallback<{ conversation: ConversationSummary }>) => void;
  [ClientEvent.startDirect]: (
    p: StartDirectInput,
    ack: AckCallback<{ conversation: ConversationSummary }>,
  ) => void;
  [ClientEvent.leave]: (p: ConversationRef, ack: AckCallback) => void;
  [ClientEvent.members]: (p: ConversationRef, ack: AckCallback<{ members: Member[] }>) => void;
  [ClientEvent.receipt]: (p: ReceiptUpdateInput, ack: AckCallback<{ receipt: Receipt }>) => void;
  [ClientEvent.typing]: (p: TypingUpdateInput, ack?: AckCallback) => void;
  /** Messages of the user's conversations whose words match the query, newest first, paged. */
  [ClientEvent.search]: (p: SearchMessagesInput, ack: AckCallback<SearchPage>) => void;
}

/** The ack a client event is answered with (`never` for one without an ack). */
export type AckOf<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[1] extends
  ((response: infer R) => void) | undefined
  ? R
  : never;

export interface ServerToClientEvents {
  /** Every new log entry, of every kind (compact where the handshake asked: CompactServerToClientEvents). */
  [ServerEvent.message]: (m: Message) => void;
  [ServerEvent.receipt]: (r: Receipt) => void;
  [ServerEvent.typing]: (t: TypingNotice) => void;
  [ServerEvent.presence]: (p: PresenceNotice) => void;
  [ServerEvent.joined]: (c: ConversationSummary) => void;
  [ServerEvent.left]: (p: { conversationId: string }) => void;
  [ServerEvent.memberJoined]: (p: { conversationId: string; member: Member }) => void;
  [ServerEvent.memberLeft]: (p: { conversationId: string; userId: string }) => void;
  [ServerEvent.error]: (p: { event: string; error: WireError }) => void;
  [ServerEvent.syncCheck]: (p: SyncCheck) => void;
}

/** What a client that asked for compact messages in batches (HandshakeAuth) receives. */
export type CompactServerToClientEvents = Omit<ServerToClientEvents, typeof ServerEvent.message> & {
  [ServerEvent.message]: (...m: CompactMessage[]) => void;
};
export interface SyncCheck {
  /** Spread of the devices' checks: each picks a random moment within this many ms. */
  withinMs: number;
}
