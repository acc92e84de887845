/** "Only members can read, send or subscribe": the one check every conversation operation uses. */
import type { Store, MemberRecord } from '../store/Store.js';
import { notAMember, type AppError } from '../errors.js';

export class Membership {
  constructor(private readonly store: Store) {}

  /**
   * The user's membership, or FORBIDDEN. A conversation that does not exist gets the same answer,
   * so a non-member cannot learn which ids are real.
   */
  async require(userId: string, conversationId: string): Promise<MemberRecord> {
    const member = await this.store.getMember(conversationId, userId);
    if (member) return member;
    throw this.denied();
  }

  /** The error for a user who is not a member, whether or not the conversation exists. */
  denied(): AppError {
    return notAMember();
  }
}
