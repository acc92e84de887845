/** Typing indicators: ephemeral (never stored), rate-limited per user and conversation. */
import type { User } from '../../contract/events.js';
import { TYPING_EVENTS_PER_WINDOW, TYPING_WINDOW_MS } from '../../contract/limits.js';
import type { TypingUpdateInput } from '../../contract/schemas.js';
import { rateLimited } from '../errors.js';
import type { Relay } from '../realtime/relay.js';
import type { RateLimiter, RateLimitRule } from '../scale/RateLimiter.js';
import type { Membership } from './membership.js';

const TYPING_RULE: RateLimitRule = {
  capacity: TYPING_EVENTS_PER_WINDOW,
  refillPerSecond: TYPING_EVENTS_PER_WINDOW / (TYPING_WINDOW_MS / 1000),
};

export class Typing {
  constructor(private readonly deps: { relay: Relay; rateLimiter: RateLimiter; membership: Membership }) {}

  /** Tells the other sockets of the conversation that the user is (or stopped) typing. */
  async update(
    user: User,
    input: TypingUpdateInput,
    options: { knownMember?: boolean; exceptSocketId?: string } = {},
  ): Promise<void> {
    if (!options.knownMember) await this.deps.membership.require(user.id, input.conversationId);
    const limit = await this.deps.rateLimiter.take(`typing:${user.id}:${input.conversationId}`, TYPING_RULE);
    if (!limit.allowed) throw rateLimited(limit.retryAfterMs, 'Too many typing updates.');
    this.deps.relay.typing(
      {
        conversationId: input.conversationId,
        userId: user.id,
        username: user.username,
        typing: input.typing,
      },
      options.exceptSocketId,
    );
  }
}
