/** Starts and stops the noisy-disk neighbour (diskNoise.ts) from the bench. */
import path from 'node:path';
import { spawnNode, stopProcess } from '../lib/processes.js';
import { RpcClient } from '../lib/rpc.js';
import type { NoiseStats } from './diskNoise.js';

export interface DiskNoise {
  /** fdatasync times since the previous take (or the start). */
  take(): Promise<NoiseStats>;
  /** Ends the loop, removes its file, and waits for the process to exit. */
  stop(): Promise<void>;
}

/**
 * Starts the neighbour writing into `dir` (the filesystem under test), on `cpus` if given, in
 * blocks of `blockBytes` (default 256 KiB; the fdatasync probe uses 4 KiB).
 */
export function startDiskNoise(opts: {
  dir: string;
  logDir: string;
  cpus?: string;
  blockBytes?: number;
}): DiskNoise {
  const proc = spawnNode({
    script: 'bench/load/diskNoise.ts',
    args: [path.join(opts.dir, 'noise.bin'), ...(opts.blockBytes ? [String(opts.blockBytes)] : [])],
    cpus: opts.cpus,
    ipc: true,
    logFile: path.join(opts.logDir, 'disk-noise.log'),
  });
  const rpc = new RpcClient(proc.child, 'disk noise');
  return {
    take: () => rpc.call<NoiseStats>('take', {}, 30_000),
    async stop() {
      await rpc.call('stop', {}, 30_000).catch(() => undefined);
      await stopProcess(proc, 5_000);
    },
  };
}
