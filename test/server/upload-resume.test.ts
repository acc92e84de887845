/**
 * Resume after a crash: the real server process is SIGKILLed in the middle of an upload (half of
 * the file sent, a PATCH half written), restarted on the same data directory and port, and the
 * client asks where to go on (HEAD → Upload-Offset) and sends the rest. Every byte the client put
 * on the wire is counted: what it had to send twice is at most one chunk (UPLOAD_CHUNK_BYTES), and
 * the stored file is the original.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UPLOAD_CHUNK_BYTES, attachmentPath, messagesPath, uploadPath } from '../../contract/index.js';
import { http, roomWith, signUp } from './support/clients.js';
import { startServerProcess } from './support/process.js';
import { useRestartableServers } from './support/restarts.js';
import { createUpload, patchUpload, uploadOffset } from './support/uploads.js';
import { waitUntil } from '../support/wait.js';

const CHUNKS = 8;
const SIZE = CHUNKS * UPLOAD_CHUNK_BYTES;
/** Two cold starts of the real entry, on a shared 2-core machine. */
const TEST_TIMEOUT_MS = 120_000;

const servers = useRestartableServers();

describe('upload resumed after the server was killed', () => {
  it(
    'goes on from the offset the server kept, sending at most one chunk twice',
    async () => {
      const dataDir = await servers.dataDir('ferry-resume-');
      const first = await startServerProcess({ dataDir });
      const alice = await signUp(first.url);
      const room = await roomWith(first.url, alice);
      const file = randomBytes(SIZE);
      let sentBytes = 0;

      const created = await createUpload(first.url, alice, {
        conversationId: room.id,
        uploadId: randomUUID(),
        filename: 'big.bin',
        length: SIZE,
      });
      expect(created.status).toBe(201);
      const { uploadId } = created;
      // Half the file in whole chunks.
      for (let offset = 0; offset < SIZE / 2; offset += UPLOAD_CHUNK_BYTES) {
        const res = await patchUpload(
          first.url,
          alice,
          uploadId,
          offset,
          file.subarray(offset, offset + UPLOAD_CHUNK_BYTES),
        );
        expect(res.status).toBe(204);
        sentBytes += UPLOAD_CHUNK_BYTES;
      }

      // The next chunk goes out half; once the server has written some of it, the process dies.
      const offset = SIZE / 2;
      const half = file.subarray(offset, offset + UPLOAD_CHUNK_BYTES / 2);
      const patch = httpRequest(first.url + uploadPath(uploadId), {
        method: 'PATCH',
        headers: {
          cookie: alice.cookie,
          origin: first.url,
          'tus-resumable': '1.0.0',
          'upload-offset': String(offset),
          'content-type': 'application/offset+octet-stream',
          'content-length': String(UPLOAD_CHUNK_BYTES),
        },
      });
      const cut = new Promise<void>((resolve) => {
        patch.on('error', () => resolve());
        patch.on('response', (res) => {
          res.resume();
          res.on('close', () => resolve());
        });
      });
      patch.write(half);
      sentBytes += half.length;
      const partial = join(dataDir, 'uploads', uploadId);
      await waitUntil('the server to write part of the chunk', () => statSync(partial).size > offset, {
        timeoutMs: 20_000,
      });
      await first.kill();
      await cut;

      const second = await startServerProcess({ dataDir, port: first.port });
      const resumeAt = await uploadOffset(second.url, alice, uploadId);
      expect(resumeAt).not.toBeNull();
      expect(resumeAt!).toBeGreaterThan(offset);
      expect(resumeAt!).toBeLessThanOrEqual(offset + half.length);
      for (let at = resumeAt!; at < SIZE;) {
        const piece = file.subarray(at, Math.min(SIZE, at + UPLOAD_CHUNK_BYTES));
        const res = await patchUpload(second.url, alice, uploadId, at, piece);
        expect(res.status).toBe(204);
        sentBytes += piece.length;
        at += piece.length;
      }

      const sentTwice = sentBytes - SIZE;
      console.log(`resume: ${sentBytes} bytes sent for ${SIZE}; ${sentTwice} sent twice`);
      expect(sentTwice).toBeGreaterThanOrEqual(0);
      expect(sentTwice).toBeLessThanOrEqual(UPLOAD_CHUNK_BYTES);

      // The upload is complete and the same bytes.
      expect(await uploadOffset(second.url, alice, uploadId)).toBe(SIZE);
      const sent = await http(second.url, messagesPath(room.id), {
        method: 'POST',
        cookie: alice.cookie,
        body: { id: randomUUID(), text: '', attachment: { id: uploadId }, typedAt: Date.now() },
      });
      expect(sent.status).toBe(201);
      const res = await fetch(second.url + attachmentPath(room.id, uploadId), {
        headers: { cookie: alice.cookie },
      });
      const stored = Buffer.from(await res.arrayBuffer());
      expect(stored.length).toBe(SIZE);
      const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
      expect(digest(stored)).toBe(digest(file));
    },
    TEST_TIMEOUT_MS,
  );
});
