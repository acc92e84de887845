/**
 * The store contract. SQLite (default) and PostgreSQL implement it; one contract test suite
 * (test/server/store/storeContract.ts) runs against both. Every method that writes resolves only
 * after the write is durably committed.
 */
import type { Readable } from 'node:stream';
import type { Attachment, ConversationKind, EntryKind, Message, SearchCursor } from '../../contract/index.js';

export interface UserRecord {
  id: string;
  /** Lower-case, unique. */
  username: string;
  /** scrypt hash in PHC-like text form; never leaves the server. */
  passwordHash: string;
  createdAt: number;
}

/** A user as a conversation's member is written: who, and the name shown. */
export interface UserRef {
  userId: string;
  username: string;
}

export interface SessionRecord {
  /** SHA-256 of the cookie token: a leaked table cannot be replayed as cookies. */
  tokenHash: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
}

export interface ConversationRecord {
  id: string;
  kind: ConversationKind;
  /** Rooms: the name. Direct: null (shown as the other member's username). */
  name: string | null;
  /** Rooms: invite code. Direct: null. */
  inviteCode: string | null;
  /** Newest seq; 0 when empty. */
  lastSeq: number;
  createdAt: number;
}

export interface MemberRecord {
  conversationId: string;
  userId: string;
  username: string;
  deliveredSeq: number;
  readSeq: number;
  joinedAt: number;
}

/** One conversation as listed for one user. */
export interface UserConversation {
  conversation: ConversationRecord;
  /** Every current member, the user included. */
  members: MemberRecord[];
  /** The newest entry of kind 'message' (deleted or not). */
  lastMessage: Message | null;
  /** The viewer's unread count (see countUnread); the viewer is the user it was read for. */
  unreadCount: number;
}

/**
 * One log entry to append. Fields beyond the kind's own are ignored (stored as null). The rules
 * (entries.ts checkEntry) are checked inside the write transaction, after the duplicate check.
 */
export interface AppendInput {
  id: string;
  conversationId: string;
  senderId: string;
  senderName: string;
  /** Default: a message. */
  kind?: EntryKind;
  /** message and edit: the text; '' for the other kinds. */
  text: string;
  /** message: the message of the same conversation it answers. */
  replyTo?: string | null;
  /** edit, delete, reaction: the message acted on. */
  targetId?: string | null;
  /** message: a finished upload of this sender for this conversation (else UPLOAD_NOT_FOUND). */
  attachmentId?: string | null;
  /** reaction: the emoji. */
  emoji?: string | null;
  /** reaction: true adds (sender, emoji), false removes it. */
  reactionOn?: boolean | null;
  /**
   * edit: the oldest createdAt a target may have (now minus the edit window, by the caller's
   * clock); an older one is refused with EDIT_WINDOW_CLOSED. Unset: no window.
   */
  editableFrom?: number;
  typedAt: number;
  /**
   * The store refuses the entry (notAMember, FORBIDDEN) unless the sender is a member when it
   * commits. Only honoured where Store.checksMembershipOnAppend is true.
   */
  senderMustBeMember?: boolean;
}

export type AppendResult =
  /** Stored now, with the next seq. */
  | { status: 'created'; message: Message }
  /** Already stored with this id by this sender in this conversation: the original. */
  | { status: 'duplicate'; message: Message }
  /** The id exists for another sender or conversation: nothing stored. */
  | { status: 'conflict' };

/** A search over the messages of the conversations a user is a member of. */
export interface MessageSearch {
  userId: string;
  /** Terms from searchWords() (contract/search.ts); each matches a word it starts, all must match. */
  terms: string[];
  conversationId?: string;
  senderId?: string;
  /** Only messages after this one in the order (older, or as old with a smaller id). */
  after?: SearchCursor;
  limit: number;
}

/**
 * A finished upload: the wire Attachment plus who uploaded it where, the SHA-256 of its stored
 * bytes (the blob's key) and the message that carries it (null until sent). A deleted message's
 * attachment row is removed in the delete's transaction; its blob goes when no row names it.
 */
export interface AttachmentRecord extends Attachment {
  uploaderId: string;
  conversationId: string;
  sha256: string;
  /** True when a thumbnail blob (thumbnailKey(sha256)) was made. */
  thumbnail: boolean;
  messageId: string | null;
  createdAt: number;
}

/** The blob key of an attachment's thumbnail. */
export const thumbnailKey = (sha256: string): string => `${sha256}.thumb`;

