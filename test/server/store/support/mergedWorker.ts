/**
 * A worker thread serving a merged op the way the SQLite writer does, whose work after each run
 * is idle work that ends once `waiting()` says a request has come (serveRequests.test.ts).
 */
import { serveRequests } from '../../../../server/store/sqlite/serveRequests.js';

/** How the last run's idle work ended: 'yielded' once it saw a request, or 'gave up'. */
let lastIdleWork = 'none';

serveRequests({ lastIdleWork: () => lastIdleWork }, () => undefined, {
  op: 'commit',
  run: (argsList: number[]) => argsList.map((n) => n * 2),
  size: () => 1,
  maxSize: 100,
  afterRun: (idle, waiting) => {
    if (!idle) return;
    // Idle work that would run for 10 s unless a request comes: it looks for one as it goes.
    const until = Date.now() + 10_000;
    lastIdleWork = 'gave up';
    while (Date.now() < until)
      if (waiting()) {
        lastIdleWork = 'yielded';
        return;
      }
  },
});
