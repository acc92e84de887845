/**
 * Runs the stepped relay load against one target: the same conversations, senders and receivers
 * at rising offered rates, until the target saturates (delivers less than offered, or cannot
 * drain in time). Shared by the relay scenario (one node) and the cluster scenario (two nodes).
 */
import { Histogram, summarize, type LatencySummary } from '../lib/histogram.js';
import os from 'node:os';
import { cpuSecondsOf, machineBusySeconds, threadTimesOf, type ThreadTimes } from '../lib/processes.js';
import { splitRoundRobin, WorkerPool } from '../load/pool.js';
import type { RelayStepStats } from '../load/types.js';
import type { RelayParams } from '../sizes.js';
import type { LoopLag } from '../servers/probe.js';
import { commitWindow, type CommitWindow, type WorkWindow } from '../ferry/commits.js';
import type { TimeWindow } from '../lib/cpuProfile.js';
import type { RelayConversation } from '../load/types.js';
import type { Target, TargetName } from '../targets/types.js';
import type { SideOutcome } from './sides.js';
import type { BenchContext } from '../types.js';

/** Refined rates are multiples of this (msg/s). */
const REFINE_QUANTUM = 250;
/** A server counts as idle again below this share of a core. */
const SETTLED_CPU = 0.1;
const SETTLE_SAMPLE_MS = 500;
const SETTLE_MAX_MS = 20_000;

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
  /** Ferry: its durable commits during the step and its drain; null for the baseline. */
  commits: CommitWindow | null;
  /** Load generators' CPU use during the step, in cores. */
  loadCpu: number;
  /**
   * Ferry on PostgreSQL: the CPU of the database's processes that serve its nodes while sending, in
   * cores (part of machineCpu, which the baseline does not pay); absent elsewhere.
   */
  databaseCpu?: number;
  /**
   * The servers' threads while sending (summed over nodes; Linux): how long their main threads,
   * runnable, waited for a CPU (ms over the step), and the CPU of every other thread (cores: the
   * SQLite writer and reader, GC helpers, libuv's pool). On a pinned core the two go together.
   */
  threads?: { mainWaitMs: number; otherThreadsCpu: number };
  /** When the step ran, sending and draining, on the monotonic clock in µs (for profiles). */
  window: TimeWindow;
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
  /**
   * The whole machine was busy (>= 90% of every CPU) during the saturating step: on a shared host
   * the server may have been starved by other tenants rather than have reached its own limit.
   */
  crowdedAtSaturation: boolean;
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

export interface SeriesOptions {
  /** false leaves the load generators unpinned (servers are too). */
  pinLoad?: boolean;
  /**
   * Runs a step that saturated while the whole machine was busy once more before the series ends
   * there: on a shared host another tenant's burst says nothing about the server.
   */
  retryCrowded?: boolean;
  /** Runs any saturated step once more (once per rate): the series ends only if it saturates again. */
  retrySaturated?: boolean;
}

/** One target's load: its plan opened by load workers, stepped one offered rate at a time. */
class RelaySession {
  readonly steps: RelayStepResult[] = [];
  readonly discarded: RelayStepResult[] = [];
  /** Set once a step saturated for good: no further rate is offered. */
  done = false;
  private stepId = 0;

  private constructor(
    readonly target: Target,
    private readonly pool: WorkerPool,
    private readonly shares: RelayConversation[][],
    private readonly planSize: number,
    readonly connections: number,
    private readonly p: RelayParams,
    private readonly ctx: BenchContext,
    private readonly opts: SeriesOptions,
  ) {}

