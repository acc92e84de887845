/**
 * The noisy neighbour: a process that writes blocks to a file and fdatasyncs after each one, in a
 * loop, on the filesystem Ferry's SQLite file lives on, as another tenant of a shared host would.
 * It times every fdatasync, so the bench can compare Ferry's latency with what the disk did in the
 * same run. The parent drives it over IPC (bench/load/noise.ts).
 * With a small block and alone on the disk it is the bench's fdatasync probe: what one durable
 * commit costs on this filesystem at the least.
 * Usage: node --import tsx bench/load/diskNoise.ts <file> [block bytes]
 */
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Histogram, type HistogramData } from '../lib/histogram.js';
import { serveRpc } from '../lib/rpc.js';

/** Each write: a block this size (default 256 KiB), then fdatasync. */
const BLOCK_BYTES = Number(process.argv[3] ?? 256 * 1024);
/** The file is rewritten in a ring of this size, so the noise does not fill the disk. */
const FILE_BYTES = 64 * 1024 * 1024;

/** fdatasync times since the previous `take`, and the loop's totals. */
export interface NoiseStats {
  fdatasync: HistogramData;
  writes: number;
  bytes: number;
}

const file = process.argv[2];
if (!file || !(BLOCK_BYTES > 0)) {
  console.error('usage: diskNoise.ts <file> [block bytes]');
  process.exit(2);
}
const fd = openSync(file, 'w');
const block = randomBytes(BLOCK_BYTES);
let syncs = new Histogram();
let writes = 0;
let offset = 0;
let running = true;

async function loop(): Promise<void> {
  while (running) {
    writeSync(fd, block, 0, BLOCK_BYTES, offset);
    const t0 = performance.now();
    fdatasyncSync(fd);
    syncs.record(performance.now() - t0);
    writes++;
    offset = (offset + BLOCK_BYTES) % FILE_BYTES;
    // Let IPC requests in between rounds (each round takes at least one fdatasync).
    await new Promise((resolve) => setImmediate(resolve));
  }
  closeSync(fd);
  rmSync(file, { force: true });
}

const done = loop();
serveRpc({
  take: (): NoiseStats => {
    const taken = syncs;
    syncs = new Histogram();
    return { fdatasync: taken.toJSON(), writes, bytes: writes * BLOCK_BYTES };
  },
  stop: async () => {
    running = false;
    await done;
    setImmediate(() => process.exit(0));
    return null;
  },
});
