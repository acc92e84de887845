/**
 * Operations: /healthz tells a balancer whether this node can serve, /metrics speaks Prometheus
 * text and moves with real traffic, close() lets running socket handlers answer before the
 * sockets close, the entry refuses a bad configuration clearly, SIGTERM on the real process
 * finishes the commits in flight, acks them, and exits 0, and a slow commit holds up neither
 * /healthz nor the sockets.
 */
import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, HttpPath, type Ack, ClientEvent } from '../../contract/index.js';
import { createApp } from '../../server/app.js';
import { createMetrics } from '../../server/ops/metrics.js';
import { CommitGate, createSqliteStore } from '../../server/store/sqlite/index.js';
import type { AppendInput, AppendResult } from '../../server/store/Store.js';
import { makeTempDir, startTestServer, storeWith, testConfig, type TestServer } from './support/app.js';
import { makeBurst, pump, readAll } from './support/burst.js';
import {
  closeAllSockets,
  connect,
  draft,
  http,
  request,
  signUp,
  type ClientSocket,
  type TestUser,
} from './support/clients.js';
import { killAllServerProcesses, spawnServerProcess, startServerProcess } from './support/process.js';
import { waitUntil } from '../support/wait.js';

const dirs: string[] = [];
afterEach(() => killAllServerProcesses());
afterAll(async () => {
  closeAllSockets();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** The value of one sample in Prometheus text format (`name{labels} value`), or null if absent. */
function sample(text: string, name: string, labels = ''): number | null {
  const wanted = labels ? `${name}{${labels}}` : name;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    if (line.slice(0, space) === wanted) return Number(line.slice(space + 1));
  }
  return null;
}

const METRICS_TOKEN = 'ops-test-metrics-token';
/** How Prometheus scrapes: with the bearer token. */
const scraper = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } };

describe('/metrics and /healthz on a running app', () => {
  let srv: TestServer;
  let url: string;
  let user: TestUser;
  let socket: ClientSocket;
  let conversationId: string;

  beforeAll(async () => {
    // Wired as server/index.ts wires it: the store reports commits to the metrics.
    const metrics = createMetrics();
    srv = await startTestServer({
      env: { METRICS_TOKEN },
      storeOptions: {
        onCommit: metrics.onCommit,
        onCheckpoint: metrics.onCheckpoint,
        onSearchIndex: metrics.onSearchIndex,
      },
      deps: { metrics },
    });
    url = srv.url;
    user = await signUp(url);
    socket = await connect(url, user.cookie);
    const created = await request(socket, ClientEvent.createRoom, { name: 'metrics' });
    if (!created.ok) throw new Error(created.error.message);
    conversationId = created.conversation.id;
  });
  afterAll(() => srv?.close());

  it('answers /healthz with 200 {ok:true} while the store answers', async () => {
    const res = await http<Ack<{ store: string }>>(url, HttpPath.health);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, store: 'sqlite' });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('serves Prometheus text with the process metrics and Ferry’s own', async () => {
    const res = await http(url, HttpPath.metrics, scraper);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      'ferry_connections',
      'ferry_messages_total',
      'ferry_commit_seconds',
      'ferry_checkpoint_seconds',
      'ferry_search_index_seconds',
      'ferry_search_indexed_rows_total',
      'ferry_search_backlog_rows',
      'ferry_http_requests_total',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'ferry_event_loop_lag_seconds',
    ]) {
      expect(res.text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    for (const quantile of ['0.5', '0.99']) {
      expect(
        sample(res.text, 'ferry_event_loop_lag_seconds', `quantile="${quantile}"`),
      ).toBeGreaterThanOrEqual(0);
    }
    expect(sample(res.text, 'ferry_connections', 'transport="websocket"')).toBe(1);
  });

  it('counts a sent message, its commit and the HTTP requests', async () => {
    const before = (await http(url, HttpPath.metrics, scraper)).text;
    const sent = await request(socket, ClientEvent.send, draft(conversationId, 'count me'));
    expect(sent.ok).toBe(true);
    const after = (await http(url, HttpPath.metrics, scraper)).text;

    expect(sample(after, 'ferry_messages_total')).toBe(sample(before, 'ferry_messages_total')! + 1);
    expect(sample(after, 'ferry_commit_seconds_count')).toBeGreaterThan(
      sample(before, 'ferry_commit_seconds_count')!,
    );
    expect(sample(after, 'ferry_commit_seconds_sum')).toBeGreaterThan(0);
    // The scrape before this one was counted as a 200 GET.
    const gets = (text: string) =>
      sample(text, 'ferry_http_requests_total', 'method="GET",status="200"') ?? 0;
    expect(gets(after)).toBeGreaterThan(gets(before));
  });

  it('follows the search backlog: a sent message waits in it until a search indexes it', async () => {
    const scrape = async () => (await http(url, HttpPath.metrics, scraper)).text;
    const before = await scrape();
    const sent = await request(socket, ClientEvent.send, draft(conversationId, 'cormorant'));
    expect(sent.ok).toBe(true);
    // The commit's report counts it behind (the idle writer indexes later, or a search does).
    expect(sample(await scrape(), 'ferry_search_backlog_rows')).toBeGreaterThanOrEqual(1);
    const found = await request(socket, ClientEvent.search, { query: 'cormorant' });
    expect(found.ok && found.messages.map((m) => m.text)).toEqual(['cormorant']);
    const after = await scrape();
    expect(sample(after, 'ferry_search_backlog_rows')).toBe(0);
    expect(sample(after, 'ferry_search_indexed_rows_total')).toBeGreaterThan(
      sample(before, 'ferry_search_indexed_rows_total') ?? 0,
    );
    expect(sample(after, 'ferry_search_index_seconds_count')).toBeGreaterThan(0);
  });

  it('follows socket.io connections by transport', async () => {
    const polling = await connect(url, user.cookie, { transports: ['polling'] });
    const scrape = async () => (await http(url, HttpPath.metrics, scraper)).text;
    expect(sample(await scrape(), 'ferry_connections', 'transport="polling"')).toBe(1);
    polling.close();
    await waitUntil(
      'condition',
      async () => sample(await scrape(), 'ferry_connections', 'transport="polling"') === 0,
    );
  });

  it('answers /healthz with 503 UNAVAILABLE once the store is gone', async () => {
    const other = await startTestServer();
    try {
      await other.store.close();
      const res = await http<Ack>(other.url, HttpPath.health);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    } finally {
      await other.close();
    }
  });
});

