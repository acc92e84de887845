/**
 * Change coalescing: during a burst (a catch-up, a drain acking hundreds of messages) listeners
 * are told a few times a second with everything merged, instead of once per change. Used by the
 * outbox drain's announcements to other contexts and by the hub's `changed` events to tabs.
 */

export interface CoalesceOptions<T> {
  /** One item covering both (the first argument may be changed and returned). */
  merge(waiting: T, next: T): T;
  /** Receives each merged item. */
  emit(merged: T): void;
  /** Emits are spaced at least this far apart. */
  minGapMs: number;
  /** A lone item still waits this long for others to join it (0: it goes out at once). */
  batchMs?: number;
  now?: () => number;
}

export interface Coalescer<T> {
  /** Emits now if allowed (batchMs 0 and nothing emitted within minGapMs), else merges into the next emit. */
  push(item: T): void;
  /** Emits whatever is waiting now (e.g. at the end of a drain). */
  flush(): void;
}

export function coalesce<T>(options: CoalesceOptions<T>): Coalescer<T> {
  const { merge, emit, minGapMs, batchMs = 0, now = Date.now } = options;
  let waiting: T | null = null;
  let lastAt = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (waiting === null) return;
    const merged = waiting;
    waiting = null;
    lastAt = now();
    emit(merged);
  };
  return {
    push(item) {
      waiting = waiting === null ? item : merge(waiting, item);
      const wait = Math.max(batchMs, lastAt + minGapMs - now());
      if (wait <= 0) flush();
      else timer ??= setTimeout(flush, wait);
    },
    flush,
  };
}
