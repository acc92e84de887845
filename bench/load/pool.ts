/** The parent's side of the load workers: start N, call them together, stop them. */
import path from 'node:path';
import { RpcClient } from '../lib/rpc.js';
import { spawnNode, stopProcess, type NodeProcess } from '../lib/processes.js';

export interface LoadWorker {
  index: number;
  proc: NodeProcess;
  rpc: RpcClient;
}

export class WorkerPool {
  private constructor(readonly workers: LoadWorker[]) {}

  /** Starts `n` workers (pinned to `cpus` when given) and waits until each answers. */
  static async start(n: number, opts: { cpus?: string; logDir: string; tag: string }): Promise<WorkerPool> {
    const workers: LoadWorker[] = [];
    for (let index = 0; index < n; index++) {
      const proc = spawnNode({
        script: 'bench/load/worker.ts',
        cpus: opts.cpus,
        ipc: true,
        logFile: path.join(opts.logDir, `worker-${opts.tag}-${index}.log`),
      });
      workers.push({ index, proc, rpc: new RpcClient(proc.child, `load worker ${index}`) });
    }
    const pool = new WorkerPool(workers);
    try {
      await pool.all((w) => w.rpc.call('memory', {}, 30_000));
    } catch (e) {
      await pool.stop();
      throw e;
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs `fn` on every worker at once. */
  all<T>(fn: (w: LoadWorker) => Promise<T>): Promise<T[]> {
    return Promise.all(this.workers.map(fn));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        await w.rpc.call('exit', {}, 2000).catch(() => undefined);
        await stopProcess(w.proc, 2000);
      }),
    );
  }
}

/** Splits `items` over `n` buckets round-robin. */
export function splitRoundRobin<T>(items: T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: n }, () => []);
  items.forEach((item, i) => out[i % n].push(item));
  return out;
}
