/**
 * The gap rule, in one place for every kind of conversation entry. A conversation's entries
 * (messages today; edits, deletes and reactions later) share one seq line 1, 2, 3… The hub learns
 * seqs from many paths: a live entry, its own ack, another member's receipt, a catch-up page's
 * lastSeq, a conversation summary. Each of them says "the server holds this conversation up to
 * seq". Once whatever entry came with it is stored, a device whose contiguous cursor (syncedSeq)
 * is still below that seq has a hole or a missing tail, and catches up. Checks are coalesced per
 * conversation (a burst of acks reads the cursor once) and run in the conversation's chain, after
 * the stores queued before them.
 */

/** True when a device holding a conversation up to `heldSeq` is missing something up to `learnedSeq`. */
export function missesEntries(heldSeq: number, learnedSeq: number): boolean {
  return learnedSeq > heldSeq;
}

export interface GapWatchDeps {
  /** Runs `task` in the conversation's chain (after what is queued there). */
  schedule(conversationId: string, task: () => Promise<void>): void;
  /** The conversation's contiguous cursor on this device, or null when it is not cached here. */
  held(conversationId: string): Promise<number | null>;
  /** Fetches what the conversation is missing. */
  catchUp(conversationId: string): void;
}

export class GapWatch {
  /** Highest seq learned per conversation and not checked yet (a check is scheduled for each). */
  private readonly learnedSeqs = new Map<string, number>();

  constructor(private readonly deps: GapWatchDeps) {}

  /**
   * Records that the server holds `conversationId` up to `seq` (call after queuing the store of any
   * entry that came with it); schedules one check per conversation however many seqs arrive.
   */
  learned(conversationId: string, seq: number): void {
    const pending = this.learnedSeqs.get(conversationId);
    if (pending !== undefined) {
      if (seq > pending) this.learnedSeqs.set(conversationId, seq);
      return;
    }
    this.learnedSeqs.set(conversationId, seq);
    this.deps.schedule(conversationId, () => this.check(conversationId));
  }

  private async check(conversationId: string): Promise<void> {
    const seq = this.learnedSeqs.get(conversationId);
    this.learnedSeqs.delete(conversationId);
    if (seq === undefined) return;
    const held = await this.deps.held(conversationId);
    if (held !== null && missesEntries(held, seq)) this.deps.catchUp(conversationId);
  }
}
