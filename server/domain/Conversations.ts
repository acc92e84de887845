/**
 * Conversations: rooms (name + invite code; join by code; leave), direct conversations started by
 * username, member lists with online flags, and the user's list as ConversationSummary.
 * Membership changes move the user's sockets between rooms on every node (Relay).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ErrorCode } from '../../contract/errors.js';
import type { ConversationSummary, Member, User } from '../../contract/events.js';
import { AppError, conversationNotFound } from '../errors.js';
import type { Relay } from '../realtime/relay.js';
import type { PresenceTracker } from '../scale/Presence.js';
import type { Store, UserConversation, UserRef } from '../store/Store.js';
import type { Membership } from './membership.js';
import { toMember, toSummary } from './summaries.js';

export interface ConversationsDeps {
  store: Store;
  presence: PresenceTracker;
  relay: Relay;
  membership: Membership;
  now: () => number;
}

/** 96 random bits, URL-safe: unguessable, short enough for a link. */
function newInviteCode(): string {
  return randomBytes(12).toString('base64url');
}

/** A signed-in user as the store writes a member. */
const userRef = (user: User): UserRef => ({ userId: user.id, username: user.username });

export class Conversations {
  constructor(private readonly deps: ConversationsDeps) {}

  /** The user's conversations, newest activity first. */
  async list(user: User): Promise<ConversationSummary[]> {
    const [all, mutedIds] = await Promise.all([
      this.deps.store.listUserConversations(user.id),
      this.deps.store.mutedConversationIds(user.id),
    ]);
    const online = await this.onlineOf(all);
    const muted = new Set(mutedIds);
    const summaries = all.map((uc) => toSummary(user.id, uc, online, muted.has(uc.conversation.id)));
    const activity = (s: ConversationSummary): number => s.lastMessage?.createdAt ?? s.createdAt;
    return summaries.sort((a, b) => activity(b) - activity(a));
  }

  /** Creates a room with the user as its first member. */
  async createRoom(user: User, name: string): Promise<ConversationSummary> {
    const room = await this.deps.store.createRoom(
      { id: randomUUID(), name, inviteCode: newInviteCode(), createdAt: this.deps.now() },
      userRef(user),
    );
    const summary = await this.summary(user.id, room.id);
    this.deps.relay.joined(user.id, summary);
    return summary;
  }

  /** Joins the room with this invite code (joining twice is harmless). */
  async joinByInvite(user: User, inviteCode: string): Promise<ConversationSummary> {
    const room = await this.deps.store.getConversationByInvite(inviteCode);
    if (!room || room.kind !== 'room') {
      throw new AppError(ErrorCode.NOT_FOUND, 'This invite code is not valid. Ask a member for a new link.');
    }
    const { member, added } = await this.deps.store.addMember(room.id, userRef(user), this.deps.now());
    const summary = await this.summary(user.id, room.id);
    this.deps.relay.joined(user.id, summary);
    if (added) {
      const online = await this.deps.presence.onlineAmong([user.id]);
      this.deps.relay.memberJoined(room.id, toMember(member, online));
    }
    return summary;
  }

  /** The one direct conversation between the user and `username`, created on first use. */
  async startDirect(user: User, username: string): Promise<ConversationSummary> {
    const other = await this.deps.store.getUserByUsername(username);
    if (!other) {
      throw new AppError(
        ErrorCode.UNKNOWN_USER,
        `There is no user called "${username}". Check the spelling.`,
      );
    }
    if (other.id === user.id) {
      throw new AppError(
        ErrorCode.BAD_REQUEST,
        'A direct conversation needs another person: pick someone else.',
      );
    }
    const { conversation, created } = await this.deps.store.getOrCreateDirect(
      { id: randomUUID(), createdAt: this.deps.now() },
      userRef(user),
      userRef(other),
    );
    const uc = await this.load(conversation.id, user.id);
    const online = await this.onlineOf([uc]);
    const mine = toSummary(user.id, uc, online);
    // Sent even when it already existed: joining rooms is idempotent, and it repairs a device
    // that missed the first announcement.
    this.deps.relay.joined(user.id, mine);
    // A new conversation has nothing unread for anyone.
    if (created) this.deps.relay.joined(other.id, toSummary(other.id, { ...uc, unreadCount: 0 }, online));
    return mine;
  }

  /** Leaves a room. Direct conversations cannot be left. */
  async leave(user: User, conversationId: string): Promise<void> {
    await this.deps.membership.require(user.id, conversationId);
    const conversation = await this.deps.store.getConversation(conversationId);
    if (conversation?.kind === 'direct') {
      throw new AppError(ErrorCode.BAD_REQUEST, 'Direct conversations cannot be left; only rooms can.');
    }
    if (await this.deps.store.removeMember(conversationId, user.id)) {
      this.deps.relay.left(user.id, conversationId);
      this.deps.relay.memberLeft(conversationId, user.id);
    }
  }

  /** The members of a conversation the user belongs to, with online flags. */
  async members(user: User, conversationId: string): Promise<Member[]> {
    await this.deps.membership.require(user.id, conversationId);
    const members = await this.deps.store.listMembers(conversationId);
    const online = await this.deps.presence.onlineAmong(members.map((m) => m.userId));
    return members.map((m) => toMember(m, online));
  }

  /** One conversation as `viewerId` sees it. */
  async summary(viewerId: string, conversationId: string): Promise<ConversationSummary> {
    const [uc, muted] = await Promise.all([
      this.load(conversationId, viewerId),
      this.deps.store.mutedMembers(conversationId, [viewerId]),
    ]);
    return toSummary(viewerId, uc, await this.onlineOf([uc]), muted.length > 0);
  }

  /** One conversation, with `viewerId`'s unread count. */
  private async load(conversationId: string, viewerId: string): Promise<UserConversation> {
    const { store } = this.deps;
    const [conversation, members, lastMessage, unreadCount] = await Promise.all([
      store.getConversation(conversationId),
      store.listMembers(conversationId),
      store.lastMessage(conversationId),
      store.countUnread(conversationId, viewerId),
    ]);
    if (!conversation) throw conversationNotFound();
    return { conversation, members, lastMessage, unreadCount };
  }

  private onlineOf(list: readonly UserConversation[]): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const uc of list) for (const m of uc.members) ids.add(m.userId);
    return this.deps.presence.onlineAmong([...ids]);
  }
}
