/**
 * The parts of the tus client (upload.ts) the page needs on its own, so that the page's bundle
 * leaves the upload code out: the protocol's headers, the metadata encoding, and the cancel.
 */
import { uploadPath } from '../contract/index';

const TUS_VERSION = '1.0.0';

/** The headers every tus request carries. */
export function tusHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { 'Tus-Resumable': TUS_VERSION, ...extra };
}

/** Upload-Metadata: comma-separated `key base64(value)` pairs (values as UTF-8). */
export function encodeMetadata(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([key, value]) => {
      const bytes = new TextEncoder().encode(value);
      let binary = '';
      for (const b of bytes) binary += String.fromCharCode(b);
      return `${key} ${btoa(binary)}`;
    })
    .join(',');
}

/** Deletes an upload on the server (cancelled). Best effort: an unfinished one also expires. */
export async function deleteUpload(id: string, fetchFn: typeof fetch = fetch): Promise<void> {
  await fetchFn(uploadPath(id), {
    method: 'DELETE',
    headers: tusHeaders(),
    credentials: 'same-origin',
    cache: 'no-store',
  }).catch(() => undefined);
}
