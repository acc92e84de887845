/** PostgreSQL and Redis for the cluster scenario: a private database and key prefix per run. */
import { randomBytes } from 'node:crypto';

/** Creates a fresh database next to the one in `adminUrl`; `drop()` removes it again. */
export async function createTempDatabase(adminUrl: string): Promise<{
  url: string;
  drop(): Promise<void>;
  vacuumAnalyze(): Promise<void>;
  backendPids(): Promise<number[]>;
}> {
  const { default: pg } = await import('pg');
  const name = `ferry_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(
      `PostgreSQL is not reachable at ${adminUrl} (${(e as Error).message}): start it (see .ci/run).`,
      { cause: e },
    );
  }
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const run = async (connectionString: string, sql: string) => {
    const c = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
      return await c.query(sql);
    } finally {
      await c.end();
    }
  };
  return {
    url: url.toString(),
    drop: () => run(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined),
    /**
     * What autovacuum does soon after a bulk load (PostgreSQL 13+ vacuums insert-only tables too):
     * planner statistics, and GIN pending lists merged into their index.
     */
    vacuumAnalyze: () => run(url.toString(), 'VACUUM ANALYZE').then(() => undefined),
    /** The server processes of the connections to this database (not this query's own). */
    backendPids: async () =>
      (
        await run(
          adminUrl,
          `SELECT pid FROM pg_stat_activity WHERE datname = '${name}' AND backend_type = 'client backend'`,
        )
      ).rows.map((r: { pid: number }) => r.pid),
  };
}

/** Checks Redis answers, and returns a cleaner that deletes every key under `prefix`. */
export async function redisPrefix(
  redisUrl: string,
  tag: string,
): Promise<{ prefix: string; clean(): Promise<void> }> {
  const { createClient } = await import('redis');
  const prefix = `${tag}-${randomBytes(4).toString('hex')}:`;
  const probe = createClient({ url: redisUrl, socket: { connectTimeout: 5000, reconnectStrategy: false } });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    throw new Error(
      `Redis is not reachable at ${redisUrl} (${(e as Error).message}): start it (see .ci/run).`,
      { cause: e },
    );
  } finally {
    probe.destroy();
  }
  return {
    prefix,
    async clean() {
      const c = createClient({ url: redisUrl, socket: { connectTimeout: 5000, reconnectStrategy: false } });
      c.on('error', () => undefined);
      await c.connect();
      try {
        for await (const keys of c.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 }))
          if (keys.length) await c.del(keys);
      } finally {
        c.destroy();
      }
    },
  };
}
