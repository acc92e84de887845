/**
 * The client side of tus 1.0 in raw HTTP, so tests control every request (where a crash falls,
 * what a resume sends); tus-js-client is used by the round-trip test to prove a stock client works.
 */
import { randomUUID } from 'node:crypto';
import { UploadMetadata, UploadPath, uploadPath } from '../../../contract/http.js';
import { UPLOAD_CHUNK_BYTES } from '../../../contract/limits.js';
import { http, type HttpResult, type TestUser } from './clients.js';

const TUS = { 'tus-resumable': '1.0.0' };
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

export interface Creation {
  conversationId: string;
  uploadId?: string;
  filename?: string;
  length: number;
}

/** POST: creates the upload; returns the answer and the id used. */
export async function createUpload(
  baseUrl: string,
  user: TestUser,
  creation: Creation,
): Promise<HttpResult & { uploadId: string }> {
  const uploadId = creation.uploadId ?? randomUUID();
  const metadata = [
    `${UploadMetadata.conversationId} ${b64(creation.conversationId)}`,
    `${UploadMetadata.uploadId} ${b64(uploadId)}`,
    `${UploadMetadata.filename} ${b64(creation.filename ?? 'file.bin')}`,
  ].join(',');
  const res = await http(baseUrl, UploadPath, {
    method: 'POST',
    cookie: user.cookie,
    headers: { ...TUS, 'upload-length': String(creation.length), 'upload-metadata': metadata },
  });
  return { ...res, uploadId };
}

/** HEAD: the server's offset of the upload (null when it answers otherwise than 200). */
export async function uploadOffset(
  baseUrl: string,
  user: TestUser,
  uploadId: string,
): Promise<number | null> {
  const res = await http(baseUrl, uploadPath(uploadId), {
    method: 'HEAD',
    cookie: user.cookie,
    headers: TUS,
  });
  return res.status === 200 ? Number(res.headers.get('upload-offset')) : null;
}

/** PATCH: sends `bytes` at `offset`. */
export function patchUpload(
  baseUrl: string,
  user: TestUser,
  uploadId: string,
  offset: number,
  bytes: Uint8Array,
): Promise<HttpResult> {
  return http(baseUrl, uploadPath(uploadId), {
    method: 'PATCH',
    cookie: user.cookie,
    rawBody: new Uint8Array(bytes),
    headers: { ...TUS, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
  });
}

/** Creates and sends a whole file in UPLOAD_CHUNK_BYTES pieces; returns the upload id. */
export async function uploadFile(
  baseUrl: string,
  user: TestUser,
  conversationId: string,
  bytes: Uint8Array,
  filename = 'file.bin',
): Promise<string> {
  const created = await createUpload(baseUrl, user, { conversationId, filename, length: bytes.length });
  if (created.status !== 201) throw new Error(`upload creation failed: ${created.status} ${created.text}`);
  for (let offset = 0; offset < bytes.length; offset += UPLOAD_CHUNK_BYTES) {
    const res = await patchUpload(
      baseUrl,
      user,
      created.uploadId,
      offset,
      bytes.subarray(offset, offset + UPLOAD_CHUNK_BYTES),
    );
    if (res.status !== 204) throw new Error(`upload PATCH failed: ${res.status} ${res.text}`);
  }
  return created.uploadId;
}
