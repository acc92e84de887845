/** Starting and stopping the child processes the bench runs (servers and load workers). */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { REPO_ROOT } from './paths.js';

export interface NodeProcess {
  child: ChildProcess;
  pid: number;
  /** stdout and stderr of the child go here; its tail is shown when the child fails. */
  logFile: string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
}

export interface SpawnNodeOptions {
  /** Script path relative to the repository root (TypeScript runs through tsx). */
  script: string;
  env?: NodeJS.ProcessEnv;
  /** taskset CPU list, e.g. "0"; undefined runs unpinned. */
  cpus?: string;
  /** Extra node flags (after `--import tsx`, before the script). */
  nodeArgs?: string[];
  /** Arguments after the script. */
  args?: string[];
  /** Load TypeScript through tsx (default true; plain JS entries may skip it). */
  tsx?: boolean;
  /** Adds an IPC channel (process.send / 'message'). */
  ipc?: boolean;
  logFile: string;
}

/** Spawns `node --import tsx <script> [args]` from the repository root, optionally pinned with taskset. */
export function spawnNode(opts: SpawnNodeOptions): NodeProcess {
  const nodeArgv = [
    ...(opts.tsx === false ? [] : ['--import', 'tsx']),
    ...(opts.nodeArgs ?? []),
    opts.script,
    ...(opts.args ?? []),
  ];
  const [cmd, args] = opts.cpus
    ? ['taskset', ['-c', opts.cpus, process.execPath, ...nodeArgv]]
    : [process.execPath, nodeArgv];
  const out = openSync(opts.logFile, 'a');
  // What `npm run bench` runs, also from npm test's smoke tests: the sources through tsx, never the
  // tests' compiled shortcut (whose threads would inherit tsx-only --import flags).
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  delete env.FERRY_COMPILED_DIR;
  const child = spawn(cmd, args, {
    cwd: REPO_ROOT,
    env,
    stdio: opts.ipc ? ['ignore', out, out, 'ipc'] : ['ignore', out, out],
  });
  closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${opts.script}`);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const proc = { child, pid: child.pid, logFile: opts.logFile, exited };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** Every child this process started and that has not exited yet. */
const running = new Set<NodeProcess>();

/** Kills (SIGKILL) every child the bench started that is still running: the last-resort cleanup. */
export function killStragglers(): number {
  let n = 0;
  for (const p of running) {
    if (p.child.kill('SIGKILL')) n++;
  }
  return n;
}

/** The last lines of a child's log, for error messages. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Asks the OS for a free TCP port on loopback (for servers whose entry needs a fixed PORT). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200, the process exits, or `timeoutMs` passes. */
export async function waitForHttp(url: string, proc: NodeProcess, timeoutMs: number): Promise<void> {
  let exit: number | string | undefined;
  void proc.exited.then((c) => (exit = c));
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (exit !== undefined)
      throw new Error(`process exited (${exit}) before ${url} answered:\n${logTail(proc.logFile)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${last}):\n${logTail(proc.logFile)}`);
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopProcess(proc: NodeProcess, graceMs = 5000): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resident set size of a process in bytes, from /proc (Linux). */
export function rssOf(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLOCK_TICKS;
}
/** A process's threads' time so far, in ms, from /proc/<pid>/task/<tid>/schedstat (Linux). */
export interface ThreadTimes {
  /** The main thread (tid = pid): time on a CPU, and time runnable but waiting for one. */
  mainRunMs: number;
  mainWaitMs: number;
  /** Every other thread's time on a CPU (workers, GC helpers, libuv's pool). */
  otherRunMs: number;
}

/** The threads' times of `pid`, or null where /proc has no schedstat (not Linux, process gone). */
export function threadTimesOf(pid: number): ThreadTimes | null {
  try {
    const times: ThreadTimes = { mainRunMs: 0, mainWaitMs: 0, otherRunMs: 0 };
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      let fields: string[];
      try {
        fields = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/);
      } catch {
        continue; // a thread that ended since the listing
      }
      // schedstat: ns on a CPU, ns waiting on a run queue, timeslices run.
      const runMs = Number(fields[0]) / 1e6;
      if (Number(tid) === pid) {
        times.mainRunMs = runMs;
        times.mainWaitMs = Number(fields[1]) / 1e6;
      } else times.otherRunMs += runMs;
    }
    return times;
  } catch {
    return null;
  }
}

/** CPU seconds the whole machine has been busy (all CPUs, not idle or waiting on I/O), from /proc/stat. */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = f[3] + f[4];
  return (total - idle) / CLOCK_TICKS;
}

/** Linux's USER_HZ is 100 on every architecture Node runs on. */
const CLOCK_TICKS = 100;