  /** Prepares users and rooms, starts the load workers, connects everyone and warms up. */
  static async open(
    target: Target,
    p: RelayParams,
    ctx: BenchContext,
    opts: SeriesOptions,
  ): Promise<RelaySession> {
    const plan = await target.relayPlan({
      conversations: p.conversations,
      sendersPerConversation: p.sendersPerConversation,
      receiversPerConversation: p.receiversPerConversation,
    });
    const pool = await WorkerPool.start(Math.min(loadWorkers(ctx), plan.length), {
      cpus: opts.pinLoad === false ? undefined : ctx.pinning.loadCpus,
      logDir: ctx.logDir,
      tag: `relay-${target.name}`,
    });
    try {
      const shares = splitRoundRobin(plan, pool.size);
      const opened = await pool.all((w) =>
        w.rpc.call<{ connections: number }>('relayOpen', { conversations: shares[w.index] }, 120_000),
      );
      const session = new RelaySession(
        target,
        pool,
        shares,
        plan.length,
        opened.reduce((a, o) => a + o.connections, 0),
        p,
        ctx,
        opts,
      );
      // Warm-up: same load shape at the lowest rate, thrown away (step ids below 0 are never counted).
      await session.callStep(-100, p.rates[0], p.warmupMs);
      return session;
    } catch (e) {
      await pool.stop();
      throw e;
    }
  }

  private callStep(step: number, rate: number, durationMs: number): Promise<RelayStepStats[]> {
    const { p } = this;
    return this.pool.all((w) =>
      w.rpc.call<RelayStepStats>(
        'relayStep',
        {
          step,
          rate: (rate * this.shares[w.index].length) / this.planSize,
          durationMs,
          drainMs: p.drainMs,
          maxOutstanding: p.maxOutstanding,
        },
        durationMs + p.drainMs + 30_000,
      ),
    );
  }

  /** Offers `rate` for one step (twice if it saturated and a retry applies); sets `done` when saturated. */
  async offer(rate: number): Promise<void> {
    for (;;) {
      const step = await this.measure(rate);
      this.steps.push(step);
      const crowded = step.machineCpu >= COMFORTABLE_CPU * CPUS;
      const retry = this.opts.retrySaturated || (this.opts.retryCrowded && crowded);
      if (step.saturated && retry && !this.discarded.some((x) => x.offeredPerSec === rate)) {
        this.ctx.log(`  ${this.target.name}: saturated at ${rate}/s: running that step once more`);
        this.discarded.push(this.steps.pop()!);
        continue;
      }
      if (step.saturated) this.done = true;
      return;
    }
  }

  private async measure(rate: number): Promise<RelayStepResult> {
    const { target, pool, p, ctx } = this;
    // CPU is sampled over the sending window only (not the drain), from /proc.
    const cpu0 = target.servers.map((s) => cpuSecondsOf(s.proc.pid));
    const threads0 = target.servers.map((s) => threadTimesOf(s.proc.pid));
    const load0 = pool.workers.map((w) => cpuSecondsOf(w.proc.pid));
    const busy0 = machineBusySeconds();
    const dbPids = (await target.databasePids?.()) ?? [];
    const db0 = dbPids.map(cpuSecondsOrNaN);
    // Resets each server's event-loop delay monitor: what it reports next covers this step.
    await Promise.all(target.servers.map((s) => s.loopLag()));
    const commits0 = await target.commitCounts?.();
    const t0 = performance.now();
    const fromUs = monotonicUs();
    let serverCpu = NaN;
    let loadCpu = NaN;
    let machineCpu = NaN;
    let databaseCpu = NaN;
    let threads: RelayStepResult['threads'];
    let sampled = false;
    const sample = () => {
      sampled = true;
      const wallS = (performance.now() - t0) / 1000;
      machineCpu = (machineBusySeconds() - busy0) / wallS;
      serverCpu = target.servers.reduce((a, s, k) => a + cpuSecondsOf(s.proc.pid) - cpu0[k], 0) / wallS;
      loadCpu = pool.workers.reduce((a, w, k) => a + cpuSecondsOf(w.proc.pid) - load0[k], 0) / wallS;
      // A backend gone meanwhile (a connection replaced) counts for nothing: a lower bound then.
      databaseCpu = dbPids.reduce((a, pid, k) => a + (cpuSecondsOrNaN(pid) - db0[k]! || 0), 0) / wallS;
      threads = threadsDelta(
        threads0,
        target.servers.map((s) => threadTimesOf(s.proc.pid)),
        wallS,
      );
    };
    const sampler = setTimeout(sample, p.stepMs);
    const parts = await this.callStep(this.stepId++, rate, p.stepMs).finally(() => {
      clearTimeout(sampler);
      // On a busy loop the step's answer can come before the timer fires: sample at its end then.
      if (!sampled) sample();
    });
    const window = { fromUs, toUs: monotonicUs() };
    const lags = await Promise.all(target.servers.map((s) => s.loopLag()));
    const commits1 = await target.commitCounts?.();
    const commits = commits0 && commits1 ? commitWindow(commits0, commits1) : null;
    const step: RelayStepResult = {
      window,
      ...mergeStep(target.servers.length, rate, parts, p.stepMs, { serverCpu, loadCpu, machineCpu }),
      loopLag: {
        p50: Math.max(...lags.map((l) => l.p50)),
        p99: Math.max(...lags.map((l) => l.p99)),
        max: Math.max(...lags.map((l) => l.max)),
      },
      commits,
      ...(dbPids.length > 0 ? { databaseCpu: r2(databaseCpu) } : {}),
      ...(threads ? { threads } : {}),
    };
    ctx.log(
      `  ${target.name}: offered ${rate}/s -> ${step.deliveredPerSec.toFixed(0)} deliveries/s, p99 ${step.latency.p99} ms` +
        `, loop lag p99 ${step.loopLag.p99} ms` +
        (commits ? `, ${describeCommits(commits, window)}` : '') +
        `, CPU: server ${step.serverCpu.toFixed(2)}, load ${step.loadCpu.toFixed(2)}` +
        (step.databaseCpu === undefined ? '' : `, database ${step.databaseCpu.toFixed(2)}`) +
        `, machine ${step.machineCpu.toFixed(2)}` +
        (step.threads
          ? `; main thread waited ${step.threads.mainWaitMs} ms for a CPU, other threads ${step.threads.otherThreadsCpu} cores`
          : '') +
        (step.saturated ? ` (saturated: ${step.saturationReason})` : ''),
    );
    // A median latency far above the lightest step's means a queue is building: not comfortable.
    const first = this.steps[0] ?? this.discarded[0];
    if (first && step.latency.p50 > QUEUEING_FACTOR * first.latency.p50) step.comfortable = false;
    return step;
  }

