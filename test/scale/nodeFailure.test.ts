/**
 * A node dies (SIGKILL) in the middle of a burst: its clients reconnect to the other node and
 * resend what was not acked, with the same ids. Nothing is lost, nothing is stored twice, seqs
 * stay gapless, and every ack given before the kill still holds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../contract/index.js';
import { makeBurst, pump, readAll, type BurstState } from '../server/support/burst.js';
import {
  closeAllSockets,
  collect,
  connect,
  roomAcross,
  signUp,
  type TestUser,
} from '../server/support/clients.js';
import { startCluster, type Cluster } from './support/cluster.js';
import { ServerEvent } from '../../contract/index.js';
import { waitUntil } from '../support/wait.js';

const SENDERS = 3;
const PER_SENDER = 150;
const KILL_AFTER_ACKS = 90;

describe('a node killed mid-burst', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    // A burst must not hit the send limit: this test is about the failure, not the limit.
    cluster = await startCluster({ nodes: 2, env: { SEND_BURST: '10000' } });
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  afterEach(() => closeAllSockets());

  it('loses and duplicates nothing when its clients resend through the other node', async () => {
    const [nodeA, nodeB] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const owner = await signUp(nodeB.url);
    const senders: TestUser[] = [];
    for (let i = 0; i < SENDERS; i++) senders.push(await signUp(nodeA.url));
    // Someone connected only to node A, who will not come back after the crash.
    const lurker = await signUp(nodeA.url);
    const members = [...senders, lurker].map((user) => [nodeA.url, user] as const);
    const room = await roomAcross(nodeB.url, owner, members, 'burst');
    await connect(nodeA.url, lurker.cookie);

    // The owner watches from node B, which survives.
    const observer = await connect(nodeB.url, owner.cookie);
    const live = collect(observer, ServerEvent.message);
    const presence = collect(observer, ServerEvent.presence);

    const bursts: BurstState[] = senders.map((_, i) => makeBurst(room.id, PER_SENDER, `sender ${i}`));
    const sockets = await Promise.all(senders.map((s) => connect(nodeA.url, s.cookie)));
    const pumps = sockets.map((socket, i) => pump(socket, bursts[i]!, 10));
    const ackedCount = (): number => bursts.reduce((n, b) => n + b.acked.size, 0);
    await waitUntil('acks before the kill', () => ackedCount() >= KILL_AFTER_ACKS, { timeoutMs: 20_000 });

    await nodeA.kill();
    await Promise.all(pumps.map((p) => p.done));
    const ackedBeforeKill = bursts.map((b) => new Map(b.acked));
    const totalAckedBefore = ackedBeforeKill.reduce((n, m) => n + m.size, 0);
    expect(totalAckedBefore).toBeLessThan(SENDERS * PER_SENDER);

    // Like the hub: reconnect (to the node still up) and resend every unacked draft, same ids.
    const resent = await Promise.all(
      senders.map(async (s, i) => {
        const socket = await connect(nodeB.url, s.cookie);
        await pump(socket, bursts[i]!, 10).done;
        return socket;
      }),
    );
    expect(resent).toHaveLength(SENDERS);
    for (const b of bursts) {
      expect([...b.failed]).toEqual([]);
      expect(b.acked.size).toBe(PER_SENDER);
    }

    const stored = await readAll(observer, room.id);
    const total = SENDERS * PER_SENDER;
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const byId = new Map<string, Message>(stored.map((m) => [m.id, m]));
    expect(byId.size).toBe(total);
    bursts.forEach((burst, i) => {
      // Every draft stored once, with the seq its (final) ack reported.
      for (const d of burst.drafts) expect(byId.get(d.id)?.seq, d.id).toBe(burst.acked.get(d.id)!.seq);
      // Acks given before the kill were durable.
      for (const [id, m] of ackedBeforeKill[i]!) expect(byId.get(id)?.seq).toBe(m.seq);
      // Per-sender order is the order typed.
      const seqs = burst.drafts.map((d) => byId.get(d.id)!.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    });
    // The surviving node kept delivering live: its watcher saw messages resent after the kill.
    const liveIds = new Set(live.items.map((m) => m.id));
    const resentIds = bursts.flatMap((b, i) =>
      b.drafts.filter((d) => !ackedBeforeKill[i]!.has(d.id)).map((d) => d.id),
    );
    expect(resentIds.some((id) => liveIds.has(id))).toBe(true);
    // Node A never said goodbye for the lurker: the survivors reap its presence and say so.
    await waitUntil(
      'the lurker announced offline after the crash',
      () => presence.items.some((p) => p.userId === lurker.id && !p.online),
      { timeoutMs: 30_000 },
    );
    console.log(
      `node kill: ${total} typed, ${totalAckedBefore} acked before SIGKILL, ` +
        `${bursts.reduce((n, b) => n + b.duplicates.size, 0)} resends were already stored (duplicate)`,
    );
  });
});
