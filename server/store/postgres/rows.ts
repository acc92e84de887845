/** Row shapes as PostgreSQL returns them, and their mapping to the store's records. */
import type { Message } from '../../../contract/index.js';
import type { ConversationRecord, MemberRecord, SessionRecord, UserRecord } from '../Store.js';

export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  created_at: number;
}
export interface SessionRow {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}
export interface ConversationRow {
  id: string;
  kind: 'room' | 'direct';
  name: string | null;
  invite_code: string | null;
  last_seq: number;
  created_at: number;
}
export interface MemberRow {
  conversation_id: string;
  user_id: string;
  username: string;
  delivered_seq: number;
  read_seq: number;
  joined_at: number;
}
export interface MessageRow {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  sender_name: string;
  text: string;
  typed_at: number;
  created_at: number;
}

export const CONVERSATION_COLUMNS = 'id, kind, name, invite_code, last_seq, created_at';
/** Members with their username, from `members m JOIN users u` (see memberSelect). */
export const MEMBER_COLUMNS =
  'm.conversation_id, m.user_id, u.username, m.delivered_seq, m.read_seq, m.joined_at';
export const MESSAGE_COLUMNS = 'id, conversation_id, seq, sender_id, sender_name, text, typed_at, created_at';

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

export const toMessage = (r: MessageRow): Message => ({
  id: r.id,
  conversationId: r.conversation_id,
  seq: r.seq,
  senderId: r.sender_id,
  senderName: r.sender_name,
  text: r.text,
  typedAt: r.typed_at,
  createdAt: r.created_at,
});
