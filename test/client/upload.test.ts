/**
 * The fetch-based tus client (outbox/upload.ts) against an in-memory tus server: HEAD first (a
 * finished file is never sent again, an interrupted one resumes at the server's offset), chunks of
 * UPLOAD_CHUNK_BYTES, creation metadata per UploadMetadata, a cancelled entry stops the upload and
 * deletes it, and refusals carry their codes.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, UPLOAD_CHUNK_BYTES, UploadPath, uploadPath } from '../../contract/index';
import type { FerryDb, OutboxEntry } from '../../localdb/index';
import { encodeMetadata, uploadAttachment } from '../../outbox/index';

const UPLOAD_ID = '6f1c2d9e-8a4b-4c3d-9e2f-0a1b2c3d4e5f';

function entryWith(size: number): OutboxEntry {
  return {
    id: 'e1',
    conversationId: 'c1',
    kind: 'message',
    text: '',
    attachment: { id: UPLOAD_ID, name: 'photo 照片.png', size, type: 'image/png' },
    typedAt: 1,
    senderId: 'u1',
    order: 1000,
    state: 'queued',
    attempts: 0,
    nextAttemptAt: 0,
  };
}

/** Just what uploadAttachment reads: the entry (absent once cancelled) and its file's bytes. */
function fakeDb(entry: OutboxEntry, blob: Blob, present: () => boolean = () => true): FerryDb {
  return {
    get: (store: string, id: string) => {
      if (store === 'outbox') return Promise.resolve(present() && id === entry.id ? entry : undefined);
      if (store === 'attachments') return Promise.resolve(id === UPLOAD_ID ? { id, blob } : undefined);
      return Promise.resolve(undefined);
    },
  } as unknown as FerryDb;
}

interface FakeUpload {
  length: number;
  offset: number;
  metadata: string;
}

/** A tus 1.0 server in memory; `answer` can replace its answer to a request. */
function tusServer(answer?: (method: string, url: string) => Response | undefined) {
  const uploads = new Map<string, FakeUpload>();
  const calls: string[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    const method = init.method ?? 'GET';
    const headers = new Headers(init.headers);
    calls.push(`${method} ${url}${method === 'PATCH' ? ` @${headers.get('Upload-Offset')}` : ''}`);
    expect(headers.get('Tus-Resumable')).toBe('1.0.0');
    const replaced = answer?.(method, url);
    if (replaced) return replaced;
    const id = url.slice(UploadPath.length + 1);
    const upload = uploads.get(id);
    switch (method) {
      case 'HEAD':
        if (!upload) return new Response(null, { status: 404 });
        return new Response(null, {
          status: 200,
          headers: { 'Upload-Offset': String(upload.offset), 'Upload-Length': String(upload.length) },
        });
      case 'POST': {
        const metadata = headers.get('Upload-Metadata') ?? '';
        const named = metadata.split(',').find((pair) => pair.startsWith('uploadId '));
        const uploadId = atob(named!.split(' ')[1]!);
        uploads.set(uploadId, { length: Number(headers.get('Upload-Length')), offset: 0, metadata });
        return new Response(null, { status: 201, headers: { Location: uploadPath(uploadId) } });
      }
      case 'PATCH': {
        if (!upload) return new Response(null, { status: 404 });
        if (Number(headers.get('Upload-Offset')) !== upload.offset)
          return new Response(null, { status: 409 });
        expect(headers.get('Content-Type')).toBe('application/offset+octet-stream');
        const size = (init.body as Blob).size;
        expect(size).toBeLessThanOrEqual(UPLOAD_CHUNK_BYTES);
        upload.offset += size;
        return new Response(null, { status: 204, headers: { 'Upload-Offset': String(upload.offset) } });
      }
      case 'DELETE':
        uploads.delete(id);
        return new Response(null, { status: 204 });
    }
    return new Response(null, { status: 405 });
  }) as typeof fetch;
  return { uploads, calls, fetchFn };
}

