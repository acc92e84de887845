/**
 * Resumable uploads (tus 1.0, @tus/server with its FileStore under DATA_DIR/uploads), mounted in
 * the API's router so they share its session, origin check and error envelope. Ferry checks each
 * request before tus sees it: the session, the conversation's membership, the file size, the
 * quota, and that an upload is only ever touched by the user who created it. The upload's id is
 * the client's UUID (Upload-Metadata uploadId), so a client that crashed finds it again with HEAD
 * on uploadPath(uploadId). When the last byte arrives the bytes are inspected and stored as a
 * content-addressed blob, and the upload's temporary file is removed; the answer to that last PATCH
 * is sent only once the attachment is recorded, so the message can be sent right after.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { Server as TusServer } from '@tus/server';
import type { Upload } from '@tus/utils';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ErrorCode } from '../../contract/errors.js';
import type { User } from '../../contract/events.js';
import { UploadMetadata, UploadPath } from '../../contract/http.js';
import { ATTACHMENT_NAME_MAX } from '../../contract/limits.js';
import type { Config } from '../config.js';
import type { Membership } from '../domain/membership.js';
import { AppError, rateLimited } from '../errors.js';
import type { RateLimiter, RateLimitRule } from '../scale/RateLimiter.js';
import type { AttachmentRecord, Store } from '../store/Store.js';
import type { BlobKeeper } from './blobKeeper.js';
import { inspect } from './inspect.js';

/** Upload creations per user: a burst of a chat's worth of pictures, then one a second. */
const CREATE_RULE: RateLimitRule = { capacity: 60, refillPerSecond: 1 };
const TUS_VERSION = '1.0.0';
/** Set on the upload by the server, never taken from the client. */
const UPLOADER_KEY = 'ferryUploader';

const uuid = z.uuid().transform((v) => v.toLowerCase());

export interface UploadsDeps {
  config: Config;
  store: Store;
  membership: Membership;
  rateLimiter: RateLimiter;
  blobs: BlobKeeper;
  logger: Logger;
  now: () => number;
}

export const uploadNotFound = (): AppError =>
  new AppError(
    ErrorCode.UPLOAD_NOT_FOUND,
    'This upload does not exist (it may have expired, or belong to someone else). Upload the file again.',
  );

const mib = (bytes: number): string => `${Math.round((bytes / 1048576) * 10) / 10} MB`;

/** A file name safe to keep and show: no control characters or lone surrogates, at most the limit. */
export function cleanName(raw: string): string {
  const text = raw
    .replace(/\p{Cc}/gu, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .trim();
  const chars = [...text];
  return (chars.length > ATTACHMENT_NAME_MAX ? chars.slice(0, ATTACHMENT_NAME_MAX).join('') : text) || 'file';
}

/** tus Upload-Metadata: comma-separated `key base64value` pairs. */
function parseMetadata(header: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const part of header.split(',')) {
    const [key, value = '', ...rest] = part.trim().split(' ');
    if (!key || rest.length > 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
      throw new AppError(ErrorCode.BAD_REQUEST, 'Upload-Metadata is not valid tus metadata.');
    }
    pairs.set(key, Buffer.from(value, 'base64').toString('utf8'));
  }
  return pairs;
}

export class Uploads {
  readonly directory: string;
  private readonly datastore: FileStore;
  private readonly tus: TusServer;
  /** The user of each creation request, for onUploadCreate (tus gets the request, not our state). */
  private readonly creators = new WeakMap<IncomingMessage, User>();

  constructor(private readonly deps: UploadsDeps) {
    this.directory = join(deps.config.dataDir, 'uploads');
    this.datastore = new FileStore({
      directory: this.directory,
      expirationPeriodInMilliseconds: deps.config.uploadExpiryMs,
    });
    this.tus = new TusServer({
      path: UploadPath,
      datastore: this.datastore,
      relativeLocation: true,
      maxSize: deps.config.attachmentMaxBytes,
      namingFunction: (_req, metadata) => {
        const id = metadata?.[UploadMetadata.uploadId];
        if (!id) throw { status_code: 400, body: 'Upload-Metadata needs uploadId.' };
        return id.toLowerCase();
      },
      // Ferry's own CORS middleware answers for the allowlist; tus must not add `*`.
      allowedOrigins: () => false,
      onUploadCreate: async (req, upload) => {
        const node = nodeOf(req)?.req;
        const user = node ? this.creators.get(node) : undefined;
        if (!user) throw { status_code: 401, body: 'Not signed in.' };
        return { metadata: { ...upload.metadata, [UPLOADER_KEY]: user.id } };
      },
      onUploadFinish: async (req, upload) => {
        await this.finish(upload);
        // tus still reads the upload while answering (a creation of an empty file does): its
        // temporary file goes once the answer is sent.
        const res = nodeOf(req)?.res;
        if (res) res.once('close', () => void this.discard(upload.id));
        else await this.discard(upload.id);
        return {};
      },
      onResponseError: (_req, err) => this.asEnvelope(err),
    });
  }

