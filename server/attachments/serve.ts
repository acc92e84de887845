/**
 * GET ConversationPath.attachment: an attachment's bytes to members of its conversation. The type
 * is the one detected from the bytes; only the safe image types are shown inline, everything else
 * is a download, and nosniff plus a sandboxing CSP keep a browser from running what it fetched.
 * The ETag is the SHA-256 (the content never changes under an id), so caches keep it for good.
 */
import type { Context } from 'koa';
import { ErrorCode } from '../../contract/errors.js';
import type { User } from '../../contract/events.js';
import type { Membership } from '../domain/membership.js';
import { AppError } from '../errors.js';
import { thumbnailKey, type Store } from '../store/Store.js';

const THUMBNAIL_TYPE = 'image/webp';

const notFound = (): AppError =>
  new AppError(ErrorCode.NOT_FOUND, 'This file does not exist (any more), or is not in this conversation.');

/** RFC 5987 / 6266 filename* value. */
function encodeFilename(name: string): string {
  return encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** One byte range of `size` bytes (end inclusive), null for none/ignored, 'unsatisfiable' for 416. */
export function parseRange(
  header: string,
  size: number,
): { start: number; end: number } | null | 'unsatisfiable' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges or another unit: answer the whole file, which RFC 9110 allows.
  if (!match) return null;
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return 'unsatisfiable';
  let start: number;
  let end: number;
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (!Number.isSafeInteger(start) || start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export async function serveAttachment(
  ctx: Context,
  deps: { store: Store; membership: Membership },
  user: User,
  conversationId: string,
  rawAttachmentId: string | undefined,
): Promise<void> {
  await deps.membership.require(user.id, conversationId);
  const attachmentId = String(rawAttachmentId ?? '').toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(attachmentId)) throw notFound();
  const record = await deps.store.getAttachment(attachmentId);
  // A member sees the files of the conversation's messages, and their own finished uploads for it.
  if (
    !record ||
    record.conversationId !== conversationId ||
    (record.messageId === null && record.uploaderId !== user.id)
  ) {
    throw notFound();
  }
  const thumbnail = ctx.query.thumbnail === '1';
  if (thumbnail && !record.thumbnail) throw notFound();
  const key = thumbnail ? thumbnailKey(record.sha256) : record.sha256;
  const blob = await deps.store.blobs.open(key);
  if (!blob) throw notFound();

  const etag = `"${key}"`;
  ctx.set('ETag', etag);
  ctx.set('Cache-Control', 'private, max-age=31536000, immutable');
  ctx.set('Accept-Ranges', 'bytes');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set(
    'Content-Security-Policy',
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
  );
  ctx.set('Cross-Origin-Resource-Policy', 'same-origin');
  const inline = thumbnail || record.inline;
  ctx.set(
    'Content-Disposition',
    `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeFilename(record.name)}`,
  );
  ctx.type = thumbnail ? THUMBNAIL_TYPE : record.type;
  if (ctx.get('If-None-Match') === etag) {
    ctx.status = 304;
    return;
  }
  const range = parseRange(ctx.get('Range'), blob.size);
  if (range === 'unsatisfiable') {
    ctx.status = 416;
    ctx.set('Content-Range', `bytes */${blob.size}`);
    ctx.body = {
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST, message: 'The requested range is not within the file.' },
    };
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? blob.size - 1;
  ctx.status = range ? 206 : 200;
  if (range) ctx.set('Content-Range', `bytes ${start}-${end}/${blob.size}`);
  // HEAD answers the headers only: no read is opened that nobody would consume.
  if (blob.size === 0) ctx.body = Buffer.alloc(0);
  else if (ctx.method !== 'HEAD') ctx.body = blob.read(start, end);
  ctx.length = blob.size === 0 ? 0 : end - start + 1;
}
