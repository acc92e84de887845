/**
 * Scenario 2, durable sends: closed-loop senders (each keeps a window of sends in flight) for a
 * fixed time; acknowledged sends per second and per server CPU-second. Ferry acks only after its
 * group commit; the baseline acks at once. With pinning the server has exactly one core, so its
 * acks/s is its per-core rate.
 */
import path from 'node:path';
import { Histogram, summarize, type LatencySummary } from '../lib/histogram.js';
import { cpuSecondsOf } from '../lib/processes.js';
import { splitRoundRobin, WorkerPool } from '../load/pool.js';
import type { DurableStats } from '../load/types.js';
import { startBaseline } from '../targets/baseline.js';
import { startFerry } from '../targets/ferry.js';
import type { Target } from '../targets/types.js';
import { rowMaker, type BenchContext, type ScenarioOutput } from '../types.js';
import { onTarget, sideErrors } from './sides.js';

export interface DurableResult {
  senders: number;
  window: number;
  acked: number;
  ackFailed: number;
  errors: Record<string, number>;
  acksPerSec: number;
  /** Acks per CPU-second the server used: its throughput per core, pinned or not. */
  acksPerCpuSecond: number;
  serverCpu: number;
  ackLatency: LatencySummary;
}

async function runDurable(t: Target, ctx: BenchContext): Promise<DurableResult> {
  const p = ctx.params.durable;
  const plan = await t.relayPlan({
    conversations: p.conversations,
    sendersPerConversation: 1,
    receiversPerConversation: 0,
  });
  const pool = await WorkerPool.start(1, {
    cpus: ctx.pinning.loadCpus,
    logDir: ctx.logDir,
    tag: `durable-${t.name}`,
  });
  try {
    const shares = splitRoundRobin(plan, pool.size);
    await pool.all((w) => w.rpc.call('relayOpen', { conversations: shares[w.index] }, 120_000));
    const pid = t.servers[0].proc.pid;
    const cpu0 = cpuSecondsOf(pid);
    const parts = await pool.all((w) =>
      w.rpc.call<DurableStats>(
        'durable',
        { durationMs: p.durationMs, window: p.window, drainMs: p.drainMs },
        p.durationMs + p.drainMs + 30_000,
      ),
    );
    const cpu = cpuSecondsOf(pid) - cpu0;
    const seconds = Math.max(...parts.map((x) => x.durationMs)) / 1000;
    const acked = parts.reduce((a, x) => a + x.acked, 0);
    const errors: Record<string, number> = {};
    for (const x of parts) for (const [k, v] of Object.entries(x.errors)) errors[k] = (errors[k] ?? 0) + v;
    await pool.all((w) => w.rpc.call('closeAll'));
    const r = {
      senders: plan.length,
      window: p.window,
      acked,
      ackFailed: parts.reduce((a, x) => a + x.ackFailed, 0),
      errors,
      acksPerSec: Math.round(acked / seconds),
      acksPerCpuSecond: cpu > 0 ? Math.round(acked / cpu) : 0,
      serverCpu: Math.round((cpu / seconds) * 100) / 100,
      ackLatency: summarize(Histogram.from(...parts.map((x) => x.ackLatency))),
    };
    ctx.log(
      `  ${t.name}: ${r.acksPerSec} acks/s, ${r.acksPerCpuSecond} acks per server CPU-second, ack p99 ${r.ackLatency.p99} ms`,
    );
    if (r.ackFailed > 0) throw new Error(`${r.ackFailed} sends were refused: ${JSON.stringify(errors)}`);
    return r;
  } finally {
    await pool.stop();
  }
}

export async function durableScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const p = ctx.params.durable;
  ctx.log(`durable: ${p.conversations} senders, ${p.window} in flight each, ${p.durationMs / 1000} s`);
  const cpus = ctx.pinning.serverCpus;
  const baseline = await onTarget(
    () => startBaseline({ logDir: ctx.logDir, cpus }),
    (t) => runDurable(t, ctx),
  );
  const ferry = await onTarget(
    () => startFerry({ logDir: ctx.logDir, dataDir: path.join(ctx.tmpDir, 'durable-ferry'), cpus }),
    (t) => runDurable(t, ctx),
  );
  const f = ferry.value;
  const b = baseline.value;
  const row = rowMaker('durable');
  return {
    rows: [
      row('acked sends/s', 'acks/s', f?.acksPerSec ?? null, b?.acksPerSec ?? null),
      row(
        'acked sends per server CPU-second',
        'acks/core-s',
        f?.acksPerCpuSecond ?? null,
        b?.acksPerCpuSecond ?? null,
      ),
      row('ack latency p50', 'ms', f?.ackLatency.p50 ?? null, b?.ackLatency.p50 ?? null),
      row('ack latency p99', 'ms', f?.ackLatency.p99 ?? null, b?.ackLatency.p99 ?? null),
    ],
    goals: [],
    charts: [
      {
        title: 'Durable sends: acks per server CPU-second',
        unit: 'acks/core-s',
        groups: [
          {
            label: 'acks per core',
            ferry: f?.acksPerCpuSecond ?? null,
            baseline: b?.acksPerCpuSecond ?? null,
          },
        ],
      },
    ],
    notes: [
      `${p.conversations} senders (one per conversation), each keeping ${p.window} sends in flight, for ${p.durationMs / 1000} s.`,
      ctx.pinning.enabled
        ? 'The server was pinned to one core, so acks/s is also its per-core rate.'
        : 'The server was not pinned; "per server CPU-second" is the per-core rate.',
      'Ferry: SQLite WAL, group commit; each ack waits for its commit. Baseline: acks at once, stores nothing.',
    ],
    errors: sideErrors({ ferry, baseline }),
    data: { params: p, ferry: f ?? null, baseline: b ?? null },
  };
}
