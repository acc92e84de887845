/**
 * `npm run soak`: a bounded, seeded chaos run on loopback. Two Ferry nodes on PostgreSQL (a fresh
 * schema) and a private Redis; 20 socket.io clients that behave like the hub (soak/client.ts) type
 * into rooms while clients drop and reconnect and nodes are SIGKILLed and restarted; then Redis is
 * killed while everyone sends once more, and restarted when nobody writes any longer. Then it checks every promise: every acknowledged message stored once
 * at its acked seq, each room gapless, each sender's messages in typing order, and every client's
 * view (live + own acks + catch-up by seq) equal to the server's. Prints its figures; exits 1 on
 * any violation, 2 if it overran its 5-minute bound.
 *
 * SOAK_SEED (default 1) and SOAK_SECONDS (chaos phase, default 90, at most 180) change the run.
 */
import {
  type Ack,
  type ConversationSummary,
  type Message,
  type MessagePage,
  messagesPath,
} from '../../contract/index.js';
import { createRoom, http, joinRoom, signUp, type TestUser } from '../server/support/clients.js';
import { SoakClient, sleep } from './client.js';
import { startSoakCluster, type SoakCluster } from './nodes.js';
import { Random } from './random.js';
import { waitUntil } from '../support/wait.js';

const CLIENTS = 20;
const ROOMS = 4;
const NODE_KILLS = 3;
const HARD_LIMIT_MS = 5 * 60_000;
const SETTLE_LIMIT_MS = 60_000;
/** The nodes' routine sync check: how long a device may keep a hole nobody announced. */
const SYNC_CHECK_INTERVAL_MS = 5_000;

const seed = Number(process.env.SOAK_SEED ?? 1);
const chaosMs = Math.min(Math.max(Number(process.env.SOAK_SECONDS ?? 90), 10), 180) * 1_000;
const started = Date.now();
const figures = { drops: 0, nodeKills: 0, redisRestarts: 0 };
let cluster: SoakCluster | null = null;

const hardStop = setTimeout(() => {
  console.error(`soak: over its ${HARD_LIMIT_MS / 60_000}-minute bound, stopping`);
  void (cluster?.stop() ?? Promise.resolve()).finally(() => process.exit(2));
}, HARD_LIMIT_MS);

/** Every message the server holds for a room, read page by page over HTTP. */
async function serverRoom(url: string, reader: TestUser, conversationId: string): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const path = `${messagesPath(conversationId)}?after=${out.at(-1)?.seq ?? 0}&limit=500`;
    const res = await http<Ack<MessagePage>>(url, path, { cookie: reader.cookie });
    if (!res.body?.ok) throw new Error(`reading ${conversationId}: ${res.status} ${res.text}`);
    out.push(...res.body.messages);
    if (!res.body.hasMore) return out;
  }
}

/** Waits until `ready()` holds (polling), or throws after a minute. */
async function waitForState(ready: () => boolean, what: string): Promise<void> {
  await waitUntil(`soak: ${what}`, ready, { timeoutMs: 60_000, intervalMs: 100 });
}

/** Runs `loop` until the chaos phase ends. */
async function during(until: number, loop: () => Promise<void>): Promise<void> {
  while (Date.now() < until) await loop();
}

