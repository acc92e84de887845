/**
 * For test files that kill and restart the real server process on one data directory: every
 * process is killed after each test, every data directory removed after the file.
 */
import { rm } from 'node:fs/promises';
import { afterAll, afterEach } from 'vitest';
import { makeTempDir } from './app.js';
import { killAllServerProcesses } from './process.js';

/**
 * Registers the cleanup; `beforeKill` runs first after each test (e.g. closing the clients, so
 * none is left reconnecting to a dead port). `dataDir` makes a directory that outlives restarts.
 */
export function useRestartableServers(beforeKill?: () => void): { dataDir(prefix: string): Promise<string> } {
  const dirs: string[] = [];
  afterEach(async () => {
    beforeKill?.();
    await killAllServerProcesses();
  });
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  return {
    async dataDir(prefix) {
      const dir = await makeTempDir(prefix);
      dirs.push(dir);
      return dir;
    },
  };
}
