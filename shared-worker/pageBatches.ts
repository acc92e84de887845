/**
 * Catch-up pages of many conversations stored together: after a long time offline, hundreds of
 * conversations each bring a page at once, and one IndexedDB transaction per page would make
 * them wait for each other's commits (readwrite transactions over the same stores run one at a
 * time). Pages that arrive while a batch is being written go into the next one, written as soon
 * as it ends; one batch is written at a time.
 *
 * Crash safety is the writer's: `write` stores a batch in one transaction (putMessages), where
 * each conversation's cursor advances with the messages it covers. A batch that fails is written
 * again page by page, so one page that cannot be stored fails only its own conversation.
 */
import type { Message } from '../contract/index';

/** Messages per batch: enough to cover many pages at once, small enough to commit promptly. */
const BATCH_MAX_MESSAGES = 5_000;

/** What a batch's write reports: each touched conversation's cursor afterwards. */
export interface BatchResult {
  syncedSeq: Map<string, number>;
}

interface Waiting<R extends BatchResult> {
  messages: readonly Message[];
  resolve(result: R): void;
  reject(err: unknown): void;
}

export class PageBatches<R extends BatchResult> {
  private waiting: Array<Waiting<R>> = [];
  private writing = false;

  constructor(
    private readonly write: (messages: Message[]) => Promise<R>,
    private readonly maxMessages = BATCH_MAX_MESSAGES,
  ) {}

  /**
   * Stores one conversation's page with whatever other pages are waiting; resolves once it is
   * committed, with the result of the transaction that stored it.
   */
  store(messages: readonly Message[]): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ messages, resolve, reject });
      if (!this.writing) void this.writeAll();
    });
  }

  private async writeAll(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) await this.writeBatch(this.takeBatch());
    } finally {
      this.writing = false;
    }
  }

  /** The oldest waiting pages, up to maxMessages (at least one page, however long). */
  private takeBatch(): Array<Waiting<R>> {
    let count = 0;
    let n = 0;
    while (
      n < this.waiting.length &&
      (n === 0 || count + this.waiting[n]!.messages.length <= this.maxMessages)
    )
      count += this.waiting[n++]!.messages.length;
    return this.waiting.splice(0, n);
  }

  private async writeBatch(batch: Array<Waiting<R>>): Promise<void> {
    try {
      const result = await this.write(batch.flatMap((page) => page.messages));
      for (const page of batch) page.resolve(result);
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      for (const page of batch) await this.writeBatch([page]);
    }
  }
}
