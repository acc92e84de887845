/**
 * A test hook that stands in for a slow disk: while the gate is shut, the writer thread waits
 * inside each transaction, just before COMMIT, as it would during a long fsync. It is shared
 * memory, so the test can see the writer waiting and open the gate without the writer's help.
 */

/** 1 while shut; a new gate is open. */
const SHUT = 0;
const ARRIVALS = 1;

/** A gate the SQLite writer passes before every commit (see SqliteStoreOptions.commitGate). */
export class CommitGate {
  /** Shared with the writer thread. */
  readonly cells = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));

  /** Commits from now on wait until open() is called. */
  shut(): void {
    Atomics.store(this.cells, SHUT, 1);
  }

  /** Lets waiting and future commits through. */
  open(): void {
    Atomics.store(this.cells, SHUT, 0);
    Atomics.notify(this.cells, SHUT);
  }

  /** How many commits have reached the gate so far. */
  get arrivals(): number {
    return Atomics.load(this.cells, ARRIVALS);
  }
}

/** Writer side: counts the arrival and blocks this thread while the gate is shut. */
export function passGate(cells: Int32Array): void {
  Atomics.add(cells, ARRIVALS, 1);
  while (Atomics.load(cells, SHUT) === 1) Atomics.wait(cells, SHUT, 1, 1_000);
}
