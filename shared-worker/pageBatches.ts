/**
 * Catch-up pages of many conversations stored together: after a long time offline, hundreds of
 * conversations each bring a page at once, and one IndexedDB transaction per page would make
 * them wait for each other's commits (readwrite transactions over the same stores run one at a
 * time). Pages that arrive while a batch is being written go into the next one, written as soon
 * as it ends; one batch is written at a time. Queueing and settling are the shared Batcher's
 * (contract/batcher.ts).
 *
 * Crash safety is the writer's: `write` stores a batch in one transaction (putMessages), where
 * each conversation's cursor advances with the messages it covers. A batch that fails is written
 * again page by page, so one page that cannot be stored fails only its own conversation.
 */
import { Batcher } from '../contract/batcher';
import type { Message } from '../contract/index';

/** Messages per batch: enough to cover many pages at once, small enough to commit promptly. */
const BATCH_MAX_MESSAGES = 5_000;

/** What a batch's write reports: each touched conversation's cursor afterwards. */
export interface BatchResult {
  syncedSeq: Map<string, number>;
}

export class PageBatches<R extends BatchResult> extends Batcher<readonly Message[], R> {
  constructor(write: (messages: Message[]) => Promise<R>, maxMessages = BATCH_MAX_MESSAGES) {
    super({
      // Every page of a batch gets the result of the one transaction that stored them all.
      write: async (pages) => {
        const result = await write(pages.flat());
        return pages.map(() => ({ ok: true, value: result }));
      },
      maxSize: maxMessages,
      sizeOf: (page) => page.length,
      // A lone page is written at once; pages arriving during a write wait for its end.
      schedule: (flush) => flush(),
      onFailure: async (error, batch, retry) => {
        if (batch.length === 1) return batch[0]!.reject(error);
        for (const page of batch) await retry([page]);
      },
    });
  }

  /**
   * Stores one conversation's page with whatever other pages are waiting; resolves once it is
   * committed, with the result of the transaction that stored it.
   */
  store(messages: readonly Message[]): Promise<R> {
    return this.submit(messages);
  }
}
