/**
 * Blobs in PostgreSQL (one bytea row per key), so every node serves every file with nothing else
 * to run or mount. Ranges are read with substring() on the server, so a 206 reads only its part.
 * The next step for large deployments is an object store (S3) behind the same BlobStore.
 */
import { Readable } from 'node:stream';
import type { Pool } from 'pg';
import type { BlobHandle, BlobStore } from '../Store.js';

/** Bytes per query when streaming a range, so a big file never sits whole in memory. */
const READ_PIECE = 1024 * 1024;

export class PostgresBlobStore implements BlobStore {
  constructor(private readonly db: () => Pool) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    await this.db().query('INSERT INTO blobs (key, data) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
      key,
      bytes,
    ]);
  }

  async open(key: string): Promise<BlobHandle | null> {
    const r = await this.db().query<{ size: number }>(
      'SELECT octet_length(data)::int AS size FROM blobs WHERE key = $1',
      [key],
    );
    const size = r.rows[0]?.size;
    if (size === undefined) return null;
    const db = this.db;
    return {
      size,
      read: (start, end) =>
        Readable.from(
          (async function* () {
            for (let from = start; from <= end; from += READ_PIECE) {
              const length = Math.min(READ_PIECE, end - from + 1);
              const piece = await db().query<{ data: Buffer }>(
                'SELECT substring(data FROM $2::int FOR $3::int) AS data FROM blobs WHERE key = $1',
                [key, from + 1, length],
              );
              const data = piece.rows[0]?.data;
              if (!data) return;
              yield data;
            }
          })(),
        ),
    };
  }

  async delete(key: string): Promise<void> {
    await this.db().query('DELETE FROM blobs WHERE key = $1', [key]);
  }
}
