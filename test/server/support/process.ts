/**
 * Runs the real server entry (compiled, or `node --import tsx server/index.ts`) as a child
 * process, for tests that kill or signal the process (fault, graceful shutdown). The entry logs a
 * JSON line `{"msg":"listening","port":N,...}` once bound; that is how the test finds the port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** tsx compiles on the fly: a cold start takes a few seconds on a busy 2-core machine. */
const START_TIMEOUT_MS = 20_000;

export interface LogLine {
  level?: number;
  msg?: string;
  [key: string]: unknown;
}

/** A spawned server entry, listening or not (see startServerProcess for one that listens). */
export interface SpawnedServer {
  child: ChildProcess;
  /** Every JSON log line so far (stdout). */
  logs: LogLine[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves when the process has exited (at once if it already has). */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits for a log line matching `predicate`. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGKILLs the process if it is still running and waits for it to go. */
  kill(): Promise<void>;
}

export interface ServerProcess extends SpawnedServer {
  port: number;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
}

export interface SpawnOptions {
  dataDir: string;
  /** 0 (default) lets the OS choose; pass the old port to restart on it. */
  port?: number;
  env?: Record<string, string>;
}

const running = new Set<ChildProcess>();

/** Starts `server/index.ts` in a child process and resolves once it listens. */
export async function startServerProcess(options: SpawnOptions): Promise<ServerProcess> {
  const spawned = spawnServerProcess(options);
  const listening = await spawned.waitForLog((l) => l.msg === 'listening' && typeof l.port === 'number');
  const port = listening.port as number;
  return { ...spawned, port, url: `http://127.0.0.1:${port}` };
}

/**
 * The server entry: compiled when FERRY_COMPILED_DIR names the sources compiled (`npm test` builds
 * them first), so each start skips tsx's compiling; else the TypeScript file through tsx.
 */
function serverEntry(): string[] {
  const compiled = process.env.FERRY_COMPILED_DIR;
  return compiled ? [path.join(compiled, 'server/index.js')] : ['--import', 'tsx', 'server/index.ts'];
}

/** Spawns the server entry without waiting for it to listen (e.g. to see it refuse a bad config). */
export function spawnServerProcess(options: SpawnOptions): SpawnedServer {
  const child = spawn(process.execPath, serverEntry(), {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(options.port ?? 0),
      HOST: '127.0.0.1',
      DATA_DIR: options.dataDir,
      LOG_LEVEL: 'info',
      WEB_ROOT: process.env.FERRY_WEB_DIST ?? 'dist/web',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exit = once(child, 'exit').then(([code, signal]) => {
    running.delete(child);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });

  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    try {
      logs.push(JSON.parse(text) as LogLine);
    } catch {
      logs.push({ msg: text });
    }
    for (const wake of waiters) wake();
  });

  const waitForLog = (
    predicate: (line: LogLine) => boolean,
    timeoutMs = START_TIMEOUT_MS,
  ): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = logs.find(predicate);
        if (found) {
          done();
          resolve(found);
          return true;
        }
        return false;
      };
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(wake);
      };
      const wake = (): void => void check();
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for a log line; stderr:\n${stderr}`));
      }, timeoutMs);
      waiters.add(wake);
      if (check()) return;
      void exit.then(({ code, signal }) => {
        if (check()) return;
        done();
        reject(
          new Error(`server exited (code ${code}, signal ${signal}) before the log line; stderr:\n${stderr}`),
        );
      });
    });

  return {
    child,
    logs,
    stderr: () => stderr,
    exited: () => exit,
    waitForLog,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exit;
    },
  };
}

/** SIGKILLs every child this module started that is still running (call in afterEach/afterAll). */
export async function killAllServerProcesses(): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      const gone = once(child, 'exit');
      child.kill('SIGKILL');
      await gone;
    }),
  );
}
