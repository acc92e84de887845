/**
 * The Redis-backed rate limiter and presence tracker, on a real Redis, with two instances playing
 * two nodes: atomic shared buckets, connection counts across nodes, a crashed node reaped, and
 * recovery when Redis loses its data.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/ops/logger.js';
import { MemoryRateLimiter } from '../../server/scale/memoryRateLimiter.js';
import { connectRedis, type RedisClient } from '../../server/scale/redisClient.js';
import { RedisPresence } from '../../server/scale/redisPresence.js';
import { RedisRateLimiter } from '../../server/scale/redisRateLimiter.js';

import { REDIS_URL, deleteRedisPrefix, startPrivateRedis, uniqueRedisPrefix } from './support/redis.js';
import { waitUntil } from '../support/wait.js';

const logger = createLogger({ silent: true });

describe('Redis rate limiter and presence', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  async function client(url = REDIS_URL): Promise<RedisClient> {
    const c = await connectRedis(url, logger);
    cleanups.push(async () => {
      if (c.isOpen) await c.close().catch(() => c.destroy());
    });
    return c;
  }

  function prefix(url = REDIS_URL): string {
    const p = uniqueRedisPrefix();
    cleanups.push(() => deleteRedisPrefix(url, p).catch(() => undefined));
    return p;
  }

  it('shares one token bucket between nodes and takes from it atomically', async () => {
    const p = prefix();
    const [a, b] = [
      new RedisRateLimiter(await client(), p, logger),
      new RedisRateLimiter(await client(), p, logger),
    ];
    const rule = { capacity: 10, refillPerSecond: 0.001 };
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).take('send:u1', rule)),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    for (const r of results.filter((x) => !x.allowed)) expect(r.retryAfterMs).toBeGreaterThan(0);
    // Another key has its own bucket; a reset on one node refills it for all.
    expect((await a.take('send:u2', rule)).allowed).toBe(true);
    await b.reset('send:u1');
    expect((await a.take('send:u1', rule)).allowed).toBe(true);
  });

  it('answers each take of one event-loop turn from one script call, in order, across keys and rules', async () => {
    const p = prefix();
    const real = await client();
    let calls = 0;
    const counted = new Proxy(real, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (prop === 'evalSha') calls++;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const limiter = new RedisRateLimiter(counted, p, logger);
    const two = { capacity: 2, refillPerSecond: 0.001 };
    const one = { capacity: 1, refillPerSecond: 0.001 };
    await limiter.take('warm', one); // loads the script
    calls = 0;
    const results = await Promise.all([
      limiter.take('a', two),
      limiter.take('b', one),
      limiter.take('a', two),
      limiter.take('b', one),
      limiter.take('a', two, -1), // a refund between takes of the same bucket counts in order
      limiter.take('a', two),
      limiter.take('a', two),
    ]);
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, true, true, false]);
    expect(results[3]!.retryAfterMs).toBeGreaterThan(0);
    expect(calls).toBe(1);
    // The buckets are shared: another node sees what this turn took.
    const other = new RedisRateLimiter(await client(), p, logger);
    expect((await other.take('b', one)).allowed).toBe(false);
  });

  it('gives tokens back on a negative cost, never above the capacity, in Redis and in memory', async () => {
    const p = prefix();
    const rule = { capacity: 3, refillPerSecond: 0.001 };
    for (const limiter of [new RedisRateLimiter(await client(), p, logger), new MemoryRateLimiter()]) {
      // Refunds on a full bucket change nothing.
      for (let i = 0; i < 5; i++) expect((await limiter.take('refund', rule, -1)).allowed).toBe(true);
      const taken = [];
      for (let i = 0; i < 5; i++) taken.push((await limiter.take('refund', rule)).allowed);
      expect(taken).toEqual([true, true, true, false, false]);
      await limiter.take('refund', rule, -1);
      expect((await limiter.take('refund', rule)).allowed).toBe(true);
      expect((await limiter.take('refund', rule)).allowed).toBe(false);
      await limiter.close();
    }
  });

  it('refills the shared bucket over time, on the Redis clock', async () => {
    const p = prefix();
    const limiter = new RedisRateLimiter(await client(), p, logger);
    const rule = { capacity: 1, refillPerSecond: 20 };
    expect((await limiter.take('k', rule)).allowed).toBe(true);
    const denied = await limiter.take('k', rule);
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(50);
    await waitUntil('a refilled token', async () => (await limiter.take('k', rule)).allowed, {
      timeoutMs: 2_000,
    });
  });

  it('keeps limiting per node while Redis is unreachable, and shares again when it is back', async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.kill());
    const limiter = new RedisRateLimiter(await client(redis.url), 'x:', logger);
    const rule = { capacity: 2, refillPerSecond: 0.001 };
    expect((await limiter.take('k', rule)).allowed).toBe(true);
    await redis.kill();
    const during = [
      await limiter.take('k', rule),
      await limiter.take('k', rule),
      await limiter.take('k', rule),
    ];
    expect(during.map((r) => r.allowed)).toEqual([true, true, false]);
    await redis.start();
    // A restarted Redis has no bucket (and no loaded script: NOSCRIPT is handled).
    await waitUntil('Redis buckets again', async () => (await limiter.take('fresh', rule)).allowed, {
      timeoutMs: 10_000,
    });
  });

  it('counts one user online while any node holds a connection of theirs', async () => {
    const p = prefix();
    const nodeA = new RedisPresence(await client(), logger, { nodeId: 'a', prefix: p });
    const nodeB = new RedisPresence(await client(), logger, { nodeId: 'b', prefix: p });
    cleanups.push(
      () => nodeA.close(),
      () => nodeB.close(),
    );
    await Promise.all([nodeA.start(), nodeB.start()]);

    expect(await nodeA.connected('u')).toBe(true);
    expect(await nodeB.connected('u')).toBe(false);
    expect(await nodeB.connected('u')).toBe(false);
    expect(await nodeA.disconnected('u')).toBe(false);
    expect(await nodeB.onlineAmong(['u', 'nobody'])).toEqual(new Set(['u']));
    expect(await nodeB.disconnected('u')).toBe(false);
    expect(await nodeB.disconnected('u')).toBe(true);
    expect(await nodeA.onlineAmong(['u'])).toEqual(new Set());
    // A disconnect with no matching connect changes nothing.
    expect(await nodeA.disconnected('u')).toBe(false);
  });

  it('takes a crashed node’s connections away and reports who went offline', async () => {
    const p = prefix();
    const doomedClient = await client();
    const doomed = new RedisPresence(doomedClient, logger, { nodeId: 'doomed', prefix: p, heartbeatMs: 100 });
    const survivor = new RedisPresence(await client(), logger, {
      nodeId: 'survivor',
      prefix: p,
      heartbeatMs: 100,
    });
    cleanups.push(
      () => survivor.close(),
      () => doomed.close(),
    );
    await Promise.all([doomed.start(), survivor.start()]);
    const wentOffline: string[] = [];
    survivor.onOffline((ids) => wentOffline.push(...ids));

    await doomed.connected('only-there');
    await doomed.connected('both');
    await survivor.connected('both');
    expect(await survivor.onlineAmong(['only-there', 'both'])).toEqual(new Set(['only-there', 'both']));

    // The node dies without a goodbye: its heartbeats stop.
    doomedClient.destroy();
    await waitUntil('the dead node reaped', () => wentOffline.includes('only-there'), { timeoutMs: 5_000 });
    expect(wentOffline).toEqual(['only-there']);
    expect(await survivor.onlineAmong(['only-there', 'both'])).toEqual(new Set(['both']));
  });

  it('rewrites its counts when Redis has lost them', async () => {
    const p = prefix();
    const c = await client();
    const node = new RedisPresence(c, logger, { nodeId: 'n', prefix: p, heartbeatMs: 100 });
    cleanups.push(() => node.close());
    await node.start();
    await node.connected('u1');
    await node.connected('u2');
    await deleteRedisPrefix(REDIS_URL, p); // as after a Redis restart without persistence
    expect(await node.onlineAmong(['u1', 'u2'])).toEqual(new Set());
    await waitUntil('counts restored', async () => (await node.onlineAmong(['u1', 'u2'])).size === 2, {
      timeoutMs: 5_000,
    });
    // And the counts are right, not doubled: two disconnects take u1 offline exactly once.
    await node.connected('u1');
    expect(await node.disconnected('u1')).toBe(false);
    expect(await node.disconnected('u1')).toBe(true);
  });
});
