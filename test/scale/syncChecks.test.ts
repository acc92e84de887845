/**
 * The server's `sync:check` announcements on two nodes: a routine one every
 * SYNC_CHECK_INTERVAL_MS, one to every node's devices when a node starts (it may replace one that
 * died between a commit and its publish), and one from each node when its Redis connection comes
 * back. Real nodes, real socket.io clients, a private Redis that is killed and restarted.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAllSockets, collect, connect, signUp } from '../server/support/clients.js';
import { startCluster, type Cluster } from './support/cluster.js';
import { startPrivateRedis, type PrivateRedis } from './support/redis.js';
import { ServerEvent } from '../../contract/index.js';
import { waitUntil } from '../support/wait.js';

const SPREAD_MS = 1_500;

describe('sync checks on two nodes', () => {
  let redis: PrivateRedis;
  let cluster: Cluster;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    cluster = await startCluster({
      nodes: 2,
      redisUrl: redis.url,
      // The routine check is off here except where a test turns it on for its own node.
      env: { SYNC_CHECK_INTERVAL_MS: '0', SYNC_CHECK_SPREAD_MS: String(SPREAD_MS) },
    });
  });
  afterAll(async () => {
    await cluster?.stop();
    await redis?.kill();
  });
  afterEach(() => closeAllSockets());

  it('asks every node’s devices to check when a node starts', async () => {
    const [A, B] = cluster.nodes.map((n) => n.url) as [string, string];
    const onA = collect(await connect(A, (await signUp(A)).cookie), ServerEvent.syncCheck);
    const onB = collect(await connect(B, (await signUp(B)).cookie), ServerEvent.syncCheck);
    await cluster.addNode();
    await waitUntil('the start announcement', () => onA.items.length > 0 && onB.items.length > 0, {
      timeoutMs: 10_000,
    });
    expect(onA.items[0]).toEqual({ withinMs: SPREAD_MS });
    expect(onB.items[0]).toEqual({ withinMs: SPREAD_MS });
  });

  it('asks each node’s devices to check when Redis comes back', async () => {
    const [A, B] = cluster.nodes.map((n) => n.url) as [string, string];
    const a = await connect(A, (await signUp(A)).cookie);
    const b = await connect(B, (await signUp(B)).cookie);
    const onA = collect(a, ServerEvent.syncCheck);
    const onB = collect(b, ServerEvent.syncCheck);
    await redis.kill();
    await redis.start();
    await waitUntil('the reconnect announcement', () => onA.items.length > 0 && onB.items.length > 0, {
      timeoutMs: 15_000,
    });
    expect(onB.items[0]).toEqual({ withinMs: SPREAD_MS });
    // Nobody reconnected: the announcement reached the sockets that were already there.
    expect(a.connected && b.connected).toBe(true);
  });

  it('asks its devices routinely every SYNC_CHECK_INTERVAL_MS', async () => {
    // A node of its own (own schema and key prefix) with a short routine interval.
    const routine = await startCluster({
      nodes: 1,
      redisUrl: redis.url,
      env: { SYNC_CHECK_INTERVAL_MS: '300' },
    });
    try {
      const url = routine.nodes[0]!.url;
      const checks = collect(await connect(url, (await signUp(url)).cookie), ServerEvent.syncCheck);
      await waitUntil('two routine checks', () => checks.items.length >= 2, { timeoutMs: 10_000 });
      expect(checks.items.slice(0, 2)).toEqual([{ withinMs: 300 }, { withinMs: 300 }]);
    } finally {
      await routine.stop();
    }
  });
});
