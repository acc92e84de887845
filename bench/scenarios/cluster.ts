/**
 * Scenario 4: the relay scenario again on two nodes. Ferry: two server/index.ts processes sharing
 * a fresh PostgreSQL database and Redis (Streams adapter); the baseline: two processes with the
 * same adapter. Senders connect to node 1; receivers alternate between nodes, so half of every
 * delivery crosses Redis.
 */
import path from 'node:path';
import { probePostgresCommit, probeRedisRoundTrip } from '../lib/floorProbes.js';
import type { LatencySummary } from '../lib/histogram.js';
import { createTempDatabase, redisPrefix } from '../lib/services.js';
import { plural } from '../report/format.js';
import { startBaseline } from '../targets/baseline.js';
import { startFerry } from '../targets/ferry.js';
import type { BenchContext, ScenarioOutput } from '../types.js';
import { compareRelay } from './relayCompare.js';
import { INTERLEAVED_NOTE, runRelayPair } from './relaySeries.js';
import { sideErrors } from './sides.js';

export async function clusterScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const p = ctx.params.cluster;
  ctx.log(
    `cluster: ${p.nodes} nodes, ${p.conversations} conversations x (${plural(p.sendersPerConversation, 'sender')} + ${plural(p.receiversPerConversation, 'receiver')})`,
  );
  const db = await createTempDatabase(ctx.postgresUrl);
  const ferryRedis = await redisPrefix(ctx.redisUrl, 'ferry-bench');
  const baseRedis = await redisPrefix(ctx.redisUrl, 'baseline-bench');
  try {
    // The floor of a two-node durable relay, before the relay (nothing of the bench runs yet): one
    // PostgreSQL commit in the database Ferry is about to use, and one Redis round trip.
    const probe = async (name: string, run: () => Promise<LatencySummary>) => {
      try {
        const r = await run();
        ctx.log(`  ${name}: p50 ${r.p50} ms, p99 ${r.p99} ms (${r.n})`);
        return r;
      } catch (e) {
        ctx.log(`  ${name} probe failed: ${(e as Error).message}`);
        return null;
      }
    };
    const pgCommit = await probe('PostgreSQL commit', () => probePostgresCommit(db.url, ctx.params.probeMs));
    const redisRtt = await probe('Redis round trip', () =>
      probeRedisRoundTrip(ctx.redisUrl, ctx.params.probeMs),
    );
    const { ferry, baseline } = await runRelayPair(
      {
        baseline: () =>
          startBaseline({
            logDir: ctx.logDir,
            nodes: p.nodes,
            redisUrl: ctx.redisUrl,
            redisKeyPrefix: baseRedis.prefix,
          }),
        ferry: () =>
          startFerry({
            logDir: ctx.logDir,
            dataDir: path.join(ctx.tmpDir, 'cluster-ferry'),
            nodes: p.nodes,
            databaseUrl: db.url,
            redisUrl: ctx.redisUrl,
            env: { REDIS_KEY_PREFIX: ferryRedis.prefix },
            databasePids: db.backendPids,
          }),
      },
      p,
      ctx,
      { pinLoad: false, retrySaturated: true },
    );
    const floorMs = pgCommit && redisRtt ? Math.round((pgCommit.p99 + redisRtt.p99) * 100) / 100 : null;
    const cmp = compareRelay('cluster', 'Two nodes', ferry.value, baseline.value, true, {
      id: 'commit',
      label: "PostgreSQL's commit p99 + a Redis round trip's p99",
      p99Ms: floorMs,
      detail:
        pgCommit && redisRtt
          ? `BEGIN; INSERT; COMMIT (synchronous_commit on) p50 ${pgCommit.p50} ms, p99 ${pgCommit.p99} ms; ` +
            `Redis PING p50 ${redisRtt.p50} ms, p99 ${redisRtt.p99} ms; each alone for ${ctx.params.probeMs / 1000} s before the relay`
          : 'probe failed',
    });
    return {
      ...cmp,
      notes: [
        `${p.nodes} nodes; ${p.conversations} conversations, each with ${plural(p.sendersPerConversation, 'sender')} (node 1) and ` +
          `${plural(p.receiversPerConversation, 'receiver')} (alternating nodes); ${p.stepMs / 1000} s per offered rate.`,
        'Ferry: PostgreSQL (fresh database, dropped afterwards) + Redis Streams adapter; baseline: the same adapter, no storage. ' +
          'Servers are not pinned here: two nodes, PostgreSQL and Redis share the machine with the load.',
        INTERLEAVED_NOTE,
        ...cmp.notes,
      ],
      errors: sideErrors({ ferry, baseline }),
      data: {
        params: p,
        referenceRate: cmp.referenceRate,
        pgCommit,
        redisRtt,
        ferry: ferry.value ?? null,
        baseline: baseline.value ?? null,
      },
    };
  } finally {
    await Promise.allSettled([db.drop(), ferryRedis.clean(), baseRedis.clean()]);
  }
}
