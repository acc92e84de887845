/**
 * Tells devices when to compare their conversations' lastSeq with what they hold (`sync:check`).
 *
 * Why: with several nodes, a message committed on one node reaches the others' sockets only
 * through Redis. While Redis is away (or when a node dies between its commit and its publish)
 * those live deliveries are lost for good, and a device whose socket stayed up has no reason to
 * catch up: nothing it receives reveals the hole until someone writes again. A gap check on every
 * seq the hub learns repairs most of it; these announcements bound the rest without a reconnect:
 * - Redis came back (this node's connection is ready again): this node's devices check within
 *   `spreadMs`. Every node sees its own reconnect, so every device that missed something checks.
 * - This node started: it may be the restart of one that died between a commit and its publish;
 *   every node's devices check within `spreadMs` (sent through the adapter).
 * - Every `intervalMs`, this node's devices check at a random moment of the next interval: the
 *   bound for an incident nobody saw (2 × intervalMs at most).
 * The random moment spreads the check's `conversations:list` calls so a node is not asked by all
 * its devices at once. One node alone needs none of it: its deliveries do not cross Redis.
 */
import { ServerEvent } from '../../contract/index.js';
import type { FerryIo } from '../realtime/types.js';
import type { RedisClient } from './redisClient.js';

export interface SyncCheckOptions {
  /** Period of the routine check; 0 turns it off. */
  intervalMs: number;
  /** How widely devices spread their check after an incident. */
  spreadMs: number;
}

/** Starts announcing on `io`; returns the function that stops it. */
export function announceSyncChecks(io: FerryIo, redis: RedisClient, options: SyncCheckOptions): () => void {
  const { intervalMs, spreadMs } = options;
  io.emit(ServerEvent.syncCheck, { withinMs: spreadMs });
  // Registered after the first connect, so every `ready` here is a reconnect.
  const onReady = (): void => void io.local.emit(ServerEvent.syncCheck, { withinMs: spreadMs });
  redis.on('ready', onReady);
  const timer =
    intervalMs > 0
      ? setInterval(() => io.local.emit(ServerEvent.syncCheck, { withinMs: intervalMs }), intervalMs)
      : undefined;
  timer?.unref();
  return () => {
    redis.off('ready', onReady);
    clearInterval(timer);
  };
}
