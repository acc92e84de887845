/**
 * Redis for scale tests: the Redis in TEST_REDIS_URL (a private server that `npm test` starts, or
 * one the user names) with a key prefix unique to the test run, and private redis-server
 * processes on free ports for tests that stop and restart Redis (the one in TEST_REDIS_URL is
 * never restarted). An unreachable Redis fails the test loudly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createClient } from 'redis';
import { requiredEnv } from './env';

export const REDIS_URL = requiredEnv('TEST_REDIS_URL', 'Redis');

/** The redis-server binary for private servers: REDIS_SERVER_PATH (set by `npm test`) or PATH's. */
export const REDIS_SERVER = process.env.REDIS_SERVER_PATH || 'redis-server';

/** A prefix no other test run uses, e.g. `ferry-t-m3x1k2-1a2b3c4d:`. */
export function uniqueRedisPrefix(): string {
  return `ferry-t-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}:`;
}

/** Runs `work` with a connected client, failing with advice when Redis is unreachable. */
export async function withRedis<T>(
  url: string,
  work: (c: ReturnType<typeof createClient>) => Promise<T>,
): Promise<T> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 3_000 } });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `Redis is not reachable at ${url} (${(err as Error).message}). ` +
        'Run the tests with `npm test`, which starts a private Redis, or fix TEST_REDIS_URL.',
      { cause: err },
    );
  }
  try {
    return await work(client);
  } finally {
    await client.close().catch(() => client.destroy());
  }
}

/** Deletes every key under `prefix` (streams, presence, buckets) after a test run. */
export async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  await withRedis(url, async (c) => {
    for await (const keys of c.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await c.del(keys);
    }
  });
}

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return port;
}

export interface PrivateRedis {
  url: string;
  port: number;
  /** SIGKILLs it (data is gone: it keeps nothing on disk). */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

/** Starts a throw-away redis-server on a free port, without persistence. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    const proc = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const failed = new Promise<never>((_, reject) => {
      proc.once('error', (err) =>
        reject(
          new Error(
            `could not start ${REDIS_SERVER} (${err.message}): run the tests with \`npm test\`, which finds or installs it`,
          ),
        ),
      );
      proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
    });
    failed.catch(() => undefined);
    child = proc;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ok = await Promise.race([
        withRedis(url, async (c) => (await c.ping()) === 'PONG').catch(() => false),
        failed,
      ]);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await start();
  return {
    url,
    port,
    start,
    async kill() {
      const proc = child;
      child = null;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = once(proc, 'exit');
      proc.kill('SIGKILL');
      await gone;
    },
  };
}
