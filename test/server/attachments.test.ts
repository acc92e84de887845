/**
 * Attachments over real HTTP and sockets on a real SQLite store: tus upload (tus-js-client and raw
 * HTTP), send with the message, live relay and catch-up carrying the Attachment, members-only
 * download with ranges and safe headers, type from the bytes, GPS stripped from photos,
 * deduplicated blobs freed with their last message, size limit and quota before any byte,
 * expired uploads swept, and the send rule (finished, same sender, same conversation).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import * as tus from 'tus-js-client';
import { describe, expect, it } from 'vitest';
import {
  ATTACHMENT_MAX_MB_DEFAULT,
  ErrorCode,
  HttpPath,
  THUMBNAIL_MAX_PX,
  UPLOAD_CHUNK_BYTES,
  UploadPath,
  attachmentPath,
  messagesPath,
  uploadPath,
  type Ack,
  type Message,
  ClientEvent,
  ServerEvent,
  type ServerLimits,
} from '../../contract/index.js';
import type { SqliteStore } from '../../server/store/sqlite/SqliteStore.js';
import { startTestServer, useTestServer, type TestServer } from './support/app.js';
import { http, nextEvent, request, roomWith, signUp, twoInARoom, type TestUser } from './support/clients.js';
import { createUpload, patchUpload, uploadFile, uploadOffset } from './support/uploads.js';
import { waitUntil } from '../support/wait.js';

const srv = useTestServer();

const blobPath = (server: TestServer, key: string): string => (server.store as SqliteStore).blobs.pathOf(key);
const blobFiles = async (server: TestServer): Promise<string[]> =>
  (await readdir(join(server.dataDir, 'blobs')).catch(() => [])).filter((f) => !f.startsWith('.'));

async function png(width: number, height: number, color = '#3366ff'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } })
    .png()
    .toBuffer();
}

/** Sends a message over HTTP; returns the answer. */
function sendHttp(server: TestServer, user: TestUser, conversationId: string, body: object) {
  return http<Ack<{ message: Message }>>(server.url, messagesPath(conversationId), {
    method: 'POST',
    cookie: user.cookie,
    body: { id: randomUUID(), typedAt: Date.now(), ...('kind' in body ? {} : { text: '' }), ...body },
  });
}