/** Bytes of one stored blob, read by range (end inclusive). */
export interface BlobHandle {
  size: number;
  read(start: number, end: number): Readable;
}

/**
 * Content-addressed bytes (attachments and thumbnails), written once per key. SQLite: files under
 * DATA_DIR/blobs; PostgreSQL: a bytea table every node reads.
 */
export interface BlobStore {
  /** Stores the bytes under `key` unless it is already there; durable when it resolves. */
  put(key: string, bytes: Buffer): Promise<void>;
  /** The blob, or null when there is none. */
  open(key: string): Promise<BlobHandle | null>;
  /** Removes the blob if present. */
  delete(key: string): Promise<void>;
}

export interface CommitInfo {
  /** Messages in the batch (group commit). */
  messages: number;
  /** Wall time of the transaction, COMMIT (and its fsync) included, ms. */
  ms: number;
}

/** A WAL checkpoint that ran beside the commits (SQLite). */
export interface CheckpointInfo {
  /** Wall time, copy and fsync included, ms. */
  ms: number;
  /** Pages copied from the WAL into the database file. */
  pages: number;
}

/** Search indexing behind the commits (SQLite): the runs since the last report, and what waits. */
export interface SearchIndexInfo {
  /** Messages rows the runs read into the search index (0: none ran). */
  rows: number;
  /** Wall time of those runs, commits included, ms. */
  ms: number;
  /** Rows committed and not indexed yet, as of the report. */
  behind: number;
}

export interface StoreOptions {
  /** Called after every message commit batch, for metrics. */
  onCommit?: (info: CommitInfo) => void;
  /** Called after every checkpoint that copied pages, for metrics (SQLite only). */
  onCheckpoint?: (info: CheckpointInfo) => void;
  /** Called with every commit and before every search: search indexing's report (SQLite only). */
  onSearchIndex?: (info: SearchIndexInfo) => void;
  /**
   * Called once if the store breaks for good (SQLite: its writer or reader thread died). Every
   * pending and later call then fails with UNAVAILABLE; the process should restart.
   */
  onFailure?: (error: Error) => void;
}

/** One device's Web Push subscription. The endpoint is unique: a browser re-subscribing replaces it. */
export interface PushSubscriptionRecord {
  endpoint: string;
  userId: string;
  /**
   * Hash of the session that subscribed: deleting that session (sign-out) deletes the
   * subscription with it (a foreign key with ON DELETE CASCADE in both stores).
   */
  sessionHash: string;
  /** Base64url keys of the subscription (RFC 8291). */
  p256dh: string;
  auth: string;
  /** "Show message text in notifications" on this device. */
  showText: boolean;
  createdAt: number;
}

/** Web Push subscriptions and per-conversation mutes (server/push/ uses them). */
export interface PushStore {
  /** Saves (or replaces, by endpoint) a subscription. */
  savePushSubscription(subscription: PushSubscriptionRecord): Promise<void>;
  /** Removes one subscription; with `userId`, only if it is that user's. True when one was removed. */
  deletePushSubscription(endpoint: string, userId?: string): Promise<boolean>;
  /** The subscriptions of these users. */
  listPushSubscriptions(userIds: readonly string[]): Promise<PushSubscriptionRecord[]>;
  /** Mutes or unmutes a conversation for a member; false when not a member. */
  setMuted(conversationId: string, userId: string, muted: boolean): Promise<boolean>;
  /** The conversations this user muted. */
  mutedConversationIds(userId: string): Promise<string[]>;
  /** Which of these users muted the conversation. */
  mutedMembers(conversationId: string, userIds: readonly string[]): Promise<string[]>;
}

export interface Store extends PushStore {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * True when appendMessage honours AppendInput.senderMustBeMember: the membership is read inside
   * the commit, one query per batch, instead of one read per message before it.
   */
  readonly checksMembershipOnAppend: boolean;
  /** Applies pending versioned migrations; returns the schema version now in force. */
  migrate(): Promise<number>;
  /** Waits for pending commits, then closes. Safe to call twice. */
  close(): Promise<void>;

  /** 'taken' when the username exists (compared lower-case). */
  createUser(user: UserRecord): Promise<'created' | 'taken'>;
  getUserByUsername(username: string): Promise<UserRecord | null>;
  getUserById(id: string): Promise<UserRecord | null>;

  createSession(session: SessionRecord): Promise<void>;
  /** The session, or null if missing or expired at `now`. */
  getSession(tokenHash: string, now: number): Promise<SessionRecord | null>;
  deleteSession(tokenHash: string): Promise<void>;

