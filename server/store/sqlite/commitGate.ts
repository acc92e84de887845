/**
 * A test hook that stands in for a slow disk: while the gate is shut, the writer thread waits
 * inside each transaction, just before COMMIT, as it would during a long fsync. It is shared
 * memory, so the test can see the writer waiting and open the gate without the writer's help.
 * The gate can also end the writer thread there, the way a crash mid-commit would.
 */

/** 1 while shut; a new gate is open. */
const SHUT = 0;
const ARRIVALS = 1;
/** 1 once crash() was called. */
const CRASH = 2;

/** A gate the SQLite writer passes before every commit (see SqliteStoreOptions.commitGate). */
export class CommitGate {
  /** Shared with the writer thread. */
  readonly cells = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));

  /** Commits from now on wait until open() is called. */
  shut(): void {
    Atomics.store(this.cells, SHUT, 1);
  }

  /** Lets waiting and future commits through. */
  open(): void {
    Atomics.store(this.cells, SHUT, 0);
    Atomics.notify(this.cells, SHUT);
  }

  /** The writer thread ends at the gate (now, if it is waiting there) without committing. */
  crash(): void {
    Atomics.store(this.cells, CRASH, 1);
    Atomics.notify(this.cells, SHUT);
  }

  /** How many commits have reached the gate so far. */
  get arrivals(): number {
    return Atomics.load(this.cells, ARRIVALS);
  }
}

/** Writer side: counts the arrival, blocks this thread while the gate is shut, ends it on crash(). */
export function passGate(cells: Int32Array): void {
  Atomics.add(cells, ARRIVALS, 1);
  for (;;) {
    // In a worker thread, process.exit ends only that thread.
    if (Atomics.load(cells, CRASH) === 1) process.exit(1);
    if (Atomics.load(cells, SHUT) === 0) return;
    Atomics.wait(cells, SHUT, 1, 1_000);
  }
}