async function getBytes(
  server: TestServer,
  user: TestUser,
  path: string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(server.url + path, { headers: { cookie: user.cookie, ...headers } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('upload, send and fetch', () => {
  it('uploads with tus-js-client, relays the message with its attachment over the socket, serves the file', async () => {
    const { alice, room, a, b } = await twoInARoom(srv.url);
    const picture = await png(800, 400);
    const uploadId = randomUUID();
    await new Promise<void>((resolve, reject) => {
      const upload = new tus.Upload(picture, {
        endpoint: srv.url + UploadPath,
        chunkSize: UPLOAD_CHUNK_BYTES,
        headers: { cookie: alice.cookie, origin: srv.url },
        metadata: { conversationId: room.id, uploadId, filename: 'blue.png' },
        retryDelays: [],
        onError: reject,
        onSuccess: () => resolve(),
      });
      upload.start();
    });

    const live = nextEvent(b, ServerEvent.message, (m) => m.attachment?.id === uploadId);
    const ack = await request(a, ClientEvent.send, {
      id: randomUUID(),
      conversationId: room.id,
      text: 'look',
      attachment: { id: uploadId },
      typedAt: Date.now(),
    });
    if (!ack.ok) throw new Error(ack.error.message);
    const expected = {
      id: uploadId,
      name: 'blue.png',
      size: picture.length,
      type: 'image/png',
      inline: true,
      width: 800,
      height: 400,
    };
    expect(ack.message.attachment).toEqual(expected);
    expect((await live).attachment).toEqual(expected);

    // Catch-up carries it too.
    const page = await http<Ack<{ messages: Message[] }>>(srv.url, `${messagesPath(room.id)}?after=0`, {
      cookie: alice.cookie,
    });
    expect(page.body.ok && page.body.messages.at(-1)?.attachment).toEqual(expected);

    const got = await getBytes(srv, alice, attachmentPath(room.id, uploadId));
    expect(got.status).toBe(200);
    expect(got.bytes.equals(picture)).toBe(true);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(got.headers.get('content-disposition')).toMatch(/^inline; filename\*=UTF-8''blue\.png$/);
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(got.headers.get('content-security-policy')).toMatch(/sandbox/);
    expect(got.headers.get('cache-control')).toMatch(/private.*immutable/);
    expect(got.headers.get('accept-ranges')).toBe('bytes');
    const etag = got.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(
      (await getBytes(srv, alice, attachmentPath(room.id, uploadId), { 'if-none-match': etag })).status,
    ).toBe(304);

    const thumb = await getBytes(srv, alice, attachmentPath(room.id, uploadId, true));
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(thumb.bytes).metadata();
    expect(Math.max(meta.width, meta.height)).toBe(THUMBNAIL_MAX_PX);
  });

  it('sends over HTTP, is idempotent, and stores the same bytes once', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const bytes = Buffer.from(`same bytes ${randomUUID()}`.repeat(100));
    const before = (await blobFiles(srv)).length;
    const first = await uploadFile(srv.url, alice, room.id, bytes, 'one.txt');
    const second = await uploadFile(srv.url, alice, room.id, bytes, 'two.txt');
    expect((await blobFiles(srv)).length).toBe(before + 1);
    const [r1, r2] = [await srv.store.getAttachment(first), await srv.store.getAttachment(second)];
    expect(r1!.sha256).toBe(r2!.sha256);

    const id = randomUUID();
    const body = { id, text: 'caption', attachment: { id: first } };
    const sent = await sendHttp(srv, alice, room.id, body);
    expect(sent.status).toBe(201);
    const again = await sendHttp(srv, alice, room.id, body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      ok: true,
      duplicate: true,
      message: { id, attachment: { id: first } },
    });
    // The same id with another attachment is another message.
    const other = await sendHttp(srv, alice, room.id, { ...body, attachment: { id: second } });
    expect(other.body).toMatchObject({ ok: false, error: { code: ErrorCode.ID_CONFLICT } });
  });

  it('refuses the file to a non-member with FORBIDDEN', async () => {
    const alice = await signUp(srv.url);
    const mallory = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const uploadId = await uploadFile(srv.url, alice, room.id, Buffer.from('secret'), 's.txt');
    expect((await sendHttp(srv, alice, room.id, { attachment: { id: uploadId } })).status).toBe(201);
    const res = await http(srv.url, attachmentPath(room.id, uploadId), { cookie: mallory.cookie });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ ok: false, error: { code: ErrorCode.FORBIDDEN } });
    // A member of another conversation cannot reach it through their own room either.
    const elsewhere = await roomWith(srv.url, mallory);
    const other = await http(srv.url, attachmentPath(elsewhere.id, uploadId), { cookie: mallory.cookie });
    expect(other.status).toBe(404);
    // Nor an unsent upload of another member.
    const bob = await signUp(srv.url);
    const shared = await roomWith(srv.url, alice, bob);
    const unsent = await uploadFile(srv.url, alice, shared.id, Buffer.from('draft'), 'd.txt');
    expect((await http(srv.url, attachmentPath(shared.id, unsent), { cookie: bob.cookie })).status).toBe(404);
    expect((await http(srv.url, attachmentPath(shared.id, unsent), { cookie: alice.cookie })).status).toBe(
      200,
    );
  });
});

