/** A server under test, run as its own process so its RSS and CPU time are its alone. */
import path from 'node:path';
import { RpcClient } from '../lib/rpc.js';
import { freePort, spawnNode, stopProcess, waitForHttp, type NodeProcess } from '../lib/processes.js';
import { repoPath } from '../lib/paths.js';
import type { LoopLag, ProbeResult } from './probe.js';

export interface ServerHandle {
  name: string;
  url: string;
  port: number;
  proc: NodeProcess;
  /** Memory (after a full GC unless gc=false) and CPU time, measured inside the server process. */
  probe(gc?: boolean): Promise<ProbeResult>;
  /** How late the server's event loop ran since the previous call (resets it). */
  loopLag(): Promise<LoopLag>;
  stop(): Promise<void>;
}

export interface StartServerOptions {
  name: string;
  /** Entry script relative to the repository root. */
  script: string;
  env: NodeJS.ProcessEnv;
  /** taskset CPU list, or undefined for unpinned. */
  cpus?: string;
  /** Directory for the process's log. */
  logDir: string;
  /** Reuse a port (restarts); default: a free one. */
  port?: number;
  startTimeoutMs?: number;
  /** Extra node flags, e.g. --cpu-prof (after the probe). */
  nodeArgs?: string[];
}

/** Starts a server entry with the bench's probe preloaded and waits until /healthz answers. */
export async function startServer(opts: StartServerOptions): Promise<ServerHandle> {
  const port = opts.port ?? (await freePort());
  const proc = spawnNode({
    script: opts.script,
    nodeArgs: ['--expose-gc', '--import', repoPath('bench/servers/probe.ts'), ...(opts.nodeArgs ?? [])],
    env: { ...opts.env, PORT: String(port), HOST: '127.0.0.1' },
    cpus: opts.cpus,
    ipc: true,
    logFile: path.join(opts.logDir, `${opts.name}-${port}.log`),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/healthz`, proc, opts.startTimeoutMs ?? 30_000);
  } catch (e) {
    await stopProcess(proc, 1000);
    throw e;
  }
  const rpc = new RpcClient(proc.child, opts.name);
  return {
    name: opts.name,
    url,
    port,
    proc,
    probe: (gc = true) => rpc.call<ProbeResult>('probe', { gc }, 30_000),
    loopLag: () => rpc.call<LoopLag>('loopLag', {}, 30_000),
    stop: () => stopProcess(proc),
  };
}