  /** POST UploadPath: checks the creation, then lets tus make the upload. */
  async create(ctx: Context, user: User): Promise<void> {
    requireTus(ctx);
    if (ctx.get('Upload-Defer-Length')) {
      throw new AppError(
        ErrorCode.BAD_REQUEST,
        'Give the file size (Upload-Length) when creating an upload.',
      );
    }
    const lengthHeader = ctx.get('Upload-Length');
    if (!/^\d{1,16}$/.test(lengthHeader)) {
      throw new AppError(ErrorCode.BAD_REQUEST, 'Upload-Length must be the file size in bytes.');
    }
    const length = Number(lengthHeader);
    const { attachmentMaxBytes, storageQuotaBytes } = this.deps.config;
    if (length > attachmentMaxBytes) {
      throw new AppError(
        ErrorCode.FILE_TOO_LARGE,
        `This file is ${mib(length)}; files can be at most ${mib(attachmentMaxBytes)}.`,
      );
    }
    const metadata = parseMetadata(ctx.get('Upload-Metadata'));
    const conversationId = uuid.safeParse(metadata.get(UploadMetadata.conversationId));
    const uploadId = uuid.safeParse(metadata.get(UploadMetadata.uploadId));
    const filename = metadata.get(UploadMetadata.filename);
    if (!conversationId.success || !uploadId.success || filename === undefined) {
      throw new AppError(
        ErrorCode.BAD_REQUEST,
        'Upload-Metadata needs conversationId and uploadId (UUIDs) and filename.',
      );
    }
    await this.deps.membership.require(user.id, conversationId.data);
    const limit = await this.deps.rateLimiter.take(`upload:${user.id}`, CREATE_RULE);
    if (!limit.allowed) throw rateLimited(limit.retryAfterMs, 'You are uploading files too fast.');

    const id = uploadId.data;
    const finished = await this.deps.store.getAttachment(id);
    const pending = finished ? null : await this.pending(id);
    if (finished || pending) {
      const mine = (finished?.uploaderId ?? pending?.metadata?.[UPLOADER_KEY]) === user.id;
      throw new AppError(
        ErrorCode.ID_CONFLICT,
        mine
          ? 'This upload exists already: resume it (HEAD on its address) instead of creating it again.'
          : 'This upload id is already used. Pick the file again to upload it with a new id.',
      );
    }
    // Stored files and uploads under way both count: parallel uploads cannot pass the quota.
    const used = (await this.deps.store.attachmentBytes(user.id)) + (await this.pendingBytes(user.id));
    if (used + length > storageQuotaBytes) {
      throw new AppError(
        ErrorCode.QUOTA_EXCEEDED,
        `Your files use ${mib(used)} of your ${mib(storageQuotaBytes)} storage; this one (${mib(length)}) does not fit. Delete some messages with files first.`,
      );
    }
    // The cleaned name travels in the metadata tus stores with the upload.
    ctx.req.headers['upload-metadata'] = [
      `${UploadMetadata.conversationId} ${b64(conversationId.data)}`,
      `${UploadMetadata.uploadId} ${b64(id)}`,
      `${UploadMetadata.filename} ${b64(cleanName(filename))}`,
    ].join(',');
    this.creators.set(ctx.req, user);
    await this.handOver(ctx);
  }

  /** HEAD, PATCH, DELETE on one upload: only its uploader reaches tus. */
  async resume(ctx: Context, user: User, rawId: string | undefined): Promise<void> {
    requireTus(ctx);
    const parsed = uuid.safeParse(rawId);
    if (!parsed.success) throw uploadNotFound();
    const id = parsed.data;
    let finished = await this.deps.store.getAttachment(id);
    if (!finished) {
      const pending = await this.pending(id);
      if (!pending || pending.metadata?.[UPLOADER_KEY] !== user.id) throw uploadNotFound();
      // Every byte arrived but the server stopped before recording it: record it now.
      if (pending.size !== undefined && pending.offset === pending.size) {
        await this.finish(pending);
        await this.discard(id);
        finished = await this.deps.store.getAttachment(id);
      }
    }
    if (finished) {
      if (finished.uploaderId !== user.id) throw uploadNotFound();
      return this.answerFinished(ctx, finished);
    }
    await this.handOver(ctx);
  }

  /** Removes unfinished uploads older than the expiry; returns how many. */
  async sweep(): Promise<number> {
    try {
      return await this.datastore.deleteExpired();
    } catch (err) {
      this.deps.logger.warn({ err }, 'attachments: sweeping expired uploads failed');
      return 0;
    }
  }

