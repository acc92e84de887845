/** Builds the wire views (Member, ConversationSummary) from store records and presence. */
import type { ConversationSummary, Member } from '../../contract/events.js';
import type { MemberRecord, UserConversation } from '../store/Store.js';

export function toMember(record: MemberRecord, online: ReadonlySet<string>): Member {
  return {
    userId: record.userId,
    username: record.username,
    deliveredSeq: record.deliveredSeq,
    readSeq: record.readSeq,
    online: online.has(record.userId),
  };
}

/**
 * One conversation as `viewerId` sees it: direct conversations are named after the other person.
 * `uc.unreadCount` must be the viewer's.
 */
export function toSummary(
  viewerId: string,
  uc: UserConversation,
  online: ReadonlySet<string>,
  muted = false,
): ConversationSummary {
  const { conversation: c, members } = uc;
  const me = members.find((m) => m.userId === viewerId);
  const other = members.find((m) => m.userId !== viewerId);
  const name = c.kind === 'room' ? (c.name ?? '') : (other?.username ?? me?.username ?? '');
  return {
    id: c.id,
    kind: c.kind,
    name,
    inviteCode: c.kind === 'room' ? c.inviteCode : null,
    lastSeq: c.lastSeq,
    lastMessage: uc.lastMessage,
    createdAt: c.createdAt,
    deliveredSeq: me?.deliveredSeq ?? 0,
    readSeq: me?.readSeq ?? 0,
    unreadCount: uc.unreadCount,
    members: members.map((m) => toMember(m, online)),
    muted,
  };
}
