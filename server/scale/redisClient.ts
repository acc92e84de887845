/**
 * The node's Redis connection. Commands fail fast while Redis is unreachable (no offline queue),
 * so a Redis outage never stalls sends, acks or same-node delivery: callers fall back or skip,
 * and catch-up by seq repairs what other nodes missed. Connections made from it for blocking
 * reads and subscriptions (duplicates) do queue, so they resume by themselves on reconnect.
 */
import { createClient, type RedisClientType } from 'redis';
import type { Logger } from 'pino';

export type RedisClient = RedisClientType;

/** Exponential back-off up to 2 s with jitter, forever: Redis coming back must be picked up. */
function reconnectDelay(retries: number): number {
  return Math.min(2 ** retries * 50, 2_000) + Math.floor(Math.random() * 200);
}

const CONNECT_TIMEOUT_MS = 10_000;

/** Connects (failing loudly after 10 s) and logs outages once each, not every retry. */
export async function connectRedis(url: string, logger: Logger): Promise<RedisClient> {
  const client: RedisClient = createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: reconnectDelay, connectTimeout: 5_000 },
  });
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: err.message }, 'Redis connection lost: cross-node delivery paused, retrying');
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info('Redis connection restored');
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), CONNECT_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    client.destroy();
    throw new Error(
      `Redis is not reachable at ${redactUrl(url)} (${(err as Error).message}): start it or fix REDIS_URL.`,
      {
        cause: err,
      },
    );
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/**
 * The same client as the socket.io adapter should see it: its duplicates (the stream reader and
 * the subscriber) keep the offline queue, so a blocking XREAD waits for Redis instead of spinning,
 * while its own publishes fail fast.
 */
export function forAdapter(client: RedisClient): RedisClient {
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'duplicate') {
        return () => target.duplicate({ disableOfflineQueue: false });
      }
      if (prop === 'publish' || prop === 'sPublish') {
        // The adapter fires pub/sub publishes without awaiting them; while Redis is away they
        // reject, and an unhandled rejection would take the whole node down. Dropping them is
        // the documented cost (catch-up covers it).
        const publish = target[prop].bind(target) as (...args: unknown[]) => Promise<number>;
        return (...args: unknown[]) => publish(...args).catch(() => 0);
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'REDIS_URL';
  }
}
