/**
 * A small tus 1.0 client over fetch (HEAD, POST, PATCH, DELETE), shared by the hub and the
 * Service Worker. Why not tus-js-client: its default HTTP stack is XMLHttpRequest, which a Service
 * Worker does not have, and the drainer already owns what it adds (retries, ordering, resume
 * state): the upload's URL is derived from the client-made upload id (uploadPath(id)), so a
 * resume after a reload or a crash needs no stored URL, only a HEAD for the server's offset.
 *
 * HEAD first: a file the server already holds whole is never sent again (a crash between the last
 * PATCH and the message's ack, or a second drainer). Each PATCH carries at most UPLOAD_CHUNK_BYTES,
 * so a dropped connection repeats at most one chunk. Before each chunk the entry is read again: a
 * person who pressed "Cancel upload" (the entry is gone) stops the upload, which is then deleted
 * on the server too.
 */
import {
  ErrorCode,
  UPLOAD_CHUNK_BYTES,
  UploadMetadata,
  UploadPath,
  uploadPath,
  type WireError,
} from '../contract/index';
import type { FerryDb, OutboxAttachment, OutboxEntry } from '../localdb/index';
import { getAttachmentBlob, getEntry } from './store';
import { OfflineError } from '../net/index';
import { deleteUpload, encodeMetadata, tusHeaders } from './tus';

/** A request that has not answered by then is treated as offline (the drain holds the Web Lock). */
const REQUEST_TIMEOUT_MS = 30_000;
/**
 * Slowest upload rate a PATCH is given time for (bytes per second): a chunk on a poor link must
 * not time out every time, or the file would never get past it.
 */
const SLOWEST_BYTES_PER_S = 8 * 1024;

export type UploadOutcome =
  /** The server holds the whole file: send the message. */
  | { ok: true }
  /** The entry left the outbox (cancelled, withdrawn) while uploading: skip it. */
  | { ok: false; withdrawn: true }
  /** Refused: permanent or transient, as isPermanentError says of the code. */
  | { ok: false; withdrawn?: false; error: WireError };

export interface UploadOptions {
  fetchFn?: typeof fetch;
  /** Called after each chunk the server confirmed, with the bytes it holds. */
  onProgress?: (uploaded: number) => Promise<void> | void;
}

async function request(
  fetchFn: typeof fetch,
  url: string,
  init: RequestInit,
  bodyBytes = 0,
): Promise<Response> {
  try {
    return await fetchFn(url, {
      credentials: 'same-origin',
      cache: 'no-store',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS + Math.ceil((bodyBytes / SLOWEST_BYTES_PER_S) * 1000)),
      ...init,
    });
  } catch {
    throw new OfflineError();
  }
}

/** The verdict of an upload request that did not succeed. Throws OfflineError when not a verdict. */
async function refusal(response: Response): Promise<WireError> {
  const body: unknown = await response.json().catch(() => null);
  const error = (body as { ok?: unknown; error?: WireError } | null)?.error;
  if (error && typeof error.code === 'string' && typeof error.message === 'string') {
    // Every other entry would get the same answer until the person signs in again.
    if (error.code === ErrorCode.UNAUTHENTICATED) throw new OfflineError(error.message);
    return error;
  }
  switch (response.status) {
    case 401:
      throw new OfflineError('Signed out: sign in again to send files.');
    case 403:
      return { code: ErrorCode.FORBIDDEN, message: 'You cannot send files to this conversation.' };
    case 413:
      return { code: ErrorCode.FILE_TOO_LARGE, message: 'The file is larger than the server accepts.' };
    case 507:
      return { code: ErrorCode.QUOTA_EXCEEDED, message: 'Your storage on the server is full.' };
    case 400:
      return { code: ErrorCode.BAD_REQUEST, message: 'The server refused this file.' };
    case 429:
      return { code: ErrorCode.RATE_LIMITED, message: 'Too many uploads; will try again.' };
    default:
      // A proxy, or a server starting or stopping: not a verdict on the file.
      throw new OfflineError(`The server answered ${response.status}; will try again.`);
  }
}

function offsetOf(response: Response): number | null {
  const raw = response.headers.get('Upload-Offset');
  const offset = raw === null ? NaN : Number(raw);
  return Number.isSafeInteger(offset) && offset >= 0 ? offset : null;
}