describe('tus upload over fetch', () => {
  it('creates the upload named by the client id with its metadata, then sends chunks in order', async () => {
    const size = 2 * UPLOAD_CHUNK_BYTES + 10;
    const entry = entryWith(size);
    const server = tusServer();
    const progress: number[] = [];
    const outcome = await uploadAttachment(fakeDb(entry, new Blob([new Uint8Array(size)])), entry, {
      fetchFn: server.fetchFn,
      onProgress: (n) => void progress.push(n),
    });
    expect(outcome).toEqual({ ok: true });
    expect(server.calls).toEqual([
      `HEAD ${uploadPath(UPLOAD_ID)}`,
      `POST ${UploadPath}`,
      `PATCH ${uploadPath(UPLOAD_ID)} @0`,
      `PATCH ${uploadPath(UPLOAD_ID)} @${UPLOAD_CHUNK_BYTES}`,
      `PATCH ${uploadPath(UPLOAD_ID)} @${2 * UPLOAD_CHUNK_BYTES}`,
    ]);
    expect(server.uploads.get(UPLOAD_ID)).toMatchObject({
      length: size,
      offset: size,
      metadata: encodeMetadata({ conversationId: 'c1', uploadId: UPLOAD_ID, filename: 'photo 照片.png' }),
    });
    expect(progress).toEqual([0, UPLOAD_CHUNK_BYTES, 2 * UPLOAD_CHUNK_BYTES, size]);
  });

  it('resumes at the server offset, and never sends a finished file again', async () => {
    const size = 2 * UPLOAD_CHUNK_BYTES;
    const entry = entryWith(size);
    const server = tusServer();
    server.uploads.set(UPLOAD_ID, { length: size, offset: UPLOAD_CHUNK_BYTES, metadata: '' });
    const db = fakeDb(entry, new Blob([new Uint8Array(size)]));
    expect(await uploadAttachment(db, entry, { fetchFn: server.fetchFn })).toEqual({ ok: true });
    expect(server.calls).toEqual([
      `HEAD ${uploadPath(UPLOAD_ID)}`,
      `PATCH ${uploadPath(UPLOAD_ID)} @${UPLOAD_CHUNK_BYTES}`,
    ]);
    server.calls.length = 0;
    expect(await uploadAttachment(db, entry, { fetchFn: server.fetchFn })).toEqual({ ok: true });
    expect(server.calls).toEqual([`HEAD ${uploadPath(UPLOAD_ID)}`]);
  });

  it('stops and deletes the upload once the entry was cancelled', async () => {
    const size = 3 * UPLOAD_CHUNK_BYTES;
    const entry = entryWith(size);
    let patches = 0;
    const server = tusServer((method) => {
      if (method === 'PATCH') patches++;
      return undefined;
    });
    const db = fakeDb(entry, new Blob([new Uint8Array(size)]), () => patches < 1);
    expect(await uploadAttachment(db, entry, { fetchFn: server.fetchFn })).toEqual({
      ok: false,
      withdrawn: true,
    });
    expect(server.calls.filter((c) => c.startsWith('PATCH'))).toHaveLength(1);
    expect(server.calls.at(-1)).toBe(`DELETE ${uploadPath(UPLOAD_ID)}`);
    expect(server.uploads.has(UPLOAD_ID)).toBe(false);
  });

  it('reports refusals with their codes, and an unreachable server as offline', async () => {
    const entry = entryWith(10);
    const db = fakeDb(entry, new Blob([new Uint8Array(10)]));
    const tooLarge = tusServer((method) =>
      method === 'POST' ? new Response(null, { status: 413 }) : undefined,
    );
    expect(await uploadAttachment(db, entry, { fetchFn: tooLarge.fetchFn })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.FILE_TOO_LARGE },
    });
    const quota = tusServer((method) =>
      method === 'POST'
        ? Response.json(
            { ok: false, error: { code: ErrorCode.QUOTA_EXCEEDED, message: 'Storage quota reached.' } },
            { status: 507 },
          )
        : undefined,
    );
    expect(await uploadAttachment(db, entry, { fetchFn: quota.fetchFn })).toEqual({
      ok: false,
      error: { code: ErrorCode.QUOTA_EXCEEDED, message: 'Storage quota reached.' },
    });
    const offline = (() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch;
    await expect(uploadAttachment(db, entry, { fetchFn: offline })).rejects.toMatchObject({
      name: 'OfflineError',
    });
  });
});