async function main(): Promise<number> {
  console.log(`soak: seed ${seed}, ${chaosMs / 1000} s of chaos, ${CLIENTS} clients, 2 nodes`);
  cluster = await startSoakCluster(2, {
    SIGNUP_BURST: '100',
    SYNC_CHECK_INTERVAL_MS: String(SYNC_CHECK_INTERVAL_MS),
  });
  const { nodes, redis } = cluster;
  const urls = nodes.map((n) => n.url);
  const setup = new Random(seed);

  const users: TestUser[] = [];
  for (let i = 0; i < CLIENTS; i++) users.push(await signUp(setup.pick(urls), `soak${seed}_${i}`));
  const rooms: ConversationSummary[] = [];
  for (let r = 0; r < ROOMS; r++) rooms.push(await createRoom(setup.pick(urls), users[r]!, `Soak room ${r}`));
  const clients: SoakClient[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const first = i % ROOMS;
    const second = (first + setup.int(1, ROOMS - 1)) % ROOMS;
    for (const r of [first, second])
      if (users[r] !== users[i]) await joinRoom(setup.pick(urls), users[i]!, rooms[r]!.inviteCode!);
    const ids = [rooms[first]!.id, rooms[second]!.id];
    clients.push(new SoakClient(users[i]!, ids, urls, new Random(seed * 1_000 + i)));
  }
  await Promise.all(clients.map((c) => c.connect()));

  // Chaos, each stream with its own seeded generator.
  const chaosStart = Date.now();
  const until = chaosStart + chaosMs;
  const typing = clients.map((client, i) => {
    const random = new Random(seed * 2_000 + i);
    let n = 0;
    return during(until, async () => {
      await sleep(random.int(150, 900));
      client.type(random.pick(client.conversationIds), `${client.user.username} #${++n}`);
    });
  });
  const dropRandom = new Random(seed * 3_000);
  const drops = during(until, async () => {
    await sleep(dropRandom.int(300, 1_500));
    dropRandom.pick(clients).drop(dropRandom.int(0, 1_500));
    figures.drops++;
  });
  const killRandom = new Random(seed * 4_000);
  const kills = (async () => {
    for (let k = 0; k < NODE_KILLS; k++) {
      // Spread over the phase: kill k happens somewhere in its own slice of it.
      const slice = chaosMs / NODE_KILLS;
      const at = chaosStart + slice * k + killRandom.int(0.1 * slice, 0.6 * slice);
      await sleep(Math.max(0, at - Date.now()));
      const node = nodes[k % nodes.length]!;
      await node.kill();
      figures.nodeKills++;
      await sleep(killRandom.int(500, 3_000));
      await node.restart();
    }
  })();
  await Promise.all([...typing, drops, kills]);
  for (const node of nodes) await node.restart();
  const allSent = (): boolean => clients.every((c) => c.outbox.length === 0 && c.socket?.connected);
  await waitForState(allSent, 'every client connected with an empty outbox');

  // The one Redis restart, as a finale: while Redis is away every client sends once (acked on its
  // own node, relayed to no other), and nobody writes after it comes back. Only the hub's gap
  // rule and the nodes' sync checks can bring those messages to the other node's clients.
  await redis.kill();
  const finale = new Random(seed * 5_000);
  for (const client of clients)
    client.type(finale.pick(client.conversationIds), `${client.user.username} in the dark`);
  await waitForState(allSent, 'every message sent while Redis was away acked');
  const caughtUpBefore = clients.reduce((n, c) => n + c.arrivals.catchUp, 0);
  await redis.start();
  figures.redisRestarts++;
  const chaosEnd = Date.now();

  // Settle: every view complete by the clients' own means.
  const reader = urls[0]!;
  const settleDeadline = Date.now() + SETTLE_LIMIT_MS;
  let server = new Map<string, Message[]>();
  const converged = async (): Promise<boolean> => {
    if (clients.some((c) => c.outbox.length > 0)) return false;
    server = new Map();
    for (let r = 0; r < ROOMS; r++)
      server.set(rooms[r]!.id, await serverRoom(reader, users[r]!, rooms[r]!.id));
    return clients.every((c) => c.conversationIds.every((id) => sameView(c.views.get(id)!, server.get(id)!)));
  };
  while (!(await converged()) && Date.now() < settleDeadline) await sleep(500);
  const settledMs = Date.now() - chaosEnd;

  const violations = check(clients, server);
  const typed = clients.reduce((n, c) => n + c.typed.length, 0);
  const acked = clients.reduce((n, c) => n + c.acked.size, 0);
  const sum = (key: 'live' | 'ack' | 'catchUp'): number => clients.reduce((n, c) => n + c.arrivals[key], 0);
  const refusals = new Map<string, number>();
  for (const c of clients)
    for (const [code, n] of c.refusals) refusals.set(code, (refusals.get(code) ?? 0) + n);
  console.log(
    [
      `soak figures (seed ${seed})`,
      `  duration: ${Math.round((chaosEnd - chaosStart) / 1000)} s chaos, settled ${(settledMs / 1000).toFixed(1)} s later, ${Math.round((Date.now() - started) / 1000)} s in all`,
      `  messages: ${typed} typed, ${acked} acked, ${[...server.values()].reduce((n, m) => n + m.length, 0)} stored in ${ROOMS} rooms; ${clients.reduce((n, c) => n + c.duplicateAcks, 0)} resends answered as duplicates`,
      `  deliveries to views: ${sum('live')} live, ${sum('catchUp')} caught up by seq, ${sum('ack')} own acks`,
      `  Redis finale: ${CLIENTS} sent while it was away, ${sum('catchUp') - caughtUpBefore} deliveries caught up after it came back`,
      `  chaos: ${figures.drops} client drops, ${figures.nodeKills} node SIGKILLs, ${figures.redisRestarts} Redis restart, ${clients.reduce((n, c) => n + c.connects, 0) - CLIENTS} reconnects`,
      `  refused sends (retried): ${refusals.size === 0 ? 'none' : [...refusals].map(([k, v]) => `${k} ${v}`).join(', ')}`,
      violations.length === 0 ? '  violations: none' : `  violations: ${violations.length}`,
    ].join('\n'),
  );
  for (const v of violations.slice(0, 30)) console.error(`  - ${v}`);
  for (const c of clients) c.stop();
  return violations.length === 0 ? 0 : 1;
}

