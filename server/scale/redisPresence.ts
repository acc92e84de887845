/**
 * Presence across nodes. Redis holds, per node, a hash of its connection counts per user, plus a
 * total per user over all live nodes; each node also keeps its own counts in memory (the truth
 * for its sockets). Nodes heartbeat into a sorted set; any node reaps a node whose heartbeat is
 * older than the TTL (crash, SIGKILL) by subtracting that node's counts from the totals, in one
 * atomic script, and reports the users who went offline. A node that finds itself missing
 * (Redis restarted, or it was reaped during a long pause) rewrites its counts from memory.
 *
 * Scripts compute node hash names from the prefix, so this targets a standalone Redis (or one
 * Redis Cluster slot through a `{hash tag}` prefix), not keys spread over a cluster.
 */
import type { Logger } from 'pino';
import type { PresenceTracker } from './Presence.js';
import type { RedisClient } from './redisClient.js';

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS total, nodes, own hash; ARGV node, user, delta. Returns the user's new total, or -1 if unregistered. */
const CHANGE = `${NOW}
if redis.call('ZSCORE', KEYS[2], ARGV[1]) == false then return -1 end
redis.call('ZADD', KEYS[2], now, ARGV[1])
local delta = tonumber(ARGV[3])
local n = redis.call('HINCRBY', KEYS[3], ARGV[2], delta)
if n <= 0 then redis.call('HDEL', KEYS[3], ARGV[2]) end
if n < 0 then
  -- Not counted here (e.g. the connection was made while Redis was away): nothing to undo.
  return tonumber(redis.call('HGET', KEYS[1], ARGV[2]) or '0')
end
local total = redis.call('HINCRBY', KEYS[1], ARGV[2], delta)
if total <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[2])
  total = 0
end
return total`;

/**
 * KEYS total, nodes, own hash; ARGV node, leave (1/0), then user, count pairs. Replaces this
 * node's counts with the given ones, fixing the totals; with leave=1 also unregisters the node.
 */
const RESYNC = `${NOW}
local old = redis.call('HGETALL', KEYS[3])
for i = 1, #old, 2 do
  local total = redis.call('HINCRBY', KEYS[1], old[i], -tonumber(old[i + 1]))
  if total <= 0 then redis.call('HDEL', KEYS[1], old[i]) end
end
redis.call('DEL', KEYS[3])
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
  redis.call('HINCRBY', KEYS[1], ARGV[i], tonumber(ARGV[i + 1]))
end
if ARGV[2] == '1' then
  redis.call('ZREM', KEYS[2], ARGV[1])
else
  redis.call('ZADD', KEYS[2], now, ARGV[1])
end
return 1`;

/**
 * KEYS total, nodes; ARGV node, ttl ms, node hash prefix. Refreshes this node's heartbeat and
 * reaps dead nodes. Returns {registered (1/0), users who went offline}.
 */
const HEARTBEAT = `${NOW}
local registered = redis.call('ZSCORE', KEYS[2], ARGV[1]) ~= false
if registered then redis.call('ZADD', KEYS[2], now, ARGV[1]) end
local offline = {}
for _, node in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[2]))) do
  if node ~= ARGV[1] then
    local h = ARGV[3] .. node
    local entries = redis.call('HGETALL', h)
    for i = 1, #entries, 2 do
      local total = redis.call('HINCRBY', KEYS[1], entries[i], -tonumber(entries[i + 1]))
      if total <= 0 then
        redis.call('HDEL', KEYS[1], entries[i])
        table.insert(offline, entries[i])
      end
    end
    redis.call('DEL', h)
    redis.call('ZREM', KEYS[2], node)
  end
end
return {registered and 1 or 0, offline}`;

export interface RedisPresenceOptions {
  nodeId: string;
  /** Key prefix shared by all nodes of one deployment. */
  prefix: string;
  /** How often this node proves it is alive (default 5 s). */
  heartbeatMs?: number;
  /** After how long without a heartbeat a node is reaped (default 3 heartbeats). */
  ttlMs?: number;
}

type OfflineListener = (userIds: string[]) => void;