  /** Creates a room with its creator as the first member. */
  createRoom(
    room: { id: string; name: string; inviteCode: string; createdAt: number },
    creator: UserRef,
  ): Promise<ConversationRecord>;
  /** The one direct conversation between two users, created on first use (race-safe). */
  getOrCreateDirect(
    input: { id: string; createdAt: number },
    a: UserRef,
    b: UserRef,
  ): Promise<{ conversation: ConversationRecord; created: boolean }>;
  getConversation(id: string): Promise<ConversationRecord | null>;
  getConversationByInvite(inviteCode: string): Promise<ConversationRecord | null>;

  /** Adds a member (receipts start at the current lastSeq, so history is not "unread"). */
  addMember(
    conversationId: string,
    user: UserRef,
    joinedAt: number,
  ): Promise<{ member: MemberRecord; added: boolean }>;
  /** False when the user was not a member. */
  removeMember(conversationId: string, userId: string): Promise<boolean>;
  getMember(conversationId: string, userId: string): Promise<MemberRecord | null>;
  listMembers(conversationId: string): Promise<MemberRecord[]>;
  listUserConversations(userId: string): Promise<UserConversation[]>;
  listUserConversationIds(userId: string): Promise<string[]>;
  /**
   * Others' messages (kind 'message', not deleted) with seq above the member's readSeq; 0 when
   * not a member. listUserConversations gives the same count for each of the user's conversations.
   */
  countUnread(conversationId: string, userId: string): Promise<number>;

  /**
   * Stores a log entry with the conversation's next seq, or finds the original by id (before any
   * rule is checked). An operation changes its target in the same transaction: an edit sets its
   * text and editedAt (and its search words), a delete empties its text, its edits' texts and its
   * search words, a reaction adds or removes (sender, emoji). A refused rule rejects with a
   * StoreError naming it (entries.ts). Resolves after a durable commit; many concurrent calls
   * share one transaction (group commit). The sender's own delivered/read receipts advance to the
   * new seq in the same transaction.
   */
  appendMessage(input: AppendInput): Promise<AppendResult>;
  /**
   * appendMessage for several inputs that commit together, in this order: in one transaction, so
   * a commit that fails stores none of them and a later one is never stored without an earlier
   * one. Each result settles as appendMessage's would (an input's own refusal is its alone).
   */
  appendMessages(inputs: readonly AppendInput[]): Promise<AppendResult>[];
  /** The stored entry with this id (committed), or null; a message with its current state. */
  getMessage(id: string): Promise<Message | null>;
  /** The conversation's newest entry of kind 'message' (deleted or not), or null. */
  lastMessage(conversationId: string): Promise<Message | null>;
  /** Entries (every kind) with seq > afterSeq, ascending, at most `limit`. */
  messagesAfter(conversationId: string, afterSeq: number, limit: number): Promise<Message[]>;
  /** Entries (every kind) with seq < beforeSeq (all when null), the newest `limit` of them, ascending. */
  messagesBefore(conversationId: string, beforeSeq: number | null, limit: number): Promise<Message[]>;
  /**
   * Messages (kind 'message', by their latest text; never a deleted one) matching every term (as
   * a word prefix), only in conversations the user is a member of now, newest first (createdAt, then id, descending), at most `limit`.
   */
  searchMessages(search: MessageSearch): Promise<Message[]>;

  /** Blob bytes of attachments. */
  readonly blobs: BlobStore;
  /** Records a finished upload (its blob is stored already); 'exists' when the id is taken. */
  createAttachment(record: AttachmentRecord): Promise<'created' | 'exists'>;
  getAttachment(id: string): Promise<AttachmentRecord | null>;
  /** Bytes of the attachments this user uploaded that are still stored (the quota's use). */
  attachmentBytes(userId: string): Promise<number>;
  /** How many attachments name this blob. */
  blobReferences(sha256: string): Promise<number>;
  /** Removes finished uploads never sent with a message and created before `before`; returns them. */
  deleteUnsentAttachments(before: number): Promise<AttachmentRecord[]>;

  /**
   * Raises a member's receipts monotonically (never lowers), clamped to the conversation's
   * lastSeq; read implies delivered. Null when not a member.
   */
  updateReceipt(
    conversationId: string,
    userId: string,
    receipt: { deliveredSeq?: number; readSeq?: number },
  ): Promise<MemberRecord | null>;
}
