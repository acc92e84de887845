/** Facts about the machine the bench runs on, and the file limit it needs for many sockets. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** The soft and hard open-file limits of this process, read from /proc (Linux). */
export function fileLimit(pid: number | 'self' = 'self'): { soft: number; hard: number } {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (line?.match(/\d+|unlimited/g) ?? []).map((v) =>
      v === 'unlimited' ? Infinity : Number(v),
    );
    if (soft !== undefined && hard !== undefined) return { soft, hard };
  } catch {
    // Not Linux: fall through to an unknown limit.
  }
  return { soft: NaN, hard: NaN };
}

/**
 * Raises this process's open-file limit (children inherit it) as far as allowed: to `want` when
 * the process may raise its hard limit (CAP_SYS_RESOURCE), else to the hard limit. Returns what
 * is in force afterwards. The same as `ulimit -n` in a wrapper script, without the wrapper.
 */
export function raiseFileLimit(want: number): { soft: number; hard: number } {
  const tryLimit = (n: number) => {
    try {
      execFileSync('prlimit', [`--pid=${process.pid}`, `--nofile=${n}:${n}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  const before = fileLimit();
  if (
    !(before.soft >= want) &&
    !tryLimit(want) &&
    Number.isFinite(before.hard) &&
    before.soft < before.hard
  ) {
    try {
      execFileSync('prlimit', [`--pid=${process.pid}`, `--nofile=${before.hard}:${before.hard}`], {
        stdio: 'ignore',
      });
    } catch {
      // prlimit missing: keep what we have; capacity levels above it are reported as capped.
    }
  }
  return fileLimit();
}

/** CPU pinning plan: the server on one core, load generators on the others (when possible). */
export interface Pinning {
  enabled: boolean;
  serverCpus?: string;
  loadCpus?: string;
  reason: string;
}

/** Pins the server to CPU 0 and the load to the rest, when taskset exists and there are >= 2 CPUs. */
export function planPinning(wanted: boolean): Pinning {
  const n = os.availableParallelism();
  if (!wanted) return { enabled: false, reason: 'disabled (--no-pin)' };
  if (n < 2) return { enabled: false, reason: `only ${n} CPU` };
  if (!existsSync('/usr/bin/taskset') && !existsSync('/bin/taskset'))
    return { enabled: false, reason: 'taskset not found' };
  return {
    enabled: true,
    serverCpus: '0',
    loadCpus: n === 2 ? '1' : `1-${n - 1}`,
    reason: `server on CPU 0, load generators on CPU ${n === 2 ? '1' : `1-${n - 1}`}`,
  };
}

/** A one-line description of the machine for the results. */
export function machineInfo(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpus: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
    scratchFilesystem: `${os.tmpdir()} (${filesystemOf(os.tmpdir())})`,
  };
}

/** Filesystem type of `dir` (e.g. ext4, tmpfs): fsync on tmpfs costs nothing, so it matters. */
export function filesystemOf(dir: string): string {
  try {
    const lines = execFileSync('df', ['-T', dir], { encoding: 'utf8' }).trim().split('\n');
    return lines.at(-1)?.split(/\s+/)[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The checked-out commit, or 'unknown' outside a git work tree. */
export function gitCommit(cwd: string): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    // Tracked files only: an untracked file (a worktree's node_modules link) changes nothing that runs.
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
        cwd,
        encoding: 'utf8',
      }).trim() !== '';
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}
