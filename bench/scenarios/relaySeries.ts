/**
 * Runs the stepped relay load against one target: the same conversations, senders and receivers
 * at rising offered rates, until the target saturates (delivers less than offered, or cannot
 * drain in time). Shared by the relay scenario (one node) and the cluster scenario (two nodes).
 */
import { Histogram, summarize, type LatencySummary } from '../lib/histogram.js';
import os from 'node:os';
import { cpuSecondsOf, machineBusySeconds } from '../lib/processes.js';
import { splitRoundRobin, WorkerPool } from '../load/pool.js';
import type { RelayStepStats } from '../load/types.js';
import type { RelayParams } from '../sizes.js';
import type { LoopLag } from '../servers/probe.js';
import type { Target } from '../targets/types.js';
import type { BenchContext } from '../types.js';

export interface RelayStepResult {
  offeredPerSec: number;
  sent: number;
  acked: number;
  ackFailed: number;
  errors: Record<string, number>;
  delivered: number;
  expectedDeliveries: number;
  /** Deliveries to receivers per second, over the step (and its drain, if it ran late). */
  deliveredPerSec: number;
  /** delivered / expected (1 = every receiver got every message). */
  deliveryRatio: number;
  latency: LatencySummary;
  ackLatency: LatencySummary;
  /** Server CPU use while sending, in cores (1 = one core busy), summed over nodes. */
  serverCpu: number;
  /** The whole machine's busy CPUs while sending (servers, load, databases, everything else). */
  machineCpu: number;
  /**
   * Carried comfortably: unsaturated, every server below 90% of a core, the machine below 90% busy,
   * and the median latency within 5x of the lightest step's (no queue building up).
   */
  comfortable: boolean;
  /** How late the server's event loop ran during the step and its drain, ms (worst node). */
  loopLag: LoopLag;
  /** Load generators' CPU use during the step, in cores. */
  loadCpu: number;
  saturated: boolean;
  saturationReason?: string;
}

export interface RelaySeries {
  target: string;
  nodes: number;
  connections: number;
  steps: RelayStepResult[];
  /** Saturated steps run again because the whole machine was busy then (retryCrowded). */
  discardedSteps?: RelayStepResult[];
  peakDeliveredPerSec: number;
  /**
   * Capacity: the highest offered rate carried unsaturated (every step up to it delivered at
   * least 99% with p99 within SATURATION_P99_MS); 0 when the first step saturated.
   */
  maxSustainedPerSec: number;
  /** False when the last offered rate was carried too: the capacity is then only a lower bound. */
  saturated: boolean;
  /**
   * The saturating step had the load generators at the limit of their CPUs while the server was
   * not at its own: the load, not the server, may have been what gave out.
   */
  loadBound: boolean;
}

/** Latency past this p99 (ms) counts as saturated, as delivering less than offered does. */
export const SATURATION_P99_MS = 100;

/** How many load processes: one per load CPU (more would only fight over the same cores). */
function loadWorkers(ctx: BenchContext): number {
  const cpus = ctx.pinning.loadCpus;
  if (!cpus) return 1;
  const m = cpus.match(/^(\d+)-(\d+)$/);
  return m ? Number(m[2]) - Number(m[1]) + 1 : 1;
}

/**
 * Runs the steps; `pinLoad: false` leaves the load generators unpinned (servers are too).
 * `retryCrowded` runs a step that saturated while the whole machine was busy once more before
 * the series ends there: on a shared host another tenant's burst says nothing about the server.
 */
