/**
 * What a durable relay cannot avoid, measured in the same run as the relay: one fdatasync on the
 * store's filesystem (one node, SQLite), one PostgreSQL commit and one Redis round trip (two
 * nodes). Each probe runs alone for a few seconds, one operation after another.
 */
import { startDiskNoise } from '../load/noise.js';
import { Histogram, summarize, type LatencySummary } from './histogram.js';
import { sleep } from './processes.js';

/** The fdatasync probe's write: one small page, as a commit of one short message is. */
const PROBE_BLOCK_BYTES = 4096;

/** fdatasync latency of 4 KiB writes in `dir`, from the disk-noise process used as a probe. */
export async function probeFdatasync(dir: string, logDir: string, ms: number): Promise<LatencySummary> {
  const probe = startDiskNoise({ dir, logDir, blockBytes: PROBE_BLOCK_BYTES });
  try {
    await probe.take(); // answers once the loop runs: the window starts here
    await sleep(ms);
    return summarize(Histogram.from((await probe.take()).fdatasync));
  } finally {
    await probe.stop();
  }
}

/** `BEGIN; INSERT a small row; COMMIT` with synchronous_commit on, timed whole, for `ms`. */
export async function probePostgresCommit(databaseUrl: string, ms: number): Promise<LatencySummary> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  const h = new Histogram();
  try {
    await client.query('SET synchronous_commit = on');
    await client.query('CREATE TABLE IF NOT EXISTS bench_commit_probe (id bigserial PRIMARY KEY, body text)');
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const t0 = performance.now();
      await client.query('BEGIN');
      await client.query('INSERT INTO bench_commit_probe (body) VALUES ($1)', ['a short message']);
      await client.query('COMMIT');
      h.record(performance.now() - t0);
    }
    await client.query('DROP TABLE bench_commit_probe');
  } finally {
    await client.end();
  }
  return summarize(h);
}

/** Redis PING round trips, one after another, for `ms`. */
export async function probeRedisRoundTrip(redisUrl: string, ms: number): Promise<LatencySummary> {
  const { createClient } = await import('redis');
  const c = createClient({ url: redisUrl, socket: { connectTimeout: 5000, reconnectStrategy: false } });
  c.on('error', () => undefined);
  await c.connect();
  const h = new Histogram();
  try {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const t0 = performance.now();
      await c.ping();
      h.record(performance.now() - t0);
    }
  } finally {
    c.destroy();
  }
  return summarize(h);
}
