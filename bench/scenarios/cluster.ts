/**
 * Scenario 4: the relay scenario again on two nodes. Ferry: two server/index.ts processes sharing
 * a fresh PostgreSQL database and Redis (Streams adapter); the baseline: two processes with the
 * same adapter. Senders connect to node 1; receivers alternate between nodes, so half of every
 * delivery crosses Redis.
 */
import path from 'node:path';
import { createTempDatabase, redisPrefix } from '../lib/services.js';
import { plural } from '../report/format.js';
import { startBaseline } from '../targets/baseline.js';
import { startFerry } from '../targets/ferry.js';
import type { BenchContext, ScenarioOutput } from '../types.js';
import { compareRelay } from './relayCompare.js';
import { runRelaySeries } from './relaySeries.js';
import { onTarget, sideErrors } from './sides.js';

export async function clusterScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const p = ctx.params.cluster;
  ctx.log(
    `cluster: ${p.nodes} nodes, ${p.conversations} conversations x (${plural(p.sendersPerConversation, 'sender')} + ${plural(p.receiversPerConversation, 'receiver')})`,
  );
  const db = await createTempDatabase(ctx.postgresUrl);
  const ferryRedis = await redisPrefix(ctx.redisUrl, 'ferry-bench');
  const baseRedis = await redisPrefix(ctx.redisUrl, 'baseline-bench');
  try {
    const baseline = await onTarget(
      () =>
        startBaseline({
          logDir: ctx.logDir,
          nodes: p.nodes,
          redisUrl: ctx.redisUrl,
          redisKeyPrefix: baseRedis.prefix,
        }),
      (t) => runRelaySeries(t, p, ctx, { pinLoad: false }),
    );
    const ferry = await onTarget(
      () =>
        startFerry({
          logDir: ctx.logDir,
          dataDir: path.join(ctx.tmpDir, 'cluster-ferry'),
          nodes: p.nodes,
          databaseUrl: db.url,
          redisUrl: ctx.redisUrl,
          env: { REDIS_KEY_PREFIX: ferryRedis.prefix },
        }),
      (t) => runRelaySeries(t, p, ctx, { pinLoad: false }),
    );
    const cmp = compareRelay('cluster', 'Two nodes', ferry.value, baseline.value, true);
    return {
      ...cmp,
      notes: [
        `${p.nodes} nodes; ${p.conversations} conversations, each with ${plural(p.sendersPerConversation, 'sender')} (node 1) and ` +
          `${plural(p.receiversPerConversation, 'receiver')} (alternating nodes); ${p.stepMs / 1000} s per offered rate.`,
        'Ferry: PostgreSQL (fresh database, dropped afterwards) + Redis Streams adapter; baseline: the same adapter, no storage. ' +
          'Servers are not pinned here: two nodes, PostgreSQL and Redis share the machine with the load.',
        ...cmp.notes,
      ],
      errors: sideErrors({ ferry, baseline }),
      data: {
        params: p,
        referenceRate: cmp.referenceRate,
        ferry: ferry.value ?? null,
        baseline: baseline.value ?? null,
      },
    };
  } finally {
    await Promise.allSettled([db.drop(), ferryRedis.clean(), baseRedis.clean()]);
  }
}