  /**
   * Offers the midpoint between the highest rate carried and the lowest that saturated (rounded to
   * REFINE_QUANTUM), once the server has gone idle after that saturation; false when nothing is
   * left to narrow (never saturated, nothing carried, or the two rates a quantum apart).
   */
  async refine(): Promise<boolean> {
    const next = refineRate(this.steps);
    if (next === null) return false;
    const { good, bad, mid } = next;
    await this.settle();
    this.ctx.log(
      `  ${this.target.name}: between ${good}/s (carried) and ${bad}/s (saturated): offering ${mid}/s`,
    );
    await this.offer(mid);
    return true;
  }

  /**
   * Waits until the servers use under SETTLED_CPU of a core each (over SETTLE_SAMPLE_MS), at most
   * SETTLE_MAX_MS: what a saturated step left queued (sockets' buffers, a store's backlog) would
   * otherwise run during the next, lower step.
   */
  private async settle(): Promise<void> {
    const { servers } = this.target;
    const deadline = performance.now() + SETTLE_MAX_MS;
    while (performance.now() < deadline) {
      const cpu0 = servers.map((s) => cpuSecondsOf(s.proc.pid));
      await new Promise((resolve) => setTimeout(resolve, SETTLE_SAMPLE_MS));
      const busiest = Math.max(
        ...servers.map((s, k) => (cpuSecondsOf(s.proc.pid) - cpu0[k]!) / (SETTLE_SAMPLE_MS / 1000)),
      );
      if (busiest < SETTLED_CPU) return;
    }
  }

