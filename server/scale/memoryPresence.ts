/** Connection counts in this process's memory: the one-node PresenceTracker. */
import type { PresenceTracker } from './Presence.js';

export class MemoryPresence implements PresenceTracker {
  private readonly counts = new Map<string, number>();

  async connected(userId: string): Promise<boolean> {
    const n = (this.counts.get(userId) ?? 0) + 1;
    this.counts.set(userId, n);
    return n === 1;
  }

  async disconnected(userId: string): Promise<boolean> {
    const n = this.counts.get(userId) ?? 0;
    if (n <= 1) {
      this.counts.delete(userId);
      return n === 1;
    }
    this.counts.set(userId, n - 1);
    return false;
  }

  async onlineAmong(userIds: readonly string[]): Promise<Set<string>> {
    const online = new Set<string>();
    for (const id of userIds) if (this.counts.has(id)) online.add(id);
    return online;
  }

  async close(): Promise<void> {
    this.counts.clear();
  }
}