export async function runRelaySeries(
  target: Target,
  p: RelayParams,
  ctx: BenchContext,
  opts: { pinLoad?: boolean; retryCrowded?: boolean } = {},
): Promise<RelaySeries> {
  const loadCpus = opts.pinLoad === false ? undefined : ctx.pinning.loadCpus;
  const plan = await target.relayPlan({
    conversations: p.conversations,
    sendersPerConversation: p.sendersPerConversation,
    receiversPerConversation: p.receiversPerConversation,
  });
  const pool = await WorkerPool.start(Math.min(loadWorkers(ctx), plan.length), {
    cpus: loadCpus,
    logDir: ctx.logDir,
    tag: `relay-${target.name}`,
  });
  try {
    const shares = splitRoundRobin(plan, pool.size);
    const opened = await pool.all((w) =>
      w.rpc.call<{ connections: number }>('relayOpen', { conversations: shares[w.index] }, 120_000),
    );
    // Warm-up: same load shape at the lowest rate, thrown away (step ids below 0 are never counted).
    await pool.all((w) =>
      w.rpc.call<RelayStepStats>(
        'relayStep',
        {
          step: -100,
          rate: (p.rates[0] * shares[w.index].length) / plan.length,
          durationMs: p.warmupMs,
          drainMs: p.drainMs,
          maxOutstanding: p.maxOutstanding,
        },
        p.warmupMs + p.drainMs + 30_000,
      ),
    );
    const steps: RelayStepResult[] = [];
    const discarded: RelayStepResult[] = [];
    let stepId = 0;
    for (let i = 0; i < p.rates.length; i++) {
      const rate = p.rates[i];
      if (ctx.signal.aborted) break;
      // CPU is sampled over the sending window only (not the drain), from /proc.
      const cpu0 = target.servers.map((s) => cpuSecondsOf(s.proc.pid));
      const load0 = pool.workers.map((w) => cpuSecondsOf(w.proc.pid));
      const busy0 = machineBusySeconds();
      // Resets each server's event-loop delay monitor: what it reports next covers this step.
      await Promise.all(target.servers.map((s) => s.loopLag()));
      const t0 = performance.now();
      let serverCpu = NaN;
      let loadCpu = NaN;
      let machineCpu = NaN;
      const sampler = setTimeout(() => {
        const wallS = (performance.now() - t0) / 1000;
        machineCpu = (machineBusySeconds() - busy0) / wallS;
        serverCpu = target.servers.reduce((a, s, k) => a + cpuSecondsOf(s.proc.pid) - cpu0[k], 0) / wallS;
        loadCpu = pool.workers.reduce((a, w, k) => a + cpuSecondsOf(w.proc.pid) - load0[k], 0) / wallS;
      }, p.stepMs);
      const parts = await pool
        .all((w) =>
          w.rpc.call<RelayStepStats>(
            'relayStep',
            {
              step: stepId,
              rate: (rate * shares[w.index].length) / plan.length,
              durationMs: p.stepMs,
              drainMs: p.drainMs,
              maxOutstanding: p.maxOutstanding,
            },
            p.stepMs + p.drainMs + 30_000,
          ),
        )
        .finally(() => clearTimeout(sampler));
      stepId++;
      const lags = await Promise.all(target.servers.map((s) => s.loopLag()));
      const step: RelayStepResult = {
        ...mergeStep(target.servers.length, rate, parts, p.stepMs, { serverCpu, loadCpu, machineCpu }),
        loopLag: {
          p50: Math.max(...lags.map((l) => l.p50)),
          p99: Math.max(...lags.map((l) => l.p99)),
          max: Math.max(...lags.map((l) => l.max)),
        },
      };
      steps.push(step);
      ctx.log(
        `  ${target.name}: offered ${rate}/s -> ${step.deliveredPerSec.toFixed(0)} deliveries/s, p99 ${step.latency.p99} ms` +
          `, loop lag p99 ${step.loopLag.p99} ms, CPU: server ${step.serverCpu.toFixed(2)}, load ${step.loadCpu.toFixed(2)}, machine ${step.machineCpu.toFixed(2)}` +
          (step.saturated ? ` (saturated: ${step.saturationReason})` : ''),
      );
      // A median latency far above the lightest step's means a queue is building: not comfortable.
      if (steps.length > 1 && step.latency.p50 > QUEUEING_FACTOR * steps[0].latency.p50)
        step.comfortable = false;
      const crowded = step.machineCpu >= COMFORTABLE_CPU * CPUS;
      if (
        step.saturated &&
        crowded &&
        opts.retryCrowded &&
        !discarded.some((x) => x.offeredPerSec === rate)
      ) {
        ctx.log(`  ${target.name}: the whole machine was busy during that step: running it once more`);
        discarded.push(steps.pop()!);
        i--;
        continue;
      }
      if (step.saturated) break;
    }
    await pool.all((w) => w.rpc.call('closeAll'));
    const firstSaturated = steps.findIndex((x) => x.saturated);
    const carried = firstSaturated < 0 ? steps : steps.slice(0, firstSaturated);
    const last = steps[firstSaturated];
    return {
      target: target.name,
      nodes: target.servers.length,
      connections: opened.reduce((a, o) => a + o.connections, 0),
      steps,
      ...(discarded.length ? { discardedSteps: discarded } : {}),
      peakDeliveredPerSec: Math.max(0, ...steps.map((s) => s.deliveredPerSec)),
      maxSustainedPerSec: Math.max(0, ...carried.map((x) => x.offeredPerSec)),
      saturated: firstSaturated >= 0,
      loadBound:
        last !== undefined &&
        // A worker is one Node process: about one core is all it can use.
        last.loadCpu >= COMFORTABLE_CPU * pool.size &&
        last.serverCpu < COMFORTABLE_CPU * target.servers.length,
    };
  } finally {
    await pool.stop();
  }
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Above this share of a core per node (or of the whole machine, which PostgreSQL, Redis and the
 * load share with the servers), queues build and latency says more about the queue than the relay.
 */
const COMFORTABLE_CPU = 0.9;
const CPUS = os.availableParallelism();
const QUEUEING_FACTOR = 5;

function mergeStep(
  nodes: number,
  offered: number,
  parts: RelayStepStats[],
  stepMs: number,
  cpu: { serverCpu: number; loadCpu: number; machineCpu: number },
): Omit<RelayStepResult, 'loopLag'> {
  const { serverCpu, loadCpu, machineCpu } = cpu;
  const sum = (f: (s: RelayStepStats) => number) => parts.reduce((a, s) => a + f(s), 0);
  const errors: Record<string, number> = {};
  for (const s of parts) for (const [k, v] of Object.entries(s.errors)) errors[k] = (errors[k] ?? 0) + v;
  const delivered = sum((s) => s.delivered);
  const expected = sum((s) => s.expectedDeliveries);
  const spanMs = Math.max(stepMs, ...parts.map((s) => s.lastDeliveryMs));
  const ackFailed = sum((s) => s.ackFailed);
  const throttled = sum((s) => s.throttled);
  const deliveryRatio = expected > 0 ? delivered / expected : 0;
  const latency = summarize(Histogram.from(...parts.map((s) => s.latency)));
  const reasons = [
    throttled > 0 ? `${throttled} sends held back (too many awaiting acks)` : '',
    ackFailed > 0 ? `${ackFailed} sends refused (${Object.keys(errors).join(', ')})` : '',
    deliveryRatio < 0.99 ? `${(deliveryRatio * 100).toFixed(1)}% delivered` : '',
    latency.p99 > SATURATION_P99_MS ? `p99 ${latency.p99} ms > ${SATURATION_P99_MS} ms` : '',
    parts.some((s) => !s.drainedFully) ? 'did not drain in time' : '',
    spanMs > stepMs * 1.2 ? `deliveries ran ${((spanMs - stepMs) / 1000).toFixed(1)} s late` : '',
  ].filter(Boolean);
  return {
    offeredPerSec: offered,
    sent: sum((s) => s.sent),
    acked: sum((s) => s.acked),
    ackFailed,
    errors,
    delivered,
    expectedDeliveries: expected,
    deliveredPerSec: r2(delivered / (spanMs / 1000)),
    deliveryRatio: Math.round(deliveryRatio * 10_000) / 10_000,
    latency,
    ackLatency: summarize(Histogram.from(...parts.map((s) => s.ackLatency))),
    serverCpu: r2(serverCpu),
    loadCpu: r2(loadCpu),
    saturated: reasons.length > 0,
    machineCpu: r2(machineCpu),
    comfortable:
      reasons.length === 0 && serverCpu / nodes < COMFORTABLE_CPU && machineCpu < COMFORTABLE_CPU * CPUS,
    saturationReason: reasons.join('; ') || undefined,
  };
}
