/** Token buckets in this process's memory: the one-node RateLimiter (see redisRateLimiter for many). */
import type { RateLimiter, RateLimitResult, RateLimitRule } from './RateLimiter.js';

interface Bucket {
  tokens: number;
  at: number;
  /** When the bucket is full again (ms); after that it can be forgotten. */
  fullAt: number;
}

const SWEEP_MS = 60_000;

export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    // Full buckets carry no information, so dropping them bounds memory to active keys.
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Takes `cost` tokens from bucket `key` (created full) under `rule`. */
  async take(key: string, rule: RateLimitRule, cost = 1): Promise<RateLimitResult> {
    return this.takeSync(key, rule, cost);
  }

  /** Synchronous form of take, for callers on a hot path. */
  takeSync(key: string, rule: RateLimitRule, cost = 1): RateLimitResult {
    const now = this.now();
    const rate = rule.refillPerSecond / 1000;
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: rule.capacity, at: now, fullAt: now };
      this.buckets.set(key, b);
    } else if (now > b.at) {
      b.tokens = Math.min(rule.capacity, b.tokens + (now - b.at) * rate);
      b.at = now;
    }
    if (b.tokens >= cost) {
      b.tokens = Math.min(rule.capacity, b.tokens - cost);
      b.fullAt = now + (rule.capacity - b.tokens) / rate;
      return { allowed: true, retryAfterMs: 0 };
    }
    const missing = Math.min(cost, rule.capacity) - b.tokens;
    return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(missing / rate)) };
  }

  async reset(key: string): Promise<void> {
    this.buckets.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.buckets.clear();
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, b] of this.buckets) if (b.fullAt <= now) this.buckets.delete(key);
  }
}
