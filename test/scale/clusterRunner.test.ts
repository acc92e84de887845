/**
 * server/cluster.ts: N nodes on one machine, node i on PORT + i, a dead node started again,
 * and one SIGTERM stopping them all.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../server/support/app.js';

import { freshSchema } from './support/postgres.js';
import { REDIS_URL, deleteRedisPrefix, freePort, uniqueRedisPrefix } from './support/redis.js';
import { waitUntil } from '../support/wait.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A port p with p + 1 free as well. */
async function twoFreePorts(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const p = await freePort();
    const probe = createServer();
    const free = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false));
      probe.listen(p + 1, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      probe.close();
      await once(probe, 'close');
      return p;
    }
  }
  throw new Error('no two consecutive free ports');
}

const healthy = async (port: number): Promise<boolean> => {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200;
  } catch {
    return false;
  }
};

/** Process ids of the runner's node processes: its children (by parent id) running the entry. */
const childrenOf = (pid: number): number[] => {
  let pids: number[];
  try {
    pids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
  // tsx also runs an esbuild helper as a child: keep only the nodes.
  return pids.filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('server/index');
    } catch {
      return false;
    }
  });
};

describe('cluster runner', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  it('runs one node per port, restarts a node that dies, and stops them all on SIGTERM', async () => {
    const db = await freshSchema();
    cleanups.push(db.drop);
    const prefix = uniqueRedisPrefix();
    cleanups.push(() => deleteRedisPrefix(REDIS_URL, prefix));
    const dataDir = await makeTempDir('ferry-cluster-');
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = await twoFreePorts();

    const runner = spawn(process.execPath, ['--import', 'tsx', 'server/cluster.ts'], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        WORKERS: '2',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        DATABASE_URL: db.url,
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    runner.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(runner, 'exit');
    cleanups.push(async () => {
      if (runner.exitCode !== null || runner.signalCode !== null) return;
      for (const pid of childrenOf(runner.pid!)) process.kill(pid, 'SIGKILL');
      runner.kill('SIGKILL');
      await exited;
    });

    const both = async () => (await healthy(port)) && (await healthy(port + 1));
    await waitUntil(`both nodes to answer /healthz; stderr:\n${stderr}`, both, { timeoutMs: 40_000 });
    const before = childrenOf(runner.pid!);
    expect(before).toHaveLength(2);

    process.kill(before[0]!, 'SIGKILL');
    await waitUntil(
      'the killed node to be started again',
      async () => {
        const now = childrenOf(runner.pid!);
        return now.length === 2 && !now.includes(before[0]!) && (await both());
      },
      { timeoutMs: 40_000 },
    );

    runner.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(await healthy(port)).toBe(false);
    expect(await healthy(port + 1)).toBe(false);
  });
});