describe('what is stored and served', () => {
  it('strips GPS location from a photo and reports its displayed size', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const photo = await sharp({ create: { width: 60, height: 30, channels: 3, background: '#884400' } })
      .withExif({ IFD0: { Make: 'Ferry' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } })
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const GPS_IFD_TAG = Buffer.from([0x25, 0x88]);
    expect((await sharp(photo).metadata()).exif?.includes(GPS_IFD_TAG)).toBe(true);

    const uploadId = await uploadFile(srv.url, alice, room.id, photo, 'photo.jpg');
    const record = (await srv.store.getAttachment(uploadId))!;
    expect(record).toMatchObject({ type: 'image/jpeg', inline: true, width: 30, height: 60 });
    const stored = await getBytes(srv, alice, attachmentPath(room.id, uploadId));
    expect(stored.status).toBe(200);
    expect((await sharp(stored.bytes).metadata()).exif).toBeUndefined();
    expect(stored.bytes.includes(GPS_IFD_TAG)).toBe(false);
    expect(stored.headers.get('etag')).toBe(`"${record.sha256}"`);
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(stored.bytes).digest('hex')).toBe(record.sha256);
  });

  it('serves an HTML file named .png as a download, never as an image', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const html = Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>');
    const uploadId = await uploadFile(srv.url, alice, room.id, html, 'cat.png');
    const sent = await sendHttp(srv, alice, room.id, { attachment: { id: uploadId } });
    expect(sent.body).toMatchObject({ ok: true, message: { attachment: { inline: false, width: null } } });
    const got = await getBytes(srv, alice, attachmentPath(room.id, uploadId));
    expect(got.headers.get('content-type')).not.toMatch(/^image\//);
    expect(got.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''cat.png`);
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(
      (await http(srv.url, attachmentPath(room.id, uploadId, true), { cookie: alice.cookie })).status,
    ).toBe(404);
  });

  it('takes an empty file, served as an empty download', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const created = await createUpload(srv.url, alice, {
      conversationId: room.id,
      length: 0,
      filename: 'empty',
    });
    expect(created.status).toBe(201);
    await waitUntil('condition', async () => (await srv.store.getAttachment(created.uploadId)) !== null);
    const sent = await sendHttp(srv, alice, room.id, { attachment: { id: created.uploadId } });
    expect(sent.body).toMatchObject({
      ok: true,
      message: { attachment: { size: 0, type: 'application/octet-stream', inline: false } },
    });
    const got = await getBytes(srv, alice, attachmentPath(room.id, created.uploadId));
    expect(got.status).toBe(200);
    expect(got.bytes.length).toBe(0);
  });

  it('answers Range requests with 206 and the right bytes, and 416 outside the file', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    const uploadId = await uploadFile(srv.url, alice, room.id, bytes, 'r.bin');
    const path = attachmentPath(room.id, uploadId);
    const part = await getBytes(srv, alice, path, { range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/5000');
    expect(part.bytes.equals(bytes.subarray(100, 200))).toBe(true);
    const tail = await getBytes(srv, alice, path, { range: 'bytes=-10' });
    expect(tail.status).toBe(206);
    expect(tail.bytes.equals(bytes.subarray(4990))).toBe(true);
    const open = await getBytes(srv, alice, path, { range: 'bytes=4000-' });
    expect(open.bytes.equals(bytes.subarray(4000))).toBe(true);
    const outside = await getBytes(srv, alice, path, { range: 'bytes=6000-7000' });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe('bytes */5000');
  });
});

describe('the send rule', () => {
  it('refuses a message with an unfinished upload, another user’s upload, or another conversation’s', async () => {
    const { alice, bob, room } = await twoInARoom(srv.url);
    const unfinished = await createUpload(srv.url, alice, { conversationId: room.id, length: 100 });
    expect(unfinished.status).toBe(201);
    expect(unfinished.headers.get('location')).toBe(uploadPath(unfinished.uploadId));
    // Only Ferry's CORS answers for other origins: tus adds no wildcard.
    expect(unfinished.headers.get('access-control-allow-origin')).toBeNull();
    const refused = await sendHttp(srv, alice, room.id, { attachment: { id: unfinished.uploadId } });
    expect(refused.status).toBe(404);
    expect(refused.body).toMatchObject({ ok: false, error: { code: ErrorCode.UPLOAD_NOT_FOUND } });

    const bobs = await uploadFile(srv.url, bob, room.id, Buffer.from('bob file'), 'b.txt');
    const notMine = await sendHttp(srv, alice, room.id, { attachment: { id: bobs } });
    expect(notMine.body).toMatchObject({ ok: false, error: { code: ErrorCode.UPLOAD_NOT_FOUND } });

    const otherRoom = await roomWith(srv.url, alice);
    const mine = await uploadFile(srv.url, alice, room.id, Buffer.from('alice file'), 'a.txt');
    const wrongRoom = await sendHttp(srv, alice, otherRoom.id, { attachment: { id: mine } });
    expect(wrongRoom.body).toMatchObject({ ok: false, error: { code: ErrorCode.UPLOAD_NOT_FOUND } });

    // Nor can another user take over an upload id, or touch someone's upload.
    const taken = await createUpload(srv.url, bob, {
      conversationId: room.id,
      uploadId: unfinished.uploadId,
      length: 5,
    });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ ok: false, error: { code: ErrorCode.ID_CONFLICT } });
    expect(await uploadOffset(srv.url, bob, unfinished.uploadId)).toBeNull();
    const hijack = await patchUpload(srv.url, bob, unfinished.uploadId, 0, new Uint8Array(10));
    expect(hijack.body).toMatchObject({ ok: false, error: { code: ErrorCode.UPLOAD_NOT_FOUND } });
    expect(await uploadOffset(srv.url, alice, unfinished.uploadId)).toBe(0);
  });

  it('deletes the blob with the last message that refers to it, not before', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const picture = await png(50, 50, '#00aa00');
    const first = await uploadFile(srv.url, alice, room.id, picture, 'g1.png');
    const second = await uploadFile(srv.url, alice, room.id, picture, 'g2.png');
    const m1 = await sendHttp(srv, alice, room.id, { attachment: { id: first } });
    const m2 = await sendHttp(srv, alice, room.id, { attachment: { id: second } });
    const { sha256 } = (await srv.store.getAttachment(first))!;
    const file = blobPath(srv, sha256);
    const thumb = blobPath(srv, `${sha256}.thumb`);
    expect(existsSync(file) && existsSync(thumb)).toBe(true);

    const del = (target: typeof m1) =>
      sendHttp(srv, alice, room.id, {
        kind: 'delete',
        targetId: (target.body as { message: Message }).message.id,
      });
    const d1 = await del(m1);
    expect(d1.status).toBe(201);
    expect(existsSync(file)).toBe(true);
    const after = await http<Ack<{ messages: Message[] }>>(srv.url, `${messagesPath(room.id)}?after=0`, {
      cookie: alice.cookie,
    });
    const deleted = after.body.ok
      ? after.body.messages.find((m) => m.attachment === null && m.deleted)
      : undefined;
    expect(deleted?.id).toBe((m1.body as { message: Message }).message.id);
    expect((await http(srv.url, attachmentPath(room.id, first), { cookie: alice.cookie })).status).toBe(404);
    expect((await http(srv.url, attachmentPath(room.id, second), { cookie: alice.cookie })).status).toBe(200);

    await del(m2);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(thumb)).toBe(false);
  });
});

describe('limits', () => {
  it('tells any client the configured attachment limit, so files over it are never queued', async () => {
    const asked = await http<Ack<{ limits: ServerLimits }>>(srv.url, HttpPath.limits);
    expect(asked.status).toBe(200);
    expect(asked.body).toEqual({
      ok: true,
      limits: { attachmentMaxBytes: ATTACHMENT_MAX_MB_DEFAULT * 1024 * 1024 },
    });
    const small = await startTestServer({ env: { ATTACHMENT_MAX_MB: '1.5' } });
    try {
      const answer = await http<Ack<{ limits: ServerLimits }>>(small.url, HttpPath.limits);
      expect(answer.body).toEqual({ ok: true, limits: { attachmentMaxBytes: 1.5 * 1024 * 1024 } });
    } finally {
      await small.close();
    }
  });

  it('refuses a file over ATTACHMENT_MAX_MB with 413 FILE_TOO_LARGE before any byte is stored', async () => {
    const alice = await signUp(srv.url);
    const room = await roomWith(srv.url, alice);
    const res = await createUpload(srv.url, alice, { conversationId: room.id, length: 25 * 1024 * 1024 + 1 });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ ok: false, error: { code: ErrorCode.FILE_TOO_LARGE } });
    expect((res.body as { error: { message: string } }).error.message).toMatch(/at most 25 MB/);
    expect(existsSync(join(srv.dataDir, 'uploads', res.uploadId))).toBe(false);
    expect(await uploadOffset(srv.url, alice, res.uploadId)).toBeNull();
  });

  it('refuses past the quota with QUOTA_EXCEEDED, and sweeps expired uploads', async () => {
    const small = await startTestServer({ env: { STORAGE_QUOTA_MB: '0.01', UPLOAD_EXPIRY_HOURS: '0.0005' } });
    try {
      const alice = await signUp(small.url);
      const room = await roomWith(small.url, alice);
      await uploadFile(small.url, alice, room.id, Buffer.alloc(8000, 1), 'a.bin');
      const over = await createUpload(small.url, alice, { conversationId: room.id, length: 3000 });
      expect(over.status).toBe(507);
      expect(over.body).toMatchObject({ ok: false, error: { code: ErrorCode.QUOTA_EXCEEDED } });
      expect((over.body as { error: { message: string } }).error.message).toMatch(/storage/);

      // Uploads under way count too.
      const pending = await createUpload(small.url, alice, { conversationId: room.id, length: 1500 });
      expect(pending.status).toBe(201);
      const second = await createUpload(small.url, alice, { conversationId: room.id, length: 1500 });
      expect(second.body).toMatchObject({ ok: false, error: { code: ErrorCode.QUOTA_EXCEEDED } });
      const cancel = await http(small.url, uploadPath(pending.uploadId), {
        method: 'DELETE',
        cookie: alice.cookie,
        headers: { 'tus-resumable': '1.0.0' },
      });
      expect(cancel.status).toBe(204);
      expect(await uploadOffset(small.url, alice, pending.uploadId)).toBeNull();

      const half = await createUpload(small.url, alice, { conversationId: room.id, length: 1000 });
      expect(half.status).toBe(201);
      expect((await patchUpload(small.url, alice, half.uploadId, 0, new Uint8Array(500))).status).toBe(204);
      expect(await uploadOffset(small.url, alice, half.uploadId)).toBe(500);
      const file = join(small.dataDir, 'uploads', half.uploadId);
      expect(existsSync(file)).toBe(true);
      // The periodic sweep removes it once it is older than UPLOAD_EXPIRY_HOURS (1.8 s here).
      await waitUntil('the expired upload to be swept', () => !existsSync(file), { timeoutMs: 15_000 });
      expect(await uploadOffset(small.url, alice, half.uploadId)).toBeNull();
      const late = await sendHttp(small, alice, room.id, { attachment: { id: half.uploadId } });
      expect(late.body).toMatchObject({ ok: false, error: { code: ErrorCode.UPLOAD_NOT_FOUND } });
    } finally {
      await small.close();
    }
  });
});
