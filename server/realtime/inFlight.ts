/**
 * Counts socket event handlers that have started but not answered yet, so a graceful shutdown
 * can refuse new events and wait for the running ones: a message committed while its socket is
 * being closed must still get its ack, or the client cannot know it is safe.
 */
export class InFlight {
  private running = 0;
  private refusing = false;
  private readonly idleWaiters = new Set<() => void>();

  /** True once drain() was called: new events are answered UNAVAILABLE instead of run. */
  get draining(): boolean {
    return this.refusing;
  }

  /** Counts one handler that is now running. */
  begin(): void {
    this.running += 1;
  }

  /** That handler has answered (its ack is written to the connection). */
  end(): void {
    this.running -= 1;
    if (this.running > 0) return;
    for (const wake of this.idleWaiters) wake();
    this.idleWaiters.clear();
  }

  /**
   * Refuses new handlers from now on and resolves once none is running (true), or after
   * `timeoutMs` with some still running (false).
   */
  drain(timeoutMs: number): Promise<boolean> {
    this.refusing = true;
    if (this.running === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters.delete(wake);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.add(wake);
    });
  }
}
