/**
 * Preloaded into every server process the bench starts (`node --expose-gc --import tsx --import
 * probe.ts entry.ts`): answers "probe" over IPC with memory after a full GC and CPU time, so Ferry
 * and the baseline are measured the same way without either knowing about the bench.
 */
import { serveRpc } from '../lib/rpc.js';

/** What a probe returns. Bytes and microseconds, as process.memoryUsage / cpuUsage give them. */
export interface ProbeResult {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  cpuUserUs: number;
  cpuSystemUs: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

if (process.send) {
  serveRpc(
    {
      probe: (params: { gc?: boolean }): ProbeResult => {
        // Two passes: the first may only queue finalizers (e.g. closed sockets' buffers).
        if (params.gc !== false && gc) {
          gc();
          gc();
        }
        const m = process.memoryUsage();
        const c = process.cpuUsage();
        return {
          rss: m.rss,
          heapUsed: m.heapUsed,
          external: m.external,
          arrayBuffers: m.arrayBuffers,
          cpuUserUs: c.user,
          cpuSystemUs: c.system,
        };
      },
    },
    // The server must still exit by itself on SIGTERM; the channel must not hold it open.
    { unref: true },
  );
}
