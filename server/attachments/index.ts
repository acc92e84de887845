/**
 * Attachments: resumable uploads (tus), the blobs they become (content-addressed, shared, removed
 * with their last reference), and serving them to members. The API mounts the routes; messaging
 * releases a deleted message's blob; the app runs the sweep of expired uploads.
 */
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { ConversationPath, UploadPath, UploadRoutePath } from '../../contract/http.js';
import { serveAttachment } from './serve.js';
import { Uploads, type UploadsDeps } from './uploads.js';

export { BlobKeeper } from './blobKeeper.js';
export { cleanName } from './uploads.js';

/** Uploads, serving and the sweep read the same dependencies. */
export type AttachmentsDeps = UploadsDeps;

/** Longest pause between sweeps of expired uploads. */
const SWEEP_MAX_MS = 15 * 60_000;

export class Attachments {
  readonly uploads: Uploads;
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<number> | null = null;

  constructor(private readonly deps: AttachmentsDeps) {
    this.uploads = new Uploads(deps);
  }

  /** Mounts the upload and download routes (all need a signed-in user). */
  routes<S extends { user?: { id: string; username: string } }>(
    router: Router<S>,
    requireUser: Middleware<S>,
    conversationIdParam: (params: Record<string, string | undefined>) => string,
  ): void {
    const userOf = (state: S) => state.user!;
    router.post(UploadPath, requireUser, (ctx) => this.uploads.create(ctx, userOf(ctx.state)));
    for (const method of ['head', 'patch', 'delete'] as const) {
      router[method](UploadRoutePath, requireUser, (ctx) =>
        this.uploads.resume(ctx, userOf(ctx.state), ctx.params.uploadId),
      );
    }
    router.get(ConversationPath.attachment, requireUser, (ctx) =>
      serveAttachment(
        ctx,
        this.deps,
        userOf(ctx.state),
        conversationIdParam(ctx.params),
        ctx.params.attachmentId,
      ),
    );
  }

  /**
   * Removes unfinished uploads and finished ones never sent, once older than UPLOAD_EXPIRY_HOURS,
   * and the blobs nothing refers to any more. Returns how many uploads went.
   */
  sweep(): Promise<number> {
    this.sweeping ??= (async () => {
      try {
        const unfinished = await this.uploads.sweep();
        const unsent = await this.deps.store.deleteUnsentAttachments(
          this.deps.now() - this.deps.config.uploadExpiryMs,
        );
        for (const sha256 of new Set(unsent.map((a) => a.sha256))) await this.deps.blobs.release(sha256);
        return unfinished + unsent.length;
      } catch (err) {
        this.deps.logger.warn({ err }, 'attachments: sweep failed');
        return 0;
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }

  /** Sweeps every quarter of the expiry (at least each second, at most each 15 minutes). */
  start(): void {
    const every = Math.min(SWEEP_MAX_MS, Math.max(1_000, Math.floor(this.deps.config.uploadExpiryMs / 4)));
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
  }
}