describe('a commit that is slow to become durable', () => {
  it('holds up neither /healthz, /metrics nor socket reads: they answer before its ack', async () => {
    // The gate stands in for a slow fsync: the writer thread waits just before COMMIT.
    const gate = new CommitGate();
    const dataDir = await makeTempDir('ferry-ops-slow-');
    dirs.push(dataDir);
    const app = await createApp({
      config: testConfig(dataDir, { METRICS_TOKEN }),
      store: await createSqliteStore(dataDir, { commitGate: gate }),
    });
    try {
      const { url } = await app.listen(0, '127.0.0.1');
      const user = await signUp(url);
      const socket = await connect(url, user.cookie);
      const created = await request(socket, ClientEvent.createRoom, { name: 'slow disk' });
      if (!created.ok) throw new Error(created.error.message);
      const conversationId = created.conversation.id;
      expect(await request(socket, ClientEvent.send, draft(conversationId, 'before'))).toMatchObject({
        ok: true,
      });

      gate.shut();
      const arrived = gate.arrivals;
      const order: string[] = [];
      const held = request(socket, ClientEvent.send, draft(conversationId, 'held at the gate')).then(
        (ack) => {
          order.push('ack');
          return ack;
        },
      );
      await waitUntil('the commit to reach the gate', () => gate.arrivals > arrived, {
        timeoutMs: undefined,
      });

      const health = await http<Ack<{ store: string }>>(url, HttpPath.health);
      order.push('healthz');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ ok: true, store: 'sqlite' });
      expect((await http(url, HttpPath.metrics, scraper)).status).toBe(200);
      order.push('metrics');
      const page = await request(socket, ClientEvent.messagesAfter, {
        conversationId,
        afterSeq: 0,
        limit: 10,
      });
      order.push('catch-up');
      // The reader sees only what is committed: the held message is not there yet.
      expect(page.ok && page.messages.map((m) => m.text)).toEqual(['before']);
      expect(order).toEqual(['healthz', 'metrics', 'catch-up']);
      // Still at the gate: nothing above waited for the commit to end.
      expect(gate.arrivals).toBe(arrived + 1);

      gate.open();
      expect(await held).toMatchObject({ ok: true, message: { seq: 2 } });
      expect(order).toEqual(['healthz', 'metrics', 'catch-up', 'ack']);
    } finally {
      gate.open();
      closeAllSockets();
      await app.close();
    }
  });
});

