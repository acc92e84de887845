/** "Only members can read, send or subscribe": the one check every conversation operation uses. */
import type { Store, MemberRecord } from '../store/Store.js';
import { AppError, conversationNotFound, forbidden } from '../errors.js';

export class Membership {
  constructor(private readonly store: Store) {}

  /** The user's membership, or FORBIDDEN (conversation exists) / NOT_FOUND (it does not). */
  async require(userId: string, conversationId: string): Promise<MemberRecord> {
    const member = await this.store.getMember(conversationId, userId);
    if (member) return member;
    throw await this.denied(conversationId);
  }

  /** The error for a user who is not a member (checked only on the failure path). */
  async denied(conversationId: string): Promise<AppError> {
    return (await this.store.getConversation(conversationId)) ? forbidden() : conversationNotFound();
  }
}
