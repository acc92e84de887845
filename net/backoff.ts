/** Exponential backoff with jitter for every retry of the client (socket reconnects, outbox, uploads). */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": half the capped delay, plus a random part of the other
 * half, so many clients retrying at once spread out instead of arriving together.
 * `attempt` counts from 1 (the delay after the first failure).
 */
export function backoffDelay(
  attempt: number,
  { baseMs, maxMs, random = Math.random }: BackoffOptions,
): number {
  const capped = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(capped / 2 + random() * (capped / 2));
}
