/** The "shared" chunk's modules (web/build/sharedChunk.ts): each still exists, and ids match them. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_SMALL_MODULES, isSharedSmall } from '../../web/build/sharedChunk';

describe('the shared chunk', () => {
  it('names modules that exist (a moved one would silently leave the chunk)', () => {
    for (const m of SHARED_SMALL_MODULES) expect(existsSync(path.resolve(m)), m).toBe(true);
  });

  it('takes their ids with either separator, and no other module', () => {
    for (const m of SHARED_SMALL_MODULES) {
      expect(isSharedSmall(path.resolve(m))).toBe(true);
      expect(isSharedSmall('C:\\repo\\' + m.replaceAll('/', '\\'))).toBe(true);
    }
    for (const other of [
      'outbox/queue.ts',
      'web/outbox/names.tsx',
      'xoutbox/names.ts',
      'net/backoff.test.ts',
    ])
      expect(isSharedSmall(path.resolve(other)), other).toBe(false);
  });
});