  /** Closes the connections and the workers; the series as measured, its steps by offered rate. */
  async close(): Promise<RelaySeries> {
    await this.pool.all((w) => w.rpc.call('closeAll')).catch(() => undefined);
    await this.pool.stop();
    const { discarded, target } = this;
    // Midpoints (refine) come after the rates above them: in rate order, the first saturated step
    // is the lowest rate that saturated.
    const steps = [...this.steps].sort((a, b) => a.offeredPerSec - b.offeredPerSec);
    const { carried, saturatedAt } = capacityBounds(steps);
    const last = steps.find((x) => x.saturated);
    return {
      target: target.name,
      nodes: target.servers.length,
      connections: this.connections,
      steps,
      ...(discarded.length ? { discardedSteps: discarded } : {}),
      peakDeliveredPerSec: Math.max(0, ...steps.map((x) => x.deliveredPerSec)),
      maxSustainedPerSec: carried,
      saturated: saturatedAt !== null,
      loadBound:
        last !== undefined &&
        // A worker is one Node process: about one core is all it can use.
        last.loadCpu >= COMFORTABLE_CPU * this.pool.size &&
        last.serverCpu < COMFORTABLE_CPU * target.servers.length,
      crowdedAtSaturation: last !== undefined && last.machineCpu >= COMFORTABLE_CPU * CPUS,
    };
  }
}

type RateOutcome = Pick<RelayStepResult, 'offeredPerSec' | 'saturated'>;

/**
 * A side's capacity from its steps, in any order: the highest rate carried below the lowest that
 * saturated it (0 if none), and that lowest (null if none saturated).
 */
export function capacityBounds(steps: readonly RateOutcome[]): {
  carried: number;
  saturatedAt: number | null;
} {
  const saturatedAt = Math.min(...steps.filter((x) => x.saturated).map((x) => x.offeredPerSec));
  const carried = Math.max(
    0,
    ...steps.filter((x) => !x.saturated && x.offeredPerSec < saturatedAt).map((x) => x.offeredPerSec),
  );
  return { carried, saturatedAt: Number.isFinite(saturatedAt) ? saturatedAt : null };
}

/**
 * The rate that halves the gap between capacityBounds' two rates (good, bad), as a multiple of
 * REFINE_QUANTUM; null when none lies strictly between them, nothing saturated, or nothing was
 * carried.
 */
export function refineRate(steps: readonly RateOutcome[]): { good: number; bad: number; mid: number } | null {
  const { carried: good, saturatedAt: bad } = capacityBounds(steps);
  if (bad === null || good === 0) return null;
  const mid = Math.round((good + bad) / 2 / REFINE_QUANTUM) * REFINE_QUANTUM;
  return mid > good && mid < bad ? { good, bad, mid } : null;
}

/** Runs the steps on one target, rising until it saturates. */
export async function runRelaySeries(
  target: Target,
  p: RelayParams,
  ctx: BenchContext,
  opts: SeriesOptions = {},
): Promise<RelaySeries> {
  const session = await RelaySession.open(target, p, ctx, opts);
  try {
    for (const rate of p.rates) {
      if (ctx.signal.aborted || session.done) break;
      await session.offer(rate);
    }
  } catch (e) {
    await session.close().catch(() => undefined);
    throw e;
  }
  return session.close();
}

/** How runRelayPair measures, for the reports. */
export const INTERLEAVED_NOTE =
  'Both servers run at once (each idle while the other is measured) and take every offered rate in turn, the baseline first, ' +
  'so a change in what else this shared machine runs hits both alike; a step that saturates runs once more, and only a second ' +
  'saturated run ends that side (the first is kept in results.json as discardedSteps). Then, in turns again, each side that ' +
  'saturated is offered the midpoint between the highest rate it carried and the lowest that saturated it (a multiple of ' +
  `${REFINE_QUANTUM} msg/s, once its server is idle again), and keeps the half that holds its limit, a few times.`;

/**
 * The baseline and Ferry, both started up front, offered each rate in turn (the baseline, then
 * Ferry), so a slow change in what else the shared machine runs hits both sides alike and their
 * ratio holds; each side stops rising once it saturated. A side that fails keeps its error and
 * the other side goes on.
 */
