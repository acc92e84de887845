/**
 * Reads a request's JSON body into `ctx.request.body`, refusing instead of guessing: at most
 * `limit` bytes after decompression (413 PAYLOAD_TOO_LARGE); and with 400 BAD_REQUEST anything but
 * JSON in UTF-8 (by Content-Type and charset), bytes that are not valid UTF-8 (a lenient decoder
 * would store U+FFFD in place of what the client sent), gzip/deflate/br data that does not
 * decompress, an unknown Content-Encoding, and text that is not JSON. Every
 * refusal is an AppError, so the API's error boundary answers it in the envelope without logging
 * it as a server failure.
 */
import { pipeline, type Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Middleware } from 'koa';
import { ErrorCode } from '../../../contract/errors.js';
import { AppError } from '../../errors.js';

declare module 'koa' {
  interface Request {
    /** The parsed JSON body (undefined when the request had none); check it with a schema. */
    body?: unknown;
  }
}

/** tus PATCH bodies (and creation-with-upload): not JSON, not read here. */
const UPLOAD_CONTENT_TYPE = 'application/offset+octet-stream';

/** Methods whose body is read; the API's routes take none on GET. */
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const badRequest = (message: string): AppError => new AppError(ErrorCode.BAD_REQUEST, message);
const tooLarge = (limit: number): AppError =>
  new AppError(
    ErrorCode.PAYLOAD_TOO_LARGE,
    `The request body is larger than ${Math.round(limit / 1024)} KB. Send less at once.`,
  );

/** Errors raised by a decompressor (the body's fault), as opposed to the connection's. */
const decoderErrors = new WeakSet<Error>();

/** The decompressing stream for a Content-Encoding, the request itself for identity, else a 400. */
function decoded(stream: Readable, encoding: string): Readable {
  let decompress: Transform;
  switch (encoding) {
    case '':
    case 'identity':
      return stream;
    case 'gzip':
    case 'x-gzip':
      decompress = createGunzip();
      break;
    case 'deflate':
      decompress = createInflate();
      break;
    case 'br':
      decompress = createBrotliDecompress();
      break;
    default:
      throw badRequest(
        `The body's Content-Encoding "${encoding.slice(0, 32)}" is not supported: use gzip, deflate, br or none.`,
      );
  }
  decompress.once('error', (err) => decoderErrors.add(err));
  // pipeline, not pipe: a client that goes away mid-body ends the read with an error, not a hang.
  return pipeline(stream, decompress, () => {});
}

/** Reads at most `limit` bytes of the (decompressed) body. */
async function readLimited(source: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of source) {
      const buffer = chunk as Buffer;
      length += buffer.length;
      if (length > limit) throw tooLarge(limit);
      chunks.push(buffer);
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    // zlib's "incorrect header check", brotli's "Decompression failed", …
    if (err instanceof Error && decoderErrors.has(err)) {
      throw badRequest('The request body is not valid for its Content-Encoding (broken compressed data).');
    }
    // The client went away or broke the transfer: nothing the server did wrong.
    throw badRequest('The request body could not be read completely.');
  }
  return Buffer.concat(chunks, length);
}

/** True when the Content-Type is JSON (application/json or +json) in UTF-8. */
function isJsonUtf8(contentType: string): boolean {
  const [type = '', ...params] = contentType.toLowerCase().split(';');
  const mime = type.trim();
  if (mime !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(mime)) return false;
  const charset = params.map((p) => p.trim()).find((p) => p.startsWith('charset='));
  return charset === undefined || /^charset="?utf-8"?$/.test(charset);
}

/** The body-reading middleware; requests without a body leave `ctx.request.body` undefined. */
export function jsonBody(limit: number): Middleware {
  const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  return async (ctx, next) => {
    const { req } = ctx;
    const hasBody =
      WITH_BODY.has(ctx.method) &&
      (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0);
    // A resumable upload's bytes are the file itself, streamed to the upload store by its route.
    if (!hasBody || ctx.get('Content-Type') === UPLOAD_CONTENT_TYPE) return next();
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
    if (!isJsonUtf8(ctx.get('Content-Type'))) {
      throw new AppError(
        ErrorCode.BAD_REQUEST,
        'Send the body as JSON (Content-Type: application/json) in UTF-8.',
      );
    }
    const encoding = ctx.get('Content-Encoding').trim().toLowerCase();
    const bytes = await readLimited(decoded(req, encoding), limit);
    let text: string;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      throw badRequest('The request body is not valid UTF-8.');
    }
    try {
      ctx.request.body = text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      throw badRequest('The request body is not valid JSON.');
    }
    await next();
  };
}
