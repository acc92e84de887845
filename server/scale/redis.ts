/**
 * Several nodes as one (REDIS_URL): the socket.io Redis Streams adapter carries room broadcasts
 * and socketsJoin/Leave between nodes, and Redis holds the shared rate-limit buckets and presence
 * counts. Why streams and not pub/sub: docs/scaling.md ("Choosing the adapter").
 */
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { FerryIo } from '../realtime/types.js';
import type { PresenceTracker } from './Presence.js';
import type { RateLimiter } from './RateLimiter.js';
import { connectRedis, forAdapter } from './redisClient.js';
import { RedisPresence } from './redisPresence.js';
import { RedisRateLimiter } from './redisRateLimiter.js';
import { announceSyncChecks } from './syncChecks.js';

export interface RedisScale {
  /** Installs the Redis Streams adapter on the io server, before it accepts connections. */
  configureIo: (io: FerryIo) => Promise<void>;
  rateLimiter: RateLimiter;
  presence: PresenceTracker;
  /** Calls `listener` each time this node's Redis connection is ready again after an outage. */
  onReconnect: (listener: () => void) => void;
  /** Unregisters this node's presence and closes the Redis connections. Call after the app closed. */
  close(): Promise<void>;
}

/** Entries kept in the adapter's stream: how far a node may fall behind and still resume. */
const STREAM_MAX_LEN = 10_000;
/** A rate-limit or presence call that Redis does not answer in time falls back (see their docs). */
const COMMAND_TIMEOUT_MS = 1_000;

/** Connects to Redis (failing loudly when it is unreachable) and builds the multi-node parts. */
export async function setupRedis(
  config: Pick<
    Config,
    'redisUrl' | 'redisKeyPrefix' | 'nodeId' | 'syncCheckIntervalMs' | 'syncCheckSpreadMs'
  >,
  logger: Logger,
): Promise<RedisScale> {
  if (!config.redisUrl) throw new Error('setupRedis needs REDIS_URL.');
  const prefix = config.redisKeyPrefix;
  const client = await connectRedis(config.redisUrl, logger);
  const bounded = client.withCommandOptions({ timeout: COMMAND_TIMEOUT_MS });
  const rateLimiter = new RedisRateLimiter(bounded, `${prefix}rl:`, logger);
  const presence = new RedisPresence(bounded, logger, { nodeId: config.nodeId, prefix });
  await presence.start();
  const ios = new Set<FerryIo>();
  const stopAnnouncing: Array<() => void> = [];

  return {
    rateLimiter,
    presence,
    async configureIo(io) {
      ios.add(io);
      io.adapter(
        countingSelfWhileAway(
          createAdapter(forAdapter(client), {
            streamName: `${prefix}sio`,
            channelPrefix: `${prefix}sio`,
            sessionKeyPrefix: `${prefix}sio:session:`,
            maxLen: STREAM_MAX_LEN,
            // Ferry's events are JSON; skipping the binary scan saves CPU on every broadcast.
            onlyPlaintext: true,
          }),
        ),
      );
      stopAnnouncing.push(
        announceSyncChecks(io, client, {
          intervalMs: config.syncCheckIntervalMs,
          spreadMs: config.syncCheckSpreadMs,
        }),
      );
    },
    onReconnect(listener) {
      // Registered after the first connect, so every `ready` is a reconnect.
      client.on('ready', listener);
      stopAnnouncing.push(() => client.off('ready', listener));
    },
    async close() {
      for (const stop of stopAnnouncing) stop();
      await presence.close();
      await rateLimiter.close();
      // io.close() (app.close) closed the adapters, which stop their own reader and subscriber.
      for (const io of ios) io.of('/').adapter.close();
      await client.close().catch(() => client.destroy());
    },
  };
}

/**
 * The adapter counts the nodes (PUBSUB NUMSUB) before a server-side emit that wants answers, and
 * nothing catches that count failing while Redis is away: an unhandled rejection (which stops
 * the node) and an ack never called. Counting this node alone instead settles such an emit at
 * once with no answers, as nothing could reach the other nodes anyway.
 */
function countingSelfWhileAway(
  makeAdapter: ReturnType<typeof createAdapter>,
): ReturnType<typeof createAdapter> {
  // A function, not an arrow: socket.io calls it with `new`.
  return function (nsp: unknown) {
    const adapter = makeAdapter(nsp);
    const count = adapter.serverCount.bind(adapter);
    adapter.serverCount = () => count().catch(() => 1);
    return adapter;
  };
}
