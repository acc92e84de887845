/**
 * "Run again if asked during a run": the outbox drain, the Service Worker's replay and the hub's
 * outbox count all have work that must not run twice at once, and must not miss a request that
 * came while it ran (the state it read may already be stale). Any number of requests during a run
 * become one more pass, not one each.
 */

export interface RerunLatch<T> {
  /**
   * Starts a run, or, during one, asks it for one more pass; resolves with the result of the
   * run's last pass (every caller during a run gets the same promise).
   */
  run(): Promise<T>;
  /** True while a run is under way. */
  readonly running: boolean;
}

/**
 * Runs `pass` until no request came in during the last one. `goOn(result)` false ends the run
 * even when asked again (e.g. the drain went offline: the next connect starts a fresh run).
 */
export function rerunLatch<T>(
  pass: () => Promise<T>,
  goOn: (result: T) => boolean = () => true,
): RerunLatch<T> {
  let current: Promise<T> | null = null;
  let again = false;
  const loop = async (): Promise<T> => {
    try {
      let result: T;
      do {
        again = false;
        result = await pass();
      } while (again && goOn(result));
      return result;
    } finally {
      current = null;
    }
  };
  return {
    get running() {
      return current !== null;
    },
    run() {
      if (current) {
        again = true;
        return current;
      }
      return (current = loop());
    },
  };
}

/**
 * The variant without the extra pass: a call during a run shares that run's result (listing
 * conversations once for a burst of callers, when the listing itself is what they wait for).
 */
export function sharedRun<T>(task: () => Promise<T>): () => Promise<T> {
  const latch = rerunLatch(task, () => false);
  return () => latch.run();
}
