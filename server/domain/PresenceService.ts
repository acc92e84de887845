/** Presence: online while the user has at least one connection; members hear each change. */
import type { User } from '../../contract/events.js';
import type { Relay } from '../realtime/relay.js';
import type { PresenceTracker } from '../scale/Presence.js';

export class PresenceService {
  constructor(private readonly deps: { presence: PresenceTracker; relay: Relay }) {}

  /** A connection opened; tells the user's conversations if the user just came online. */
  async connected(user: User, conversationIds: readonly string[]): Promise<void> {
    if (await this.deps.presence.connected(user.id)) {
      this.deps.relay.presence(conversationIds, { userId: user.id, online: true });
    }
  }

  /** A connection closed; tells the user's conversations if it was the user's last one. */
  async disconnected(user: User, conversationIds: readonly string[]): Promise<void> {
    if (await this.deps.presence.disconnected(user.id)) {
      this.deps.relay.presence(conversationIds, { userId: user.id, online: false });
    }
  }
}
