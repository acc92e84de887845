/**
 * Blobs as files under DATA_DIR/blobs, named by key (a SHA-256, or a thumbnail's key). A write goes
 * to a temp file, is fsynced, renamed into place and the folder fsynced: a crash leaves either no
 * file or the whole one, never a torn blob under a hash that promises its content.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobHandle, BlobStore } from '../Store.js';

/** Keys are hex digests with an optional `.suffix`: never a path. */
const KEY = /^[0-9a-f]{64}(\.[a-z]+)?$/;

export class FileBlobStore implements BlobStore {
  readonly #dir: string;
  #ready: Promise<void> | null = null;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Path of a blob's file (tests look at it). */
  pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error('FileBlobStore: invalid blob key');
    return join(this.#dir, key);
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const path = this.pathOf(key);
    this.#ready ??= mkdir(this.#dir, { recursive: true }).then(() => undefined);
    await this.#ready;
    if (await exists(path)) return;
    const temp = join(this.#dir, `.tmp-${randomUUID()}`);
    const file = await open(temp, 'wx');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
    const dir = await open(this.#dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async open(key: string): Promise<BlobHandle | null> {
    const path = this.pathOf(key);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return null;
    }
    return { size, read: (start, end) => createReadStream(path, { start, end }) };
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
