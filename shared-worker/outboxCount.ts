/**
 * The hub's count of this account's unsent outbox entries (queued or failed), shown in every
 * tab's status. Counted by the outbox's sender index (no entry is read: a replay announces a change
 * every few dozen acks). Recounts during a recount share one more recount after it.
 */
import { rerunLatch } from '../client-kit/index';
import type { User } from '../contract/index';
import type { GetFerryDb } from '../localdb/index';
import { countEntries } from '../outbox/index';

export interface OutboxCountDeps {
  getDb: GetFerryDb;
  me(): User | null;
  /** After every recount (the count may have changed). */
  counted(): void;
}

export class OutboxCount {
  /** Unsent entries of the signed-in account (0 when nobody is). */
  value = 0;
  private readonly recounts = rerunLatch(() => this.count());

  constructor(private readonly deps: OutboxCountDeps) {}

  /** Recounts; resolves once a recount that started after this call is done. */
  refresh(): Promise<void> {
    return this.recounts.run();
  }

  private async count(): Promise<void> {
    const me = this.deps.me();
    this.value = me ? await countEntries(await this.deps.getDb(), me.id) : 0;
    this.deps.counted();
  }
}
