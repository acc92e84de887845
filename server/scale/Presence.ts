/**
 * Presence: a user is online while at least one connection of theirs is open, on any node.
 * In memory for one process; in Redis across nodes (with per-node bookkeeping so a crashed node's
 * connections can be cleared).
 */
export interface PresenceTracker {
  /** Counts one more connection; true when the user just came online. */
  connected(userId: string): Promise<boolean>;
  /** Counts one connection less; true when the user just went offline. */
  disconnected(userId: string): Promise<boolean>;
  /** Which of these users are online now. */
  onlineAmong(userIds: readonly string[]): Promise<Set<string>>;
  /**
   * Listens for users who went offline without a goodbye from their sockets (their node died).
   * Only trackers that see other nodes have it; in one process every disconnect is seen.
   */
  onOffline?(listener: (userIds: string[]) => void): void;
  close(): Promise<void>;
}
