/**
 * Attachments on two nodes sharing PostgreSQL: a file uploaded through node A is stored in the
 * database (no shared disk), so node B serves it, its ranges and its thumbnail, and a delete made
 * through node B removes the blob rows for both.
 */
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentPath, messagesPath, type Ack, type Message } from '../../contract/index.js';
import { http, roomAcross, signUp } from '../server/support/clients.js';
import { uploadFile } from '../server/support/uploads.js';
import { startCluster, type Cluster } from './support/cluster.js';
import { adminQuery } from './support/postgres.js';

describe('attachments across two nodes on PostgreSQL', () => {
  let cluster: Cluster;
  let A: string;
  let B: string;
  let schema: string;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2 });
    [A, B] = cluster.nodes.map((n) => n.url) as [string, string];
    schema = /search_path=(\w+)/.exec(decodeURIComponent(cluster.databaseUrl))![1]!;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const blobRows = async (): Promise<number> =>
    Number((await adminQuery(`SELECT count(*)::int AS n FROM "${schema}".blobs`)).rows[0].n);

  it('serves through node B a file uploaded through node A, and deletes it through B', async () => {
    const alice = await signUp(A);
    const bob = await signUp(B);
    const room = await roomAcross(A, alice, [[B, bob]], 'files across nodes');
    const picture = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#aa2200' } })
      .png()
      .toBuffer();

    const uploadId = await uploadFile(A, alice, room.id, picture, 'red.png');
    const messageId = randomUUID();
    const sent = await http<Ack<{ message: Message }>>(A, messagesPath(room.id), {
      method: 'POST',
      cookie: alice.cookie,
      body: { id: messageId, text: 'from A', attachment: { id: uploadId }, typedAt: Date.now() },
    });
    expect(sent.status).toBe(201);
    expect(await blobRows()).toBe(2); // the picture and its thumbnail

    // Bob, on node B, catches up and fetches it there.
    const page = await http<Ack<{ messages: Message[] }>>(B, `${messagesPath(room.id)}?after=0`, {
      cookie: bob.cookie,
    });
    expect(page.body.ok && page.body.messages.find((m) => m.id === messageId)?.attachment).toMatchObject({
      id: uploadId,
      type: 'image/png',
      inline: true,
      width: 640,
      height: 480,
    });
    const whole = await fetch(B + attachmentPath(room.id, uploadId), { headers: { cookie: bob.cookie } });
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(picture)).toBe(true);
    const part = await fetch(B + attachmentPath(room.id, uploadId), {
      headers: { cookie: bob.cookie, range: 'bytes=10-19' },
    });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(picture.subarray(10, 20))).toBe(true);
    const thumb = await fetch(B + attachmentPath(room.id, uploadId, true), {
      headers: { cookie: bob.cookie },
    });
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');

    // Alice deletes the message through node B: the file goes for everyone.
    const deleted = await http(B, messagesPath(room.id), {
      method: 'POST',
      cookie: alice.cookie,
      body: { id: randomUUID(), kind: 'delete', targetId: messageId, typedAt: Date.now() },
    });
    expect(deleted.status).toBe(201);
    expect(await blobRows()).toBe(0);
    expect((await http(A, attachmentPath(room.id, uploadId), { cookie: bob.cookie })).status).toBe(404);
  });
});
