import { mergeChanges, type DbChange } from '../localdb/index';

/** Changes kept for tabs that say hello late; older ones are forgotten (such a tab re-reads everything). */
const KEPT_CHANGES = 200;

/**
 * The changes this hub told its tabs about, with when: a tab that started reading before it was
 * served (a page opening while the hub starts) asks what changed since, instead of re-reading
 * everything it just read.
 */
export class ChangeLog {
  private readonly entries: Array<{ at: number; change: DbChange }> = [];
  private readonly startedAt: number;
  /** The newest forgotten change's time: what was told until then may be missing. */
  private forgottenUntil = -Infinity;

  /**
   * `sole`: no other hub can have written before this one started (a SharedWorker is the only
   * one of its origin; an elected tab may follow a leader that wrote until it left).
   */
  constructor(
    private readonly sole: boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  record(change: DbChange): void {
    this.entries.push({ at: this.now(), change });
    if (this.entries.length > KEPT_CHANGES) this.forgottenUntil = this.entries.shift()!.at;
  }

  /**
   * Everything told since `since` as one change (no stores: nothing), or null when this hub cannot
   * tell: forgotten, or written before it started by a hub it followed.
   */
  since(since: number): DbChange | null {
    if (since <= this.forgottenUntil || (since < this.startedAt && !this.sole)) return null;
    let missed: DbChange = { stores: [], conversationIds: [] };
    for (const entry of this.entries) if (entry.at >= since) missed = mergeChanges(missed, entry.change);
    return missed;
  }
}