function sameView(view: Map<number, Message>, stored: Message[]): boolean {
  return view.size === stored.length && stored.every((m) => view.get(m.seq)?.id === m.id);
}

/** Every promise, as a list of what was broken. */
function check(clients: SoakClient[], server: Map<string, Message[]>): string[] {
  const out: string[] = [];
  const storedAt = new Map<string, Message>();
  for (const [room, messages] of server) {
    messages.forEach((m, i) => {
      if (m.seq !== i + 1) out.push(`${room}: seq ${m.seq} at position ${i + 1} (a gap)`);
      if (storedAt.has(m.id)) out.push(`${m.id} stored twice`);
      storedAt.set(m.id, m);
    });
  }
  const typedIds = new Set<string>();
  for (const c of clients) {
    out.push(...c.violations);
    if (c.outbox.length > 0) out.push(`${c.user.username}: ${c.outbox.length} messages never acked`);
    const lastSeq = new Map<string, number>();
    for (const t of c.typed) {
      typedIds.add(t.id);
      const seq = c.acked.get(t.id);
      if (seq === undefined) continue;
      const stored = storedAt.get(t.id);
      if (!stored) out.push(`${t.id} acked at ${seq} but not stored`);
      else if (stored.seq !== seq || stored.text !== t.text || stored.conversationId !== t.conversationId)
        out.push(`${t.id} acked at ${seq} but stored at ${stored.seq} in ${stored.conversationId}`);
      if (seq <= (lastSeq.get(t.conversationId) ?? 0))
        out.push(`${c.user.username}: ${t.id} out of typing order`);
      lastSeq.set(t.conversationId, seq);
    }
    for (const id of c.conversationIds) {
      const stored = server.get(id) ?? [];
      if (!sameView(c.views.get(id)!, stored))
        out.push(
          `${c.user.username}: view of ${id} holds ${c.views.get(id)!.size} of ${stored.length} (cursor ${c.held(id)})`,
        );
    }
  }
  for (const id of storedAt.keys()) if (!typedIds.has(id)) out.push(`${id} stored but never typed`);
  return out;
}

main()
  .then(
    (code) => code,
    (err: unknown) => {
      console.error('soak failed to run:', err);
      return 1;
    },
  )
  .then(async (code) => {
    clearTimeout(hardStop);
    await cluster?.stop().catch(() => undefined);
    process.exit(code);
  });