export class RedisPresence implements PresenceTracker {
  private readonly local = new Map<string, number>();
  private readonly keys: { total: string; nodes: string; own: string; nodePrefix: string };
  private readonly ttlMs: number;
  private readonly timer: NodeJS.Timeout;
  private readonly listeners = new Set<OfflineListener>();
  /** Redis may disagree with `local` (a change failed, or Redis lost its data): resync. */
  private dirty = true;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly client: RedisClient,
    private readonly logger: Logger,
    private readonly options: RedisPresenceOptions,
  ) {
    const p = `${options.prefix}presence:`;
    this.keys = {
      total: `${p}total`,
      nodes: `${p}nodes`,
      nodePrefix: `${p}node:`,
      own: `${p}node:${options.nodeId}`,
    };
    const heartbeatMs = options.heartbeatMs ?? 5_000;
    this.ttlMs = options.ttlMs ?? heartbeatMs * 3;
    this.timer = setInterval(() => void this.heartbeat(), heartbeatMs);
    this.timer.unref();
  }

  /** Registers this node (call once before use). */
  async start(): Promise<void> {
    await this.heartbeat();
  }

  /** Listens for users who went offline because another node died (its sockets never said goodbye). */
  onOffline(listener: OfflineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  connected(userId: string): Promise<boolean> {
    return this.serial(async () => {
      const n = (this.local.get(userId) ?? 0) + 1;
      this.local.set(userId, n);
      const total = await this.change(userId, 1);
      return total === null ? n === 1 : total === 1 && n === 1;
    });
  }

  disconnected(userId: string): Promise<boolean> {
    return this.serial(async () => {
      const had = this.local.get(userId) ?? 0;
      if (had === 0) return false;
      if (had === 1) this.local.delete(userId);
      else this.local.set(userId, had - 1);
      const total = await this.change(userId, -1);
      return total === null ? had === 1 : total === 0;
    });
  }

  async onlineAmong(userIds: readonly string[]): Promise<Set<string>> {
    const online = new Set<string>();
    if (userIds.length === 0) return online;
    try {
      const counts = await this.client.hmGet(this.keys.total, [...userIds]);
      userIds.forEach((id, i) => {
        if (Number(counts[i] ?? 0) > 0) online.add(id);
      });
    } catch {
      // Redis away: this node's own connections are all it can vouch for.
      for (const id of userIds) if (this.local.has(id)) online.add(id);
    }
    return online;
  }

  /** Unregisters this node: its users' counts leave the totals. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.serial(async () => {
      this.local.clear();
      await this.resync(true).catch((err: Error) =>
        this.logger.warn({ err: err.message }, 'could not remove this node from Redis presence'),
      );
    });
  }

  /**
   * Runs presence writes one at a time: a resync writes a snapshot of `local`, so a change made
   * while another write is in flight must not be applied on top of a snapshot that holds it.
   */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Applies a change already made to `local`; the user's new total, or null when Redis is away. */
  private async change(userId: string, delta: 1 | -1): Promise<number | null> {
    try {
      const { total, nodes, own } = this.keys;
      if (!this.dirty) {
        const result = Number(
          await this.client.eval(CHANGE, {
            keys: [total, nodes, own],
            arguments: [this.options.nodeId, userId, String(delta)],
          }),
        );
        if (result !== -1) return result;
      }
      // Redis forgot this node (restart, reap) or missed changes: rewrite from memory, which
      // already holds this change, then read the total.
      await this.resync(false);
      return Number((await this.client.hGet(total, userId)) ?? 0);
    } catch {
      this.dirty = true;
      return null;
    }
  }

  private async resync(leave: boolean): Promise<void> {
    const pairs: string[] = [];
    for (const [user, count] of this.local) pairs.push(user, String(count));
    const { total, nodes, own } = this.keys;
    await this.client.eval(RESYNC, {
      keys: [total, nodes, own],
      arguments: [this.options.nodeId, leave ? '1' : '0', ...pairs],
    });
    this.dirty = false;
  }

  private heartbeat(): Promise<void> {
    return this.serial(() => this.beat());
  }

  private async beat(): Promise<void> {
    if (this.closed) return;
    try {
      const [registered, offline] = (await this.client.eval(HEARTBEAT, {
        keys: [this.keys.total, this.keys.nodes],
        arguments: [this.options.nodeId, String(this.ttlMs), this.keys.nodePrefix],
      })) as [number, string[]];
      if (registered !== 1 || this.dirty) await this.resync(false);
      if (offline.length > 0) {
        this.logger.info({ users: offline.length }, 'presence: reaped a node that stopped heartbeating');
        for (const l of this.listeners) l(offline);
      }
    } catch {
      this.dirty = true;
    }
  }
}