describe('close() while socket handlers are running', () => {
  it('acks the sends already running, answers events that come after it began with UNAVAILABLE, then closes the transport', async () => {
    // A real store that holds every append until released: a commit still running when close() begins.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held = 0;
    const srv = await startTestServer({
      wrapStore: (store) =>
        storeWith(store, {
          async appendMessage(input: AppendInput): Promise<AppendResult> {
            held += 1;
            await released;
            return store.appendMessage(input);
          },
        }),
    });
    try {
      const user = await signUp(srv.url);
      const socket = await connect(srv.url, user.cookie);
      const created = await request(socket, ClientEvent.createRoom, { name: 'drain' });
      if (!created.ok) throw new Error(created.error.message);
      const conversationId = created.conversation.id;
      const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));

      const running = request(socket, ClientEvent.send, draft(conversationId, 'running when close() begins'));
      await waitUntil('the send to reach the store', () => held === 1, { timeoutMs: undefined });
      const closed = srv.close();
      const late = await request(socket, ClientEvent.send, draft(conversationId, 'sent after close() began'));
      expect(late).toMatchObject({ ok: false, error: { code: ErrorCode.UNAVAILABLE } });
      expect(late.ok === false && late.error.retryAfterMs).toBeGreaterThan(0);
      expect(held).toBe(1);

      release();
      expect(await running).toMatchObject({ ok: true, message: { seq: 1 } });
      // A transport close, not a server disconnect: the client reconnects by itself.
      expect(await disconnected).toBe('transport close');
      await closed;
    } finally {
      release();
      await srv.close();
    }
  });
});

describe('the server process', () => {
  it('refuses an invalid configuration with a message naming each bad variable, exit 1', async () => {
    const dataDir = await makeTempDir('ferry-ops-config-');
    dirs.push(dataDir);
    const child = spawnServerProcess({ dataDir, env: { PORT: 'eighty', LOG_LEVEL: 'loud' } });
    const { code } = await child.exited();
    expect(code).toBe(1);
    expect(child.stderr()).toContain('PORT="eighty"');
    expect(child.stderr()).toContain('LOG_LEVEL="loud"');
    expect(child.stderr()).not.toMatch(/^\s+at /m); // a message for a person, not a stack trace
  });
});

describe('SIGTERM on the server process during a burst', () => {
  let run: Awaited<ReturnType<typeof sigtermMidBurst>>;
  // Two cold starts of the real entry plus a burst, on a shared 2-core machine.
  beforeAll(async () => {
    run = await sigtermMidBurst();
  }, 120_000);

  it('finishes the commits in flight, then exits 0', async () => {
    const { code, signal, logs, burst, ackedAtSignal, inFlightAtSignal, stored } = run;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(logs.some((l) => l.msg === 'shutdown complete')).toBe(true);
    expect(inFlightAtSignal).toBeGreaterThan(0);
    const byId = new Map(stored.map((m) => [m.id, m]));
    // Everything acknowledged is there, as acknowledged, and nothing else was invented.
    for (const [id, m] of burst.acked) expect(byId.get(id)?.seq).toBe(m.seq);
    for (const m of stored) expect(burst.emitted.has(m.id)).toBe(true);
    expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
    // Commits that were pending when the signal came were finished, not dropped.
    expect(stored.length).toBeGreaterThan(ackedAtSignal);
  });

  it('acknowledges every message it stored before closing the sockets', async () => {
    const { burst, stored } = run;
    // Otherwise a client is left unsure about a message that is safe and must resend it.
    const storedWithoutAck = stored.filter((m) => !burst.acked.has(m.id)).map((m) => m.seq);
    expect(storedWithoutAck).toEqual([]);
  });
});

/** Starts the real server, SIGTERMs it during a burst, and reads back what it stored. */
async function sigtermMidBurst() {
  const dataDir = await makeTempDir('ferry-ops-term-');
  dirs.push(dataDir);
  const env = { SEND_RATE_PER_SECOND: '100000', SEND_BURST: '100000' };
  const server = await startServerProcess({ dataDir, env });
  const user = await signUp(server.url);
  const socket = await connect(server.url, user.cookie);
  const created = await request(socket, ClientEvent.createRoom, { name: 'shutdown' });
  if (!created.ok) throw new Error(created.error.message);
  const conversationId = created.conversation.id;

  // A burst keeps messages in flight; SIGTERM lands in the middle of it.
  const burst = makeBurst(conversationId, 2_000, 'term');
  const sender = pump(socket, burst, 64);
  await waitUntil('acks before SIGTERM', () => burst.acked.size >= 50, { timeoutMs: 15_000 });
  sender.stop();
  const ackedAtSignal = burst.acked.size;
  const inFlightAtSignal = sender.inFlight();
  server.child.kill('SIGTERM');
  const { code, signal } = await server.exited();

  // Read back what the store holds, from a restarted server on the same data.
  const again = await startServerProcess({ dataDir, env });
  const reader = await connect(again.url, user.cookie);
  const stored = await readAll(reader, conversationId);
  reader.close();
  await again.kill();
  console.log(
    `SIGTERM: ${ackedAtSignal} acked at signal, ${inFlightAtSignal} in flight, ${stored.length} stored, ` +
      `${burst.acked.size} acked in all, ${burst.failed.size} refused`,
  );
  return { code, signal, logs: server.logs, burst, ackedAtSignal, inFlightAtSignal, stored };
}