  /** A finished upload, as tus would answer for a complete one. */
  private answerFinished(ctx: Context, finished: AttachmentRecord): void {
    ctx.set('Tus-Resumable', TUS_VERSION);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Upload-Offset', String(finished.size));
    ctx.set('Upload-Length', String(finished.size));
    if (ctx.method === 'HEAD') {
      // No body: Koa would turn a null body into 204, which a tus client does not take for HEAD.
      ctx.status = 200;
      return;
    }
    if (ctx.method === 'DELETE') {
      // Nothing to cancel: a finished upload never sent goes with the sweep.
      ctx.status = 204;
      return;
    }
    throw new AppError(ErrorCode.ID_CONFLICT, 'This upload is complete already.');
  }

  /** Declared sizes of this user's uploads under way on this node. */
  private async pendingBytes(userId: string): Promise<number> {
    const ids = (await this.datastore.configstore.list?.()) ?? [];
    let total = 0;
    for (const id of ids) {
      const upload = await this.datastore.configstore.get(id).catch(() => undefined);
      if (upload?.metadata?.[UPLOADER_KEY] === userId) total += upload.size ?? 0;
    }
    return total;
  }

  /** Upload in progress with this id, or null. */
  private async pending(id: string): Promise<Upload | null> {
    try {
      return await this.datastore.getUpload(id);
    } catch {
      return null;
    }
  }

  /** Inspects the complete upload, stores its blob and records the attachment. */
  private async finish(upload: Upload): Promise<void> {
    const meta = upload.metadata ?? {};
    const uploaderId = meta[UPLOADER_KEY];
    const conversationId = meta[UploadMetadata.conversationId];
    if (!uploaderId || !conversationId) throw { status_code: 404, body: 'Unknown upload.' };
    const bytes = await readFile(join(this.directory, upload.id));
    const inspected = await inspect(bytes, this.deps.config.attachmentKeepMetadata);
    await this.deps.blobs.keep(
      {
        id: upload.id,
        uploaderId,
        conversationId,
        name: cleanName(meta[UploadMetadata.filename] ?? ''),
        size: inspected.bytes.length,
        type: inspected.type,
        inline: inspected.inline,
        width: inspected.width,
        height: inspected.height,
        sha256: inspected.sha256,
        thumbnail: inspected.thumbnail !== null,
        messageId: null,
        createdAt: this.deps.now(),
      },
      inspected.bytes,
      inspected.thumbnail,
    );
  }

  /** Removes an upload's temporary file and info (already gone: nothing to do). */
  private async discard(id: string): Promise<void> {
    await this.datastore.remove(id).catch(() => undefined);
  }

  private async handOver(ctx: Context): Promise<void> {
    ctx.respond = false;
    await this.tus.handle(ctx.req, ctx.res);
  }

  /** tus's refusals in Ferry's envelope; anything unexpected logged and answered generically. */
  private asEnvelope(err: Error | { status_code: number; body: string }): {
    status_code: number;
    body: string;
  } {
    const status = 'status_code' in err ? err.status_code : 500;
    if (status >= 500 || !('status_code' in err)) {
      this.deps.logger.error({ err }, 'attachments: upload failed');
      return envelope(500, ErrorCode.INTERNAL, 'The server could not store this upload. Try again.');
    }
    const message = String(err.body).trim().slice(0, 200) || 'The upload request was refused.';
    const code =
      status === 404 || status === 410
        ? ErrorCode.UPLOAD_NOT_FOUND
        : status === 409
          ? ErrorCode.ID_CONFLICT
          : status === 413
            ? ErrorCode.FILE_TOO_LARGE
            : status === 401
              ? ErrorCode.UNAUTHENTICATED
              : ErrorCode.BAD_REQUEST;
    return envelope(status, code, message);
  }
}

function envelope(status: number, code: ErrorCode, message: string): { status_code: number; body: string } {
  return { status_code: status, body: JSON.stringify({ ok: false, error: { code, message } }) };
}

/** The Node request and response under tus's web Request (srvx). */
function nodeOf(req: unknown): { req?: IncomingMessage; res?: ServerResponse } | undefined {
  return (req as { runtime?: { node?: { req?: IncomingMessage; res?: ServerResponse } } }).runtime?.node;
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

function requireTus(ctx: Context): void {
  if (ctx.get('Tus-Resumable') !== TUS_VERSION) {
    ctx.set('Tus-Version', TUS_VERSION);
    throw new AppError(
      ErrorCode.BAD_REQUEST,
      `Uploads use the tus protocol: send Tus-Resumable: ${TUS_VERSION}.`,
    );
  }
}
