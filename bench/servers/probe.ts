/**
 * Preloaded into every server process the bench starts (`node --expose-gc --import tsx --import
 * probe.ts entry.ts`): answers "probe" over IPC with memory after a full GC and CPU time, and
 * "loopLag" with how late the server's event loop ran since the previous call, so Ferry and the
 * baseline are measured the same way without either knowing about the bench.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
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

/** Event-loop delay in ms since the previous loopLag call (the sampling interval subtracted). */
export interface LoopLag {
  p50: number;
  p99: number;
  max: number;
}

/** Sampling interval of the event-loop delay monitor, ms. */
const LAG_RESOLUTION_MS = 5;

const gc = (globalThis as { gc?: () => void }).gc;

if (process.send) {
  const delay = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  delay.enable();
  const lagMs = (ns: number) => Math.round(Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS) * 100) / 100;
  serveRpc(
    {
      loopLag: (): LoopLag => {
        const lag =
          delay.count > 0
            ? { p50: lagMs(delay.percentile(50)), p99: lagMs(delay.percentile(99)), max: lagMs(delay.max) }
            : { p50: 0, p99: 0, max: 0 };
        delay.reset();
        return lag;
      },
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
