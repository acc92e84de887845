/**
 * Token-bucket rate limiting behind one interface: in memory for one process, in Redis when
 * several nodes must share the limits (REDIS_URL).
 */
export interface RateLimitRule {
  /** Bucket size: how many may be taken at once. */
  capacity: number;
  /** Tokens added back per second. */
  refillPerSecond: number;
}

export interface RateLimitResult {
  allowed: boolean;
  /** When not allowed: ms until one token is back. */
  retryAfterMs: number;
}

export interface RateLimiter {
  /**
   * Takes `cost` tokens from the bucket `key` (created full) under `rule`. A negative cost gives
   * tokens back (never above the capacity), e.g. for a request that turned out to cost nothing.
   */
  take(key: string, rule: RateLimitRule, cost?: number): Promise<RateLimitResult>;
  /** Forgets a bucket (e.g. after a successful sign-in). */
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}
