/**
 * The soak's two Ferry nodes on PostgreSQL (a fresh schema) and a private Redis, each restartable
 * on its own port after a SIGKILL, so clients keep the same two addresses for the whole run.
 */
import { rm } from 'node:fs/promises';
import { makeTempDir } from '../server/support/app.js';
import { startServerProcess, type ServerProcess } from '../server/support/process.js';
import { freshSchema } from '../scale/support/postgres.js';
import { startPrivateRedis, uniqueRedisPrefix, type PrivateRedis } from '../scale/support/redis.js';

export interface SoakNode {
  readonly url: string;
  readonly up: boolean;
  /** SIGKILLs the process. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  restart(): Promise<void>;
}

export interface SoakCluster {
  nodes: SoakNode[];
  redis: PrivateRedis;
  /** Kills every node and Redis, drops the schema and the data dirs. */
  stop(): Promise<void>;
}

/** Starts `count` nodes (one after the other) with `env` added to each. */
export async function startSoakCluster(count: number, env: Record<string, string>): Promise<SoakCluster> {
  const redis = await startPrivateRedis();
  const db = await freshSchema();
  const prefix = uniqueRedisPrefix();
  const dirs: string[] = [];
  const nodes: SoakNode[] = [];

  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.kill()));
    await redis.kill();
    await db.drop().catch(() => undefined);
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  };

  try {
    for (let i = 1; i <= count; i++) {
      const dataDir = await makeTempDir('ferry-soak-');
      dirs.push(dataDir);
      const start = (port?: number): Promise<ServerProcess> =>
        startServerProcess({
          dataDir,
          port,
          env: {
            DATABASE_URL: db.url,
            REDIS_URL: redis.url,
            REDIS_KEY_PREFIX: prefix,
            NODE_ID: `soak-${i}`,
            ...env,
          },
        });
      let proc: ServerProcess | null = await start();
      const port = proc.port;
      nodes.push({
        url: proc.url,
        get up() {
          return proc !== null;
        },
        async kill() {
          const current = proc;
          proc = null;
          await current?.kill();
        },
        async restart() {
          if (proc) return;
          proc = await start(port);
        },
      });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, redis, stop };
}
