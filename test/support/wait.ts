/**
 * The one way tests (and the bench) wait: on state, never on time. Server, scale and browser
 * tests poll the same helper, so a timeout always says what was awaited and what was seen last.
 */

/** What a check returns once it holds: any value but the falsy ones. */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

export interface WaitOptions {
  /** Give up after this long (a generous bound for a loaded machine; a pass returns at once). */
  timeoutMs?: number;
  /** Pause between checks. */
  intervalMs?: number;
}

/**
 * Settles as `work` does, or fails naming `what` once `ms` pass: a page that stops answering (a
 * closed target, a worker that never comes back) fails the caller instead of hanging it.
 */
export function bounded<T>(what: string, work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Polls `check` until it returns a truthy value, which is returned. A check that throws counts as
 * "not yet" (a server restarting, a page navigating), and one that does not answer is cut at the
 * deadline (a page.evaluate has no timeout of its own); on timeout the error names `what` and the
 * last value or error seen.
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 20 }: WaitOptions = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await bounded(
        `a check of ${what}`,
        Promise.resolve(check()),
        Math.max(1, deadline - Date.now()) + intervalMs,
      );
      if (value) return value as Truthy<T>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
