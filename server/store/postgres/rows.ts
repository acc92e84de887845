/** Row shapes as PostgreSQL returns them, and their mapping to the store's records. */
import type { Message } from '../../../contract/index.js';
import { groupReactions, toAttachment } from '../entries.js';
import type {
  AttachmentRecord,
  ConversationRecord,
  MemberRecord,
  SessionRecord,
  UserRecord,
} from '../Store.js';

/** `createdAt` → `created_at`: PostgreSQL's column names for a record's fields. */
type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S;
/** A record as its row: the same fields under their column names (no field is renamed otherwise). */
type RowOf<T> = { [K in keyof T & string as SnakeCase<K>]: T[K] };

export type UserRow = RowOf<UserRecord>;
export type SessionRow = RowOf<SessionRecord>;
export type ConversationRow = RowOf<ConversationRecord>;
export type MemberRow = RowOf<MemberRecord>;
/** A messages row: a Message without what other tables hold (reactions, attachment). */
export type MessageRow = RowOf<Omit<Message, 'reactions' | 'attachment'>>;
export interface ReactionRow {
  message_id: string;
  emoji: string;
  user_id: string;
}
export type AttachmentRow = RowOf<AttachmentRecord>;
export const ATTACHMENT_COLUMNS =
  'id, uploader_id, conversation_id, message_id, name, size, type, inline, width, height, sha256, thumbnail, created_at';

export const toAttachmentRecord = (r: AttachmentRow): AttachmentRecord => ({
  id: r.id,
  uploaderId: r.uploader_id,
  conversationId: r.conversation_id,
  messageId: r.message_id,
  name: r.name,
  size: Number(r.size),
  type: r.type,
  inline: r.inline,
  width: r.width,
  height: r.height,
  sha256: r.sha256,
  thumbnail: r.thumbnail,
  createdAt: Number(r.created_at),
});

export const CONVERSATION_COLUMNS = 'id, kind, name, invite_code, last_seq, created_at';
/** Members with their username, from `members m JOIN users u` (see memberSelect). */
export const MEMBER_COLUMNS =
  'm.conversation_id, m.user_id, u.username, m.delivered_seq, m.read_seq, m.joined_at';
export const MESSAGE_COLUMNS =
  'id, conversation_id, seq, sender_id, sender_name, kind, text, reply_to, target_id, emoji, reaction_on, edited_at, deleted, typed_at, created_at';
/** Reactions of the messages whose ids are $1, in the order they were added. */
export const REACTIONS_OF = `SELECT message_id, emoji, user_id FROM reactions
  WHERE message_id = ANY($1::text[]) ORDER BY seq, user_id, emoji`;

export const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  username: r.username,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
});

export const toSession = (r: SessionRow): SessionRecord => ({
  tokenHash: r.token_hash,
  userId: r.user_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

export const toConversation = (r: ConversationRow): ConversationRecord => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  inviteCode: r.invite_code,
  lastSeq: r.last_seq,
  createdAt: r.created_at,
});

export const toMember = (r: MemberRow): MemberRecord => ({
  conversationId: r.conversation_id,
  userId: r.user_id,
  username: r.username,
  deliveredSeq: r.delivered_seq,
  readSeq: r.read_seq,
  joinedAt: r.joined_at,
});

/** A row as a Message with the given reactions (a message's, from REACTIONS_OF; none otherwise). */
export const toMessage = (
  r: MessageRow,
  reactions: readonly ReactionRow[] = [],
  attachment: AttachmentRow | undefined = undefined,
): Message => ({
  id: r.id,
  conversationId: r.conversation_id,
  seq: r.seq,
  senderId: r.sender_id,
  senderName: r.sender_name,
  kind: r.kind,
  text: r.text,
  replyTo: r.reply_to,
  targetId: r.target_id,
  emoji: r.emoji,
  reactionOn: r.reaction_on,
  editedAt: r.edited_at,
  deleted: r.deleted,
  reactions: groupReactions(reactions.map((x) => ({ emoji: x.emoji, userId: x.user_id }))),
  attachment: attachment ? toAttachment(toAttachmentRecord(attachment)) : null,
  typedAt: r.typed_at,
  createdAt: r.created_at,
});

/** Something that runs a query: the pool or one transaction's client. */
interface Queryable {
  query<R extends object>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** The rows as Messages, in order, messages with their reactions (one query for the page). */
export async function toMessages(db: Queryable, rows: readonly MessageRow[]): Promise<Message[]> {
  const ids = rows.filter((r) => r.kind === 'message').map((r) => r.id);
  const byMessage = new Map<string, ReactionRow[]>();
  const attachments = new Map<string, AttachmentRow>();
  if (ids.length > 0) {
    const found = await db.query<AttachmentRow>(
      `SELECT ${ATTACHMENT_COLUMNS} FROM attachments WHERE message_id = ANY($1::text[])`,
      [ids],
    );
    for (const a of found.rows) attachments.set(a.message_id!, a);
    const reactions = await db.query<ReactionRow>(REACTIONS_OF, [ids]);
    for (const r of reactions.rows) {
      const list = byMessage.get(r.message_id);
      if (list) list.push(r);
      else byMessage.set(r.message_id, [r]);
    }
  }
  return rows.map((r) => toMessage(r, byMessage.get(r.id), attachments.get(r.id)));
}
