/**
 * Several real Ferry nodes for a test: `node --import tsx server/index.ts` child processes on
 * their own ports, sharing one fresh PostgreSQL schema and one Redis key prefix (both unique to
 * the run, both removed afterwards), each with its own NODE_ID and DATA_DIR.
 */
import { rm } from 'node:fs/promises';
import { createClient } from 'redis';
import { makeTempDir } from '../../server/support/app.js';
import { startServerProcess, type ServerProcess } from '../../server/support/process.js';
import { freshSchema } from './postgres.js';
import { REDIS_URL, deleteRedisPrefix, uniqueRedisPrefix, withRedis } from './redis.js';

export interface Cluster {
  nodes: ServerProcess[];
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  /** Starts one more node on the same database and Redis. */
  addNode(): Promise<ServerProcess>;
  /** Kills every node, drops the schema and deletes the run's Redis keys. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  nodes?: number;
  /** Default: the shared CI Redis. */
  redisUrl?: string;
  /** Extra environment for every node (e.g. SEND_BURST). */
  env?: Record<string, string>;
}

/** Starts `nodes` server processes (default 2) on PostgreSQL + Redis. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const redisUrl = options.redisUrl ?? REDIS_URL;
  await withRedis(redisUrl, async (c) => c.ping()); // fails loudly when Redis is missing
  const db = await freshSchema(); // fails loudly when PostgreSQL is missing
  const redisPrefix = uniqueRedisPrefix();
  const dirs: string[] = [];
  const nodes: ServerProcess[] = [];
  let counter = 0;

  const addNode = async (): Promise<ServerProcess> => {
    const dataDir = await makeTempDir('ferry-scale-');
    dirs.push(dataDir);
    counter += 1;
    const node = await startServerProcess({
      dataDir,
      env: {
        DATABASE_URL: db.url,
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: redisPrefix,
        NODE_ID: `node-${counter}`,
        LOG_LEVEL: 'info',
        ...options.env,
      },
    });
    nodes.push(node);
    return node;
  };

  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.kill()));
    await db.drop();
    await deleteRedisPrefix(redisUrl, redisPrefix).catch(() => undefined);
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  };

  try {
    // One after the other: two tsx cold starts at once on a 2-core machine only slow both down.
    for (let i = 0; i < (options.nodes ?? 2); i++) await addNode();
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, databaseUrl: db.url, redisUrl, redisPrefix, addNode, stop };
}

/** What the cluster's nodes publish to each other over Redis pub/sub, as it is published. */
export interface BusWatch {
  /** Every packet heard so far, raw (msgpack keeps a message's text as its UTF-8 bytes). */
  packets: Buffer[];
  stop(): Promise<void>;
}

/**
 * Listens to the channel socket.io's Redis Streams adapter publishes server-side emits on (the
 * SSE bus, access changes, feed announcements); room broadcasts go through the stream instead.
 */
export async function watchBus(cluster: Cluster): Promise<BusWatch> {
  const client = createClient({ url: cluster.redisUrl });
  client.on('error', () => undefined);
  await client.connect();
  const packets: Buffer[] = [];
  // A pattern, not a channel: nodes count the channel's subscribers as the nodes that must answer
  // a server-side emit, and a pattern subscriber is not counted.
  await client.pSubscribe(`${cluster.redisPrefix}sio#/#`, (packet: Buffer) => packets.push(packet), true);
  return {
    packets,
    async stop() {
      await client.close().catch(() => client.destroy());
    },
  };
}
