/**
 * Fault test: the real server process is SIGKILLed during a burst of sends from several
 * clients, restarted on the same data directory and port, and the clients resend what was not
 * acknowledged with the same ids. Afterwards every message is stored exactly once, seqs have no
 * gap, every message acknowledged before the kill survived unchanged, and each sender's messages
 * are in the order they were typed.
 */
import { describe, expect, it } from 'vitest';
import type { Message } from '../../contract/index.js';
import { makeBurst, pump, readAll, type BurstState } from './support/burst.js';
import { closeAllSockets, connect, http, request, signUp, type ClientSocket } from './support/clients.js';
import { startServerProcess } from './support/process.js';
import { useRestartableServers } from './support/restarts.js';
import { ClientEvent, HttpPath } from '../../contract/index.js';
import { waitUntil } from '../support/wait.js';

const CLIENTS = 3;
const PER_CLIENT = 300;
/** Messages each client keeps in flight: a burst, so many are unacknowledged at the kill. */
const WINDOW = 32;
/** Kill once this many messages are acknowledged in total (well before the end of the burst). */
const KILL_AFTER_ACKS = 150;
/** Rate limits high enough that the burst measures durability, not the limiter. */
const ENV = { SEND_RATE_PER_SECOND: '100000', SEND_BURST: '100000' };
/** Two cold starts of the real entry plus the burst, on a shared 2-core machine. */
const TEST_TIMEOUT_MS = 120_000;
/** The socket.io client retries quickly, so it is back soon after the restart. */
const RECONNECT = { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 250, timeout: 5_000 };

const servers = useRestartableServers(closeAllSockets);

describe('server killed mid-burst', () => {
  it(
    'stores every message exactly once, gapless, keeping every acknowledged one, after clients resend with the same ids',
    async () => {
      const dataDir = await servers.dataDir('ferry-fault-');
      const first = await startServerProcess({ dataDir, env: ENV });

      // Several users in one room, each with one real socket.io client.
      const users = [];
      for (let i = 0; i < CLIENTS; i++) users.push(await signUp(first.url));
      const sockets: ClientSocket[] = [];
      for (const user of users) {
        // Reconnection on: failed attempts while the server is down must not end the client.
        sockets.push(await connect(first.url, user.cookie, RECONNECT));
      }
      const created = await request(sockets[0]!, ClientEvent.createRoom, { name: 'fault' });
      if (!created.ok) throw new Error(created.error.message);
      const { id: conversationId, inviteCode } = created.conversation;
      for (const socket of sockets.slice(1)) {
        const joined = await request(socket, ClientEvent.joinRoom, { inviteCode: inviteCode! });
        expect(joined.ok).toBe(true);
      }

      // The burst: every client pipelines its messages; kill -9 while they are in flight.
      const bursts: BurstState[] = sockets.map((_, i) =>
        makeBurst(conversationId, PER_CLIENT, `client ${i}`),
      );
      const pumps = sockets.map((socket, i) => pump(socket, bursts[i]!, WINDOW));
      const ackedCount = () => bursts.reduce((n, b) => n + b.acked.size, 0);
      await waitUntil('acks before the kill', () => ackedCount() >= KILL_AFTER_ACKS, { timeoutMs: 20_000 });
      for (const p of pumps) p.stop();
      // Counted as the kill is sent: acks the server wrote just before it died may still be read
      // while it exits (a fast commit can ack a whole window in that time).
      const inFlightAtKill = bursts.reduce((n, b) => n + (b.emitted.size - b.acked.size - b.failed.size), 0);
      await first.kill();

      const ackedBeforeKill = new Map<string, Message>();
      for (const b of bursts) for (const [id, m] of b.acked) ackedBeforeKill.set(id, m);
      // The kill really landed mid-burst: some acknowledged, some in flight, some never sent.
      expect(ackedBeforeKill.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
      expect(ackedBeforeKill.size).toBeLessThan(CLIENTS * PER_CLIENT);
      expect(inFlightAtKill).toBeGreaterThan(0);
      expect(bursts.every((b) => b.failed.size === 0)).toBe(true);
      await waitUntil('clients to notice the kill', () => sockets.every((s) => !s.connected), {
        timeoutMs: 5_000,
      });

      // Restart on the same data dir and port; the clients reconnect by themselves.
      const second = await startServerProcess({ dataDir, port: first.port, env: ENV });
      expect(second.port).toBe(first.port);
      await waitUntil('clients to reconnect', () => sockets.every((s) => s.connected), { timeoutMs: 15_000 });

      // Each client resends everything it has no ack for, same ids, in typed order.
      const ackedAtRestart = bursts.reduce((n, b) => n + b.acked.size, 0);
      const resent = await Promise.all(
        sockets.map(async (socket, i) => {
          const burst = bursts[i]!;
          const unacked = burst.drafts.filter((d) => !burst.acked.has(d.id));
          await pump(socket, burst, WINDOW, unacked).done;
          return unacked.length;
        }),
      );
      expect(resent.reduce((a, b) => a + b, 0)).toBe(CLIENTS * PER_CLIENT - ackedAtRestart);
      // A client that lost its acks (a crashed tab, a Service Worker replay) resends acknowledged
      // messages too: each comes back as the original, nothing new is stored.
      for (const [i, socket] of sockets.entries()) {
        const burst = bursts[i]!;
        const again = burst.drafts.filter((d) => ackedBeforeKill.has(d.id)).slice(-5);
        for (const d of again) {
          const ack = await request(socket, ClientEvent.send, d);
          expect(ack).toMatchObject({
            ok: true,
            duplicate: true,
            message: { seq: ackedBeforeKill.get(d.id)!.seq },
          });
        }
      }
      for (const b of bursts) {
        expect(b.failed).toEqual(new Map());
        expect(b.acked.size).toBe(PER_CLIENT);
      }

      const stored = await readAll(sockets[0]!, conversationId);
      // Exactly once: every typed id, no other, no repeat.
      const allIds = bursts.flatMap((b) => b.drafts.map((d) => d.id));
      expect(stored).toHaveLength(allIds.length);
      expect(new Set(stored.map((m) => m.id))).toEqual(new Set(allIds));
      // Gapless seqs 1..N.
      expect(stored.map((m) => m.seq)).toEqual(allIds.map((_, i) => i + 1));
      // Every message acknowledged before the kill survived as acknowledged.
      const byId = new Map(stored.map((m) => [m.id, m]));
      for (const [id, acked] of ackedBeforeKill) {
        expect(byId.get(id)).toMatchObject({ seq: acked.seq, createdAt: acked.createdAt, text: acked.text });
      }
      // Every ack (before or after the restart, duplicate or new) names the stored seq.
      for (const b of bursts) for (const [id, m] of b.acked) expect(byId.get(id)!.seq, id).toBe(m.seq);
      // Each sender's messages are stored in the order they were typed.
      for (const b of bursts) {
        const seqs = b.drafts.map((d) => byId.get(d.id)!.seq);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      }
      // The restarted server is healthy.
      expect((await http(second.url, HttpPath.health)).status).toBe(200);

      const duplicates = bursts.reduce((n, b) => n + b.duplicates.size, 0);
      console.log(
        `fault: ${ackedBeforeKill.size} acked before kill, ${inFlightAtKill} in flight at kill, ` +
          `${duplicates} of them already stored (answered duplicate on resend), ${stored.length} stored`,
      );
    },
    TEST_TIMEOUT_MS,
  );
});
