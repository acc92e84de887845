/**
 * Token buckets in Redis, shared by every node: one Lua script reads, refills and takes
 * atomically, on Redis's clock, so nodes with skewed clocks and concurrent callers agree. The takes
 * of one event-loop turn go in one script call: one Redis command per turn, not one per send.
 * While Redis is unreachable the node falls back to its own memory buckets (limits then hold per
 * node, not across nodes) rather than refusing every send.
 */
import type { Logger } from 'pino';
import { MemoryRateLimiter } from './memoryRateLimiter.js';
import type { RateLimiter, RateLimitResult, RateLimitRule } from './RateLimiter.js';
import type { RedisClient } from './redisClient.js';

/**
 * KEYS[i] bucket hash {tokens, at}; ARGV[3i-2..3i] its capacity, refill per ms and cost. Returns
 * {allowed, retryMs} for each key in turn, flat. One call takes for every send of an event-loop
 * turn, in order (a key twice in one call sees its first take). TIME inside a script is fine on
 * Redis >= 5 (effects replication, the only mode since 7).
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[3 * i - 2])
  local rate = tonumber(ARGV[3 * i - 1])
  local cost = tonumber(ARGV[3 * i])
  local b = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tokens = tonumber(b[1])
  local at = tonumber(b[2])
  if tokens == nil or at == nil then
    tokens = capacity
    at = now
  end
  if now > at then
    tokens = math.min(capacity, tokens + (now - at) * rate)
    at = now
  end
  local allowed = 0
  local retry = 0
  if tokens >= cost then
    tokens = math.min(capacity, tokens - cost)
    allowed = 1
  else
    retry = math.max(1, math.ceil((math.min(cost, capacity) - tokens) / rate))
  end
  redis.call('HSET', KEYS[i], 'tokens', tostring(tokens), 'at', tostring(at))
  -- A full bucket carries no information: let it expire once it would be full again.
  redis.call('PEXPIRE', KEYS[i], math.ceil((capacity - tokens) / rate) + 1000)
  out[2 * i - 1] = allowed
  out[2 * i] = retry
end
return out
`;

/** Most buckets in one script call, so one call never holds Redis up for long. */
const MAX_KEYS_PER_CALL = 500;

interface PendingTake {
  key: string;
  rule: RateLimitRule;
  cost: number;
  resolve: (result: RateLimitResult) => void;
}

export class RedisRateLimiter implements RateLimiter {
  private sha: string | null = null;
  private readonly fallback = new MemoryRateLimiter();
  private warned = false;
  /** Takes waiting for this turn's script call. */
  private queue: PendingTake[] = [];

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Takes in Redis with every other take of this event-loop turn, in one script call (one command
   * per turn, not one per send); answers from this node's own buckets while Redis is unreachable.
   */
  take(key: string, rule: RateLimitRule, cost = 1): Promise<RateLimitResult> {
    return new Promise((resolve) => {
      // setImmediate runs after this turn's I/O callbacks: the sends read from every socket in
      // one turn share the call.
      if (this.queue.push({ key, rule, cost, resolve }) === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const queued = this.queue;
    this.queue = [];
    for (let i = 0; i < queued.length; i += MAX_KEYS_PER_CALL) {
      void this.takeAll(queued.slice(i, i + MAX_KEYS_PER_CALL));
    }
  }

  /** One script call for `takes`; each caller gets its own answer, never a rejection. */
  private async takeAll(takes: readonly PendingTake[]): Promise<void> {
    const keys = takes.map((t) => this.prefix + t.key);
    const args = takes.flatMap((t) => [
      String(t.rule.capacity),
      String(t.rule.refillPerSecond / 1000),
      String(t.cost),
    ]);
    let answers: number[];
    try {
      answers = (await this.run(keys, args)) as number[];
      this.warned = false;
    } catch (err) {
      if (!this.warned) {
        this.warned = true;
        this.logger.warn(
          { err: (err as Error).message },
          'Redis rate limiter unavailable: limiting per node',
        );
      }
      for (const t of takes) t.resolve(this.fallback.takeSync(t.key, t.rule, t.cost));
      return;
    }
    takes.forEach((t, i) => t.resolve({ allowed: answers[2 * i] === 1, retryAfterMs: answers[2 * i + 1]! }));
  }

  async reset(key: string): Promise<void> {
    await this.fallback.reset(key);
    await this.client.del(this.prefix + key).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.fallback.close();
  }

  /** EVALSHA, loading the script on first use and again after Redis lost it (restart: NOSCRIPT). */
  private async run(keys: string[], args: string[]): Promise<unknown> {
    this.sha ??= await this.client.scriptLoad(TAKE);
    try {
      return await this.client.evalSha(this.sha, { keys, arguments: args });
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      this.sha = await this.client.scriptLoad(TAKE);
      return this.client.evalSha(this.sha, { keys, arguments: args });
    }
  }
}