/** The server's offset of an upload, or null when it does not know it (not created, expired). */
async function serverOffset(fetchFn: typeof fetch, id: string): Promise<number | null | WireError> {
  const response = await request(fetchFn, uploadPath(id), { method: 'HEAD', headers: tusHeaders() });
  if (response.status === 404 || response.status === 410) return null;
  if (!response.ok) return refusal(response);
  return offsetOf(response) ?? 0;
}

async function create(
  fetchFn: typeof fetch,
  entry: OutboxEntry,
  attachment: OutboxAttachment,
): Promise<WireError | null> {
  const response = await request(fetchFn, UploadPath, {
    method: 'POST',
    headers: tusHeaders({
      'Upload-Length': String(attachment.size),
      'Upload-Metadata': encodeMetadata({
        [UploadMetadata.conversationId]: entry.conversationId,
        [UploadMetadata.uploadId]: attachment.id,
        [UploadMetadata.filename]: attachment.name,
      }),
    }),
  });
  // 409: created meanwhile (another drainer, or a lost answer): resume from its offset.
  if (response.ok || response.status === 409) return null;
  return refusal(response);
}

/**
 * Uploads the file of a message entry until the server holds it whole. Throws OfflineError when
 * the server cannot be reached (the drain stops; the next one resumes at the server's offset).
 */
export async function uploadAttachment(
  db: FerryDb,
  entry: OutboxEntry,
  { fetchFn = fetch, onProgress }: UploadOptions = {},
): Promise<UploadOutcome> {
  const attachment = entry.attachment;
  if (!attachment) return { ok: true };
  const blob = await getAttachmentBlob(db, attachment.id);
  if (!blob) {
    // The entry is still here but its bytes are not: cancelled between two reads, or lost.
    if (!(await getEntry(db, entry.id))) return { ok: false, withdrawn: true };
    return {
      ok: false,
      error: { code: ErrorCode.UPLOAD_NOT_FOUND, message: 'The file is no longer on this device.' },
    };
  }
  let offset = await serverOffset(fetchFn, attachment.id);
  if (offset !== null && typeof offset === 'object') return { ok: false, error: offset };
  if (offset === null) {
    const refused = await create(fetchFn, entry, attachment);
    if (refused) return { ok: false, error: refused };
    // Just created (or created by another drainer: a PATCH at 0 then answers 409 and re-asks).
    offset = 0;
  }
  await onProgress?.(offset);
  while (offset < attachment.size) {
    if (!(await getEntry(db, entry.id))) {
      await deleteUpload(attachment.id, fetchFn);
      return { ok: false, withdrawn: true };
    }
    const end = Math.min(attachment.size, offset + UPLOAD_CHUNK_BYTES);
    const response = await request(
      fetchFn,
      uploadPath(attachment.id),
      {
        method: 'PATCH',
        headers: tusHeaders({
          'Upload-Offset': String(offset),
          'Content-Type': 'application/offset+octet-stream',
        }),
        body: blob.slice(offset, end),
      },
      end - offset,
    );
    if (response.status === 409) {
      // Our offset was stale (a chunk landed but its answer was lost): ask the server again.
      const current = await serverOffset(fetchFn, attachment.id);
      if (current === null)
        return {
          ok: false,
          error: { code: ErrorCode.UPLOAD_NOT_FOUND, message: 'The upload expired; retry.' },
        };
      if (typeof current === 'object') return { ok: false, error: current };
      offset = current;
      continue;
    }
    if (response.status === 404 || response.status === 410) {
      // Expired on the server meanwhile: start it again from the first byte.
      const refused = await create(fetchFn, entry, attachment);
      if (refused) return { ok: false, error: refused };
      offset = 0;
      continue;
    }
    if (!response.ok) return { ok: false, error: await refusal(response) };
    offset = offsetOf(response) ?? end;
    await onProgress?.(offset);
  }
  // Cancelled while the last chunk was on its way: the message must not be sent.
  if (!(await getEntry(db, entry.id))) {
    await deleteUpload(attachment.id, fetchFn);
    return { ok: false, withdrawn: true };
  }
  return { ok: true };
}
