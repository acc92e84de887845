/**
 * Scenario 1, relay: S senders and R receivers per conversation over C conversations, at stepped
 * offered rates; deliveries/s and send-to-receiver latency for Ferry (one node, SQLite) and the
 * bare socket.io baseline.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { probeFdatasync } from '../lib/floorProbes.js';
import { plural } from '../report/format.js';
import { startBaseline } from '../targets/baseline.js';
import { startFerry } from '../targets/ferry.js';
import type { BenchContext, ScenarioOutput } from '../types.js';
import { compareRelay } from './relayCompare.js';
import { INTERLEAVED_NOTE, runRelayPair, SATURATION_P99_MS } from './relaySeries.js';
import { sideErrors } from './sides.js';

export async function relayScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const p = ctx.params.relay;
  ctx.log(
    `relay: ${p.conversations} conversations x (${plural(p.sendersPerConversation, 'sender')} + ${plural(p.receiversPerConversation, 'receiver')})`,
  );
  const cpus = ctx.pinning.serverCpus;
  // The disk's floor first, alone (nothing of the bench runs yet), in the folder Ferry's SQLite
  // file is about to live in.
  const dataDir = path.join(ctx.tmpDir, 'relay-ferry');
  mkdirSync(dataDir, { recursive: true });
  const fdatasync = await probeFdatasync(dataDir, ctx.logDir, ctx.params.probeMs).catch((e: unknown) => {
    ctx.log(`  fdatasync probe failed: ${(e as Error).message}`);
    return null;
  });
  if (fdatasync)
    ctx.log(`  fdatasync (4 KiB) in the store's folder: p50 ${fdatasync.p50} ms, p99 ${fdatasync.p99} ms`);
  const { ferry, baseline } = await runRelayPair(
    {
      baseline: () => startBaseline({ logDir: ctx.logDir, cpus }),
      ferry: () => startFerry({ logDir: ctx.logDir, dataDir, cpus }),
    },
    p,
    ctx,
    { retrySaturated: true },
  );
  const cmp = compareRelay('relay', 'Relay', ferry.value, baseline.value, true, {
    id: 'fdatasync',
    label: "the disk's fdatasync p99",
    p99Ms: fdatasync?.p99 ?? null,
    detail: fdatasync
      ? `4 KiB write + fdatasync in a loop in the store's folder, alone, ${ctx.params.probeMs / 1000} s before the relay: ` +
        `p50 ${fdatasync.p50} ms, p99 ${fdatasync.p99} ms, ${fdatasync.n} syncs`
      : 'probe failed',
  });
  return {
    ...cmp,
    notes: [
      `${p.conversations} conversations, each with ${plural(p.sendersPerConversation, 'sender')} and ${plural(p.receiversPerConversation, 'receiver')}; ` +
        `${p.stepMs / 1000} s per offered rate; latency is send to each receiver's delivery; 100-byte texts.`,
      `Offered rates rise until a side saturates: delivers < 99%, p99 > ${SATURATION_P99_MS} ms, cannot drain in time or refuses sends; ` +
        'capacity = the highest offered rate carried below the lowest that saturated it. Receivers are raw WebSocket clients that parse only the texts of message:new ' +
        "(bench/load/lightReceiver.ts), asking for batches as Ferry's hub does (Ferry sends a commit's messages of a conversation as one event; the baseline each as it comes); " +
        'senders are socket.io-client. Load CPU is reported per step in results.json and the log.',
      INTERLEAVED_NOTE,
      'Ferry: one node, SQLite (WAL), every message durably committed before its ack; send and sign-up rate limits lifted for the bench (SEND_RATE_PER_SECOND, SEND_BURST, SIGNUP_BURST, SIGNUP_RATE_PER_HOUR).',
      ...cmp.notes,
    ],
    errors: sideErrors({ ferry, baseline }),
    data: {
      params: p,
      referenceRate: cmp.referenceRate,
      fdatasync,
      ferry: ferry.value ?? null,
      baseline: baseline.value ?? null,
    },
  };
}
