/**
 * Scenario 1, relay: S senders and R receivers per conversation over C conversations, at stepped
 * offered rates; deliveries/s and send-to-receiver latency for Ferry (one node, SQLite) and the
 * bare socket.io baseline.
 */
import path from 'node:path';
import { plural } from '../report/format.js';
import { startBaseline } from '../targets/baseline.js';
import { startFerry } from '../targets/ferry.js';
import type { BenchContext, ScenarioOutput } from '../types.js';
import { compareRelay } from './relayCompare.js';
import { runRelaySeries } from './relaySeries.js';
import { onTarget, sideErrors } from './sides.js';

export async function relayScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const p = ctx.params.relay;
  ctx.log(
    `relay: ${p.conversations} conversations x (${plural(p.sendersPerConversation, 'sender')} + ${plural(p.receiversPerConversation, 'receiver')})`,
  );
  const cpus = ctx.pinning.serverCpus;
  const baseline = await onTarget(
    () => startBaseline({ logDir: ctx.logDir, cpus }),
    (t) => runRelaySeries(t, p, ctx),
  );
  const ferry = await onTarget(
    () => startFerry({ logDir: ctx.logDir, dataDir: path.join(ctx.tmpDir, 'relay-ferry'), cpus }),
    (t) => runRelaySeries(t, p, ctx),
  );
  const cmp = compareRelay('relay', 'Relay', ferry.value, baseline.value, true);
  return {
    ...cmp,
    notes: [
      `${p.conversations} conversations, each with ${plural(p.sendersPerConversation, 'sender')} and ${plural(p.receiversPerConversation, 'receiver')}; ` +
        `${p.stepMs / 1000} s per offered rate; latency is send to each receiver's delivery; 100-byte texts.`,
      'Ferry: one node, SQLite (WAL), every message durably committed before its ack; send and sign-up rate limits lifted for the bench (SEND_RATE_PER_SECOND, SEND_BURST, SIGNUP_BURST, SIGNUP_RATE_PER_HOUR).',
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
}
