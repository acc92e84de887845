/**
 * Token buckets in Redis, shared by every node: one Lua script reads, refills and takes
 * atomically, on Redis's clock, so nodes with skewed clocks and concurrent callers agree.
 * While Redis is unreachable the node falls back to its own memory buckets (limits then hold per
 * node, not across nodes) rather than refusing every send.
 */
import type { Logger } from 'pino';
import { MemoryRateLimiter } from './memoryRateLimiter.js';
import type { RateLimiter, RateLimitResult, RateLimitRule } from './RateLimiter.js';
import type { RedisClient } from './redisClient.js';

/**
 * KEYS[1] bucket hash {tokens, at}; ARGV capacity, refill per ms, cost. Returns {allowed, retryMs}.
 * TIME inside a script is fine on Redis >= 5 (effects replication, the only mode since 7).
 */
const TAKE = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
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
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
-- A full bucket carries no information: let it expire once it would be full again.
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1000)
return {allowed, retry}
`;

export class RedisRateLimiter implements RateLimiter {
  private sha: string | null = null;
  private readonly fallback = new MemoryRateLimiter();
  private warned = false;

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  async take(key: string, rule: RateLimitRule, cost = 1): Promise<RateLimitResult> {
    const args = [String(rule.capacity), String(rule.refillPerSecond / 1000), String(cost)];
    try {
      const [allowed, retryAfterMs] = (await this.run([this.prefix + key], args)) as [number, number];
      this.warned = false;
      return { allowed: allowed === 1, retryAfterMs };
    } catch (err) {
      if (!this.warned) {
        this.warned = true;
        this.logger.warn(
          { err: (err as Error).message },
          'Redis rate limiter unavailable: limiting per node',
        );
      }
      return this.fallback.take(key, rule, cost);
    }
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
