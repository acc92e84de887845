/**
 * Scenario 3, capacity: idle connections at rising levels (cumulative, in one server process);
 * server RSS growth per connection after a full GC, Ferry against the baseline. Clients are
 * spread over several processes so none needs more files than its limit allows.
 */
import path from 'node:path';
import { sleep } from '../lib/processes.js';
import { WorkerPool } from '../load/pool.js';
import type { IdleOpenResult } from '../load/types.js';
import { startBaseline } from '../targets/baseline.js';
import { startFerry } from '../targets/ferry.js';
import type { Target } from '../targets/types.js';
import { ratio, type BenchContext, type Row, type ScenarioOutput } from '../types.js';
import { onTarget, sideErrors } from './sides.js';

export interface CapacityLevel {
  connections: number;
  /** Server RSS after a full GC, bytes. */
  rss: number;
  /** (rss - rss before any connection) / connections, bytes. */
  rssPerConnection: number;
  heapPerConnection: number;
  connectSeconds: number;
}

export interface CapacityResult {
  baseRss: number;
  levels: CapacityLevel[];
}

/** Files a server needs besides its sockets (store, logs, libraries, listening socket, slack). */
const FD_RESERVE = 256;

/** The levels to run: each at most what the file limit allows (the rest are capped, and said so). */
export function plannedLevels(levels: number[], fileLimit: number): { levels: number[]; capped: string[] } {
  const max = Number.isFinite(fileLimit) ? Math.floor((fileLimit - FD_RESERVE) / 1000) * 1000 : Infinity;
  const out: number[] = [];
  const capped: string[] = [];
  for (const l of levels) {
    const v = Math.min(l, max);
    if (v < l) capped.push(`${l} -> ${v}`);
    if (v > 0 && !out.includes(v)) out.push(v);
  }
  return { levels: out, capped };
}

async function runCapacity(t: Target, levels: number[], ctx: BenchContext): Promise<CapacityResult> {
  const p = ctx.params.capacity;
  const max = Math.max(...levels);
  const idle = await t.idlePlan(p.users);
  const pool = await WorkerPool.start(Math.max(1, Math.ceil(max / p.connectionsPerWorker)), {
    logDir: ctx.logDir,
    tag: `capacity-${t.name}`,
  });
  const server = t.servers[0];
  try {
    // Warm up: the first connections load and compile code paths that are not per-connection.
    const warm = Math.min(50, levels[0]);
    await openIdle(pool, idle, warm, p.concurrency);
    await pool.all((w) => w.rpc.call('closeAll'));
    await sleep(500);
    const base = await server.probe();
    const result: CapacityResult = { baseRss: base.rss, levels: [] };
    let open = 0;
    for (const level of levels) {
      if (ctx.signal.aborted) break;
      const t0 = Date.now();
      const opened = await openIdle(pool, idle, level - open, p.concurrency);
      open += opened;
      const connectSeconds = (Date.now() - t0) / 1000;
      await sleep(Math.min(3000, 200 + level / 10));
      const alive = (await pool.all((w) => w.rpc.call<number>('idleCount'))).reduce((a, b) => a + b, 0);
      if (alive < level) throw new Error(`only ${alive} of ${level} idle connections stayed open`);
      const m = await server.probe();
      const lvl: CapacityLevel = {
        connections: level,
        rss: m.rss,
        rssPerConnection: Math.round((m.rss - base.rss) / level),
        heapPerConnection: Math.round((m.heapUsed - base.heapUsed) / level),
        connectSeconds: Math.round(connectSeconds * 10) / 10,
      };
      result.levels.push(lvl);
      ctx.log(
        `  ${t.name}: ${level} idle connections, RSS ${(m.rss / 2 ** 20).toFixed(1)} MiB, ` +
          `${(lvl.rssPerConnection / 1024).toFixed(1)} KiB per connection (opened in ${lvl.connectSeconds} s)`,
      );
    }
    await pool.all((w) => w.rpc.call('closeAll', {}, 120_000));
    return result;
  } finally {
    await pool.stop();
  }
}

