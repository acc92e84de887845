/**
 * When the writer thread, idle between commits, does a piece of deferred work (the WAL checkpoint):
 * once enough units of it (commits) have piled up, or, when they come slowly, a while after the
 * last time with any.
 */
export class IdleCadence {
  #units = 0;
  #since = performance.now();

  constructor(
    /** Units that make the work due (may change between runs). */
    public every: number,
    private readonly afterMs: number,
  ) {}

  /** Units waiting since the work last ran. */
  get units(): number {
    return this.#units;
  }

  /** Counts units of work waiting. */
  add(units = 1): void {
    this.#units += units;
  }

  /** True when the work should run now. */
  due(now = performance.now()): boolean {
    return this.#units > 0 && (this.#units >= this.every || now - this.#since >= this.afterMs);
  }

  /** The work ran: counts from zero again. */
  ran(now = performance.now()): void {
    this.#units = 0;
    this.#since = now;
  }
}