export async function runRelayPair(
  start: Record<TargetName, () => Promise<Target>>,
  p: RelayParams,
  ctx: BenchContext,
  opts: SeriesOptions = {},
): Promise<Record<TargetName, SideOutcome<RelaySeries>>> {
  const out: Partial<Record<TargetName, SideOutcome<RelaySeries>>> = {};
  const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
  const live: Array<{ name: TargetName; target: Target; session: RelaySession }> = [];
  try {
    for (const name of ['baseline', 'ferry'] as const) {
      let target: Target | undefined;
      try {
        target = await start[name]();
        live.push({ name, target, session: await RelaySession.open(target, p, ctx, opts) });
      } catch (e) {
        out[name] = { error: message(e) };
        await target?.stop().catch(() => undefined);
      }
    }
    for (const rate of p.rates) {
      const running = live.filter((l) => !l.session.done && !out[l.name]);
      if (ctx.signal.aborted || running.length === 0) break;
      for (const l of running)
        await l.session.offer(rate).catch((e: unknown) => (out[l.name] = { error: message(e) }));
    }
    // Each side's capacity narrowed in turn, the two sides interleaved as above.
    let refining = live;
    for (let round = 0; round < (p.refineRounds ?? 0) && !ctx.signal.aborted; round++) {
      const next: typeof live = [];
      for (const l of refining.filter((x) => !out[x.name]))
        if (await l.session.refine().catch((e: unknown) => void (out[l.name] = { error: message(e) })))
          next.push(l);
      refining = next;
    }
  } finally {
    for (const l of live) {
      const series = await l.session.close().catch((e: unknown) => {
        out[l.name] ??= { error: message(e) };
        return undefined;
      });
      if (series && !out[l.name]) out[l.name] = { value: series };
      await l.target.stop().catch(() => undefined);
    }
  }
  return { baseline: out.baseline ?? { error: 'not run' }, ferry: out.ferry ?? { error: 'not run' } };
}
/** The system's monotonic clock in µs, the clock V8's CPU profiles use. */
const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

const r2 = (x: number) => Math.round(x * 100) / 100;

/** cpuSecondsOf, or NaN once the process is gone. */
function cpuSecondsOrNaN(pid: number): number {
  try {
    return cpuSecondsOf(pid);
  } catch {
    return NaN;
  }
}

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
): Omit<RelayStepResult, 'loopLag' | 'window' | 'commits'> {
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

/** The servers' main-thread run-queue wait and other threads' CPU between two readings; undefined without /proc. */
function threadsDelta(
  before: (ThreadTimes | null)[],
  after: (ThreadTimes | null)[],
  wallS: number,
): RelayStepResult['threads'] {
  if (before.some((t) => t === null) || after.some((t) => t === null)) return undefined;
  let waitMs = 0;
  let otherMs = 0;
  after.forEach((t, k) => {
    waitMs += t!.mainWaitMs - before[k]!.mainWaitMs;
    otherMs += t!.otherRunMs - before[k]!.otherRunMs;
  });
  // A thread that ended between the readings takes its time with it: never below zero.
  return {
    mainWaitMs: Math.round(Math.max(0, waitMs)),
    otherThreadsCpu: Math.round((Math.max(0, otherMs) / 1000 / wallS) * 1000) / 1000,
  };
}

/** A step's commits for the log: where their median and 99th percentile fall, and their size. */
function describeCommits(c: CommitWindow, window: TimeWindow): string {
  if (c.commits === 0) return 'no commits';
  const bound = (ms: number | null) => (ms === null ? 'over the last bucket' : `<= ${ms} ms`);
  return (
    `commits ${c.commits} (${c.messagesPerCommit} msgs each) p50 ${bound(c.p50UpToMs)}, p99 ${bound(c.p99UpToMs)}` +
    `, between them ${describeWriterWork(c, window)}`
  );
}

/**
 * The writer's work between commits in a step (SQLite): a batch that arrives meanwhile waits for
 * it, and that wait is not in the commit's time.
 */
export function describeWriterWork(c: CommitWindow, window: TimeWindow): string {
  const work = (what: string, w: WorkWindow) =>
    w.runs === 0
      ? `no ${what}`
      : `${what} ${w.runs}x, p99 <= ${w.p99UpToMs ?? '?'} ms, ${w.totalMs} ms in all`;
  const windowMs = (window.toUs - window.fromUs) / 1000;
  const busy = c.checkpoints.totalMs + c.searchIndexing.totalMs;
  const share =
    windowMs > 0 && busy > 0
      ? ` (${((busy / windowMs) * 100).toFixed(1)}% of the step's ${(windowMs / 1000).toFixed(1)} s)`
      : '';
  return `${work('checkpoints', c.checkpoints)}; ${work('search indexing', c.searchIndexing)}${share}`;
}
