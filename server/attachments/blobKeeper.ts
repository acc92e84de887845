/**
 * Blobs are shared by every attachment with the same SHA-256: one is written when the first of
 * them is stored and removed when the last is gone. Both steps run under a lock per hash, so a
 * finishing upload cannot see a blob that a concurrent release is about to remove. The lock is
 * this process's: with PostgreSQL across nodes the window between the reference count and the
 * delete remains (see README, Attachments).
 */
import type { Logger } from 'pino';
import { thumbnailKey, type AttachmentRecord, type Store } from '../store/Store.js';

export class BlobKeeper {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  /** Runs `work` alone for this hash. */
  async withLock<T>(sha256: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(sha256) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.catch(() => undefined);
    this.locks.set(sha256, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(sha256) === settled) this.locks.delete(sha256);
    }
  }

  /** Stores the bytes (and thumbnail) once, then the attachment naming them. */
  async keep(
    record: AttachmentRecord,
    bytes: Buffer,
    thumbnail: Buffer | null,
  ): Promise<'created' | 'exists'> {
    return this.withLock(record.sha256, async () => {
      await this.store.blobs.put(record.sha256, bytes);
      if (thumbnail) await this.store.blobs.put(thumbnailKey(record.sha256), thumbnail);
      return this.store.createAttachment(record);
    });
  }

  /** Removes the blob and its thumbnail when no attachment names it any more. Never throws. */
  async release(sha256: string): Promise<void> {
    try {
      await this.withLock(sha256, async () => {
        if ((await this.store.blobReferences(sha256)) > 0) return;
        await this.store.blobs.delete(sha256);
        await this.store.blobs.delete(thumbnailKey(sha256));
      });
    } catch (err) {
      // A blob left behind costs disk space only; the next release of the hash tries again.
      this.logger.warn({ err, sha256 }, 'attachments: could not remove an unreferenced blob');
    }
  }
}