/** Opens `n` more idle connections, split over the workers; returns how many opened. */
async function openIdle(
  pool: WorkerPool,
  idle: Awaited<ReturnType<Target['idlePlan']>>,
  n: number,
  concurrency: number,
): Promise<number> {
  const per = Math.floor(n / pool.size);
  const results = await pool.all((w) =>
    w.rpc.call<IdleOpenResult>(
      'idleOpen',
      {
        url: idle.url,
        headers: idle.headers,
        joinRooms: idle.joinRooms,
        count: per + (w.index < n - per * pool.size ? 1 : 0),
        concurrency,
      },
      300_000,
    ),
  );
  const failed = results.reduce((a, r) => a + r.failed, 0);
  if (failed > 0)
    throw new Error(`${failed} of ${n} connections failed: ${results.find((r) => r.firstError)?.firstError}`);
  return results.reduce((a, r) => a + r.opened, 0);
}

export async function capacityScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const p = ctx.params.capacity;
  const { levels, capped } = plannedLevels(p.levels, ctx.fileLimit);
  ctx.log(`capacity: ${levels.join(', ')} idle connections`);
  const baseline = await onTarget(
    () => startBaseline({ logDir: ctx.logDir }),
    (t) => runCapacity(t, levels, ctx),
  );
  const ferry = await onTarget(
    () => startFerry({ logDir: ctx.logDir, dataDir: path.join(ctx.tmpDir, 'capacity-ferry') }),
    (t) => runCapacity(t, levels, ctx),
  );
  const kib = (b: number | undefined) => (b === undefined ? null : Math.round((b / 1024) * 10) / 10);
  const at = (r: CapacityResult | undefined, n: number) => r?.levels.find((l) => l.connections === n);
  const rows: Row[] = levels.map((n) => {
    const f = kib(at(ferry.value, n)?.rssPerConnection);
    const b = kib(at(baseline.value, n)?.rssPerConnection);
    return {
      scenario: 'capacity',
      metric: `RSS per idle connection @ ${n}`,
      unit: 'KiB',
      ferry: f,
      baseline: b,
      ratio: ratio(f, b),
    };
  });
  const top = ferry.value?.levels.at(-1);
  const topKiB = kib(top?.rssPerConnection);
  const notes = [
    `Connections are WebSocket-only socket.io clients in ${Math.ceil(Math.max(...levels) / p.connectionsPerWorker)} processes; ` +
      `Ferry's belong to ${p.users} users in rooms of up to 10; the baseline's join one of ${p.users} rooms.`,
    'Per connection = (server RSS after a full GC at the level - RSS after warm-up with no connection) / connections.',
  ];
  if (capped.length)
    notes.push(
      `Levels capped by the open-file limit of ${ctx.fileLimit} (hard limit; raising it needs CAP_SYS_RESOURCE ` +
        `or a higher \`ulimit -Hn\`): ${capped.join(', ')}.`,
    );
  return {
    rows,
    goals: [
      {
        id: 'capacity-memory',
        scenario: 'capacity',
        label: 'Capacity: server memory per idle connection',
        target: '<= 20 KB',
        actual: top ? Math.round((top.rssPerConnection / 1000) * 10) / 10 : null,
        unit: 'KB',
        pass: top ? top.rssPerConnection <= 20_000 : null,
        note: top ? `at ${top.connections} connections (${topKiB} KiB)` : undefined,
      },
    ],
    charts: [
      {
        title: 'Capacity: server RSS per idle connection',
        unit: 'KiB',
        groups: levels.map((n) => ({
          label: `${n}`,
          ferry: kib(at(ferry.value, n)?.rssPerConnection),
          baseline: kib(at(baseline.value, n)?.rssPerConnection),
        })),
        goal: { value: 20_000 / 1024, label: 'goal 20 KB' },
      },
    ],
    notes,
    errors: sideErrors({ ferry, baseline }),
    data: { params: p, levels, capped, ferry: ferry.value ?? null, baseline: baseline.value ?? null },
  };
}
