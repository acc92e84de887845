/**
 * Several Ferry nodes on one machine: one process per core (WORKERS, default: the core count),
 * node i on port PORT + i, all sharing DATABASE_URL and REDIS_URL. A proxy in front spreads
 * clients over the ports with sticky sessions (deploy/nginx.conf; long-polling needs them).
 * Separate ports instead of node:cluster's shared port, because socket.io long-polling needs
 * every request of a session to reach the same process, which a shared port cannot promise
 * without @socket.io/sticky (docs/scaling.md, "Several cores on one machine").
 *
 * A node that dies is started again after a pause; SIGTERM/SIGINT stop every node gracefully.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname, availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './ops/logger.js';

/** The entry next to this file (index.ts under tsx, index.js when compiled). */
const ENTRY = fileURLToPath(
  new URL(`./index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
);
const RESTART_DELAY_MS = 1_000;

function workerCount(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new ConfigError([`WORKERS=${JSON.stringify(raw)}: must be a whole number from 1 to 256`]);
  }
  return n;
}

function main(): void {
  let config;
  let workers: number;
  try {
    config = loadConfig(process.env);
    workers = workerCount(process.env.WORKERS);
    if (workers > 1 && !config.redisUrl) {
      throw new ConfigError(['REDIS_URL: must be set to run more than one node (WORKERS > 1)']);
    }
    if (config.port === 0) throw new ConfigError(['PORT: must be a fixed port (node i listens on PORT + i)']);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`Ferry cluster cannot start. ${err.message}`);
    process.exit(1);
  }
  const logger = createLogger({ level: config.logLevel, nodeId: `${hostname()}:cluster` });
  if (!config.databaseUrl) {
    logger.warn('DATABASE_URL is not set: all nodes share one SQLite file; PostgreSQL is recommended');
  }

  const children = new Map<number, ChildProcess>();
  let stopping = false;

  const start = (i: number): void => {
    const port = config.port + i;
    const child = spawn(process.execPath, [...process.execArgv, ENTRY], {
      env: { ...process.env, PORT: String(port), NODE_ID: `${hostname()}:${port}` },
      stdio: 'inherit',
    });
    children.set(i, child);
    child.on('exit', (code, signal) => {
      children.delete(i);
      if (stopping) {
        if (children.size === 0) process.exit(0);
        return;
      }
      logger.error({ port, code, signal }, `node on port ${port} exited: starting it again`);
      setTimeout(() => start(i), RESTART_DELAY_MS).unref();
    });
  };

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, nodes: children.size }, 'stopping every node');
    if (children.size === 0) process.exit(0);
    for (const child of children.values()) child.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  logger.info({ workers, ports: `${config.port}-${config.port + workers - 1}` }, 'starting nodes');
  for (let i = 0; i < workers; i++) start(i);
}

main();
