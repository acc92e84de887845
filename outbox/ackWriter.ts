/**
 * Writes acknowledged outbox entries to IndexedDB in batches, off the send path: the drain sends
 * the next entry as soon as an ack arrives, while the acks gathered so far are moved from `outbox`
 * to `messages` in one transaction per batch. Safe because an entry leaves the outbox only in that
 * transaction: a crash before it commits leaves the entry queued, it is sent again, and the server
 * returns the original (it dedupes by message id).
 */
import type { Message } from '../contract/index';
import { putMessages, type FerryDb } from '../localdb/index';

/** Largest batch written in one transaction (keeps each transaction short). */
const MAX_BATCH = 200;

export class AckWriter {
  private pending: Message[] = [];
  private writing: Promise<void> | null = null;
  private error: unknown = null;

  constructor(
    private readonly db: FerryDb,
    private readonly meId: string,
    /** Called after each committed batch with the messages it stored. */
    private readonly onWritten: (batch: readonly Message[]) => void,
    /** Called with acknowledged messages the person withdrew while they were being sent. */
    private readonly onWithdrawn: (messages: readonly Message[]) => Promise<void> = async () => {},
  ) {}

  /**
   * Queues an acknowledged message for the next batch and starts writing if idle. putMessages
   * removes the outbox entry with the message's id in the same transaction.
   */
  add(message: Message): void {
    this.pending.push(message);
    this.writing ??= this.writeAll();
  }

  /** Waits until every queued ack is written; rethrows a failed write. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.error !== null) throw this.error;
  }

  private async writeAll(): Promise<void> {
    try {
      // Acks arriving during a write form the next batch: batches grow with the ack rate.
      while (this.pending.length > 0 && this.error === null) {
        const batch = this.pending.splice(0, MAX_BATCH);
        const stored = await putMessages(this.db, batch, { meId: this.meId, fromOutbox: true });
        this.onWritten(batch);
        if (stored.withdrawn.length > 0) await this.onWithdrawn(stored.withdrawn);
      }
    } catch (err) {
      this.error = err;
    } finally {
      this.writing = null;
    }
  }
}
