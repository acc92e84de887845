/** The store threads' request loop, in a real worker thread: idle work that yields to a request. */
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { tsWorker } from '../../../server/store/sqlite/storeThread.js';
import type { Reply } from '../../../server/store/sqlite/wire.js';
import { waitUntil } from '../../support/wait.js';

describe('serveRequests', () => {
  let worker: Worker | null = null;
  afterEach(async () => {
    await worker?.terminate();
    worker = null;
  });

  it('lets idle work after a run see a request that came meanwhile, and answers it next, in order', async () => {
    worker = tsWorker(new URL('./support/mergedWorker.ts', import.meta.url), null);
    const replies: Reply[] = [];
    worker.on('message', (reply: Reply) => replies.push(reply));
    worker.postMessage({ id: 1, op: 'commit', args: 1 });
    await waitUntil('the first commit answered', () => replies.length === 1);
    // The worker is now in its idle work, which runs 10 s unless it sees a request.
    worker.postMessage({ id: 2, op: 'commit', args: 2 });
    worker.postMessage({ id: 3, op: 'lastIdleWork', args: null });
    await waitUntil('every request answered', () => replies.length === 3, { timeoutMs: 30_000 });
    expect(replies).toEqual([
      { id: 1, ok: true, value: 2 },
      { id: 2, ok: true, value: 4 },
      { id: 3, ok: true, value: 'yielded' },
    ]);
  });
});
