/**
 * Scenario 7, search. Device: N messages of mixed English/Chinese/Japanese text (bench/search/
 * corpus.ts) stored in IndexedDB through localdb's putMessages in headless Chromium, then the real
 * device index (localdb/searchIndex.ts) built, saved, reloaded and queried, on a bench-only page
 * (bench/search/page/) that vite builds. Server: M messages appended through each store's
 * production append path (appendMessage, many in flight so group commit batches them; the FTS5
 * table and the search_vector GIN index are maintained as in production; PostgreSQL is then vacuumed and analysed,
 * as autovacuum would be after such a load), then searchMessages
 * timed with the same word splitting the server's handler uses.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { searchWords } from '../../contract/search.js';
import { createStore } from '../../server/store/createStore.js';
import type { Store } from '../../server/store/Store.js';
import { CHROMIUM_PATH, launchBrowser } from '../../test/browser/support/browser.js';
import { buildBenchPage } from '../client/benchPage.js';
import { NAME_SHIM } from '../client/session.js';
import { createTempDatabase } from '../lib/services.js';
import { corpus, SEARCH_QUERIES } from '../search/corpus.js';
import type { BenchContext, GoalResult, Row, ScenarioOutput } from '../types.js';
import { newActionId } from '../../contract/index.js';

const QUERY_GOAL_MS = 50;
const BUILD_GOAL_MS = 10_000;
const SIZE_GOAL_RATIO = 1.5;

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  max: number;
}

export interface DeviceSearchResult {
  messages: number;
  fillMs: number;
  messageBytes: number;
  buildMs: number;
  saveMs: number;
  indexBytes: number;
  indexedDocuments: number;
  reloadMs: number;
  query: LatencySummary;
  /** Per query, over its rounds: which queries make the tail. */
  perQuery: Record<string, LatencySummary>;
  hits: Record<string, number>;
}

export interface ServerSearchResult {
  store: 'sqlite' | 'postgres';
  messages: number;
  target: number;
  fillMs: number;
  appendsPerSec: number;
  query: LatencySummary;
  perQuery: Record<string, LatencySummary>;
  hits: Record<string, number>;
}

export interface SearchResult {
  device: DeviceSearchResult | null;
  servers: ServerSearchResult[];
}

const r1 = (x: number) => Math.round(x * 10) / 10;

function summary(samples: number[]): LatencySummary {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { count: s.length, p50: r1(at(0.5)), p95: r1(at(0.95)), max: r1(s[s.length - 1]) };
}

/** Samples taken round after round over SEARCH_QUERIES, summarised per query. */
function perQuery(samples: number[]): Record<string, LatencySummary> {
  return Object.fromEntries(
    SEARCH_QUERIES.map((q, i) => [q, summary(samples.filter((_, j) => j % SEARCH_QUERIES.length === i))]),
  );
}

/** The three queries with the highest median, for the log and the notes. */
function slowest(per: Record<string, LatencySummary>): string {
  return Object.entries(per)
    .sort((a, b) => b[1].p50 - a[1].p50)
    .slice(0, 3)
    .map(([q, l]) => `"${q}" p50 ${l.p50} ms, max ${l.max} ms`)
    .join('; ');
}

/** Serves a folder on 127.0.0.1 (IndexedDB needs an http origin). */
async function serveFolder(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };
  const server = http.createServer((req, res) => {
    const rel =
      decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.join(dir, path.normalize(rel));
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface PageApi {
  fill(
    count: number,
    page: number,
    conversations: number,
    seed: number,
  ): Promise<{ ms: number; bytes: number }>;
  build(): Promise<{ ms: number }>;
  save(): Promise<{ ms: number; bytes: number; documents: number }>;
  reload(): Promise<{ ms: number }>;
  query(queries: string[], rounds: number): Promise<{ samples: number[]; hits: Record<string, number> }>;
}
type Call = { [K in keyof PageApi]: [K, Parameters<PageApi[K]>] }[keyof PageApi];

async function measureDevice(ctx: BenchContext): Promise<DeviceSearchResult> {
  const p = ctx.params.search.device;
  const dist = path.join(ctx.tmpDir, 'search-page');
  const t0 = Date.now();
  await buildBenchPage('bench/search/page', dist);
  ctx.log(`  device: built the bench-only page in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const site = await serveFolder(dist);
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext();
    await context.addInitScript({ content: NAME_SHIM });
    const page = await context.newPage();
    await page.goto(site.url);
    await page.waitForFunction(() => '__searchBench' in globalThis, null, { timeout: 30_000 });
    const call = <T>(...[name, args]: Call) =>
      page.evaluate(
        ([n, a]) =>
          (
            globalThis as unknown as Record<string, Record<string, (...x: unknown[]) => unknown>>
          ).__searchBench[n](...a),
        [name, args] as [string, unknown[]],
      ) as Promise<T>;
    const fill = await call<{ ms: number; bytes: number }>('fill', [p.messages, 200, p.conversations, 1]);
    ctx.log(
      `  device: stored ${p.messages} messages (${(fill.bytes / 1e6).toFixed(1)} MB JSON) in ${(fill.ms / 1000).toFixed(1)} s`,
    );
    const built = await call<{ ms: number }>('build', []);
    const saved = await call<{ ms: number; bytes: number; documents: number }>('save', []);
    const reload = await call<{ ms: number }>('reload', []);
    ctx.log(
      `  device: index built in ${r1(built.ms)} ms, saved ${(saved.bytes / 1e6).toFixed(1)} MB in ${r1(saved.ms)} ms, reloaded in ${r1(reload.ms)} ms`,
    );
    const q = await call<{ samples: number[]; hits: Record<string, number> }>('query', [
      SEARCH_QUERIES,
      p.rounds,
    ]);
    const query = summary(q.samples);
    ctx.log(
      `  device: ${query.count} queries, p50 ${query.p50} ms, p95 ${query.p95} ms, max ${query.max} ms`,
    );
    await context.close();
    return {
      messages: p.messages,
      fillMs: r1(fill.ms),
      messageBytes: fill.bytes,
      buildMs: r1(built.ms),
      saveMs: r1(saved.ms),
      indexBytes: saved.bytes,
      indexedDocuments: saved.documents,
      reloadMs: r1(reload.ms),
      query,
      perQuery: perQuery(q.samples),
      hits: q.hits,
    };
  } finally {
    await browser.close();
    await site.close();
  }
}

async function fillStore(
  store: Store,
  ctx: BenchContext,
  target: number,
  conversations: number,
  fillBudgetMs: number,
): Promise<{ userId: string; messages: number; fillMs: number }> {
  const now = Date.now();
  const users = Array.from({ length: 20 }, (_, i) => ({
    userId: randomUUID(),
    username: `bench${i}_${now}`,
  }));
  for (const u of users)
    await store.createUser({ id: u.userId, username: u.username, passwordHash: 'x', createdAt: now });
  const rooms: string[] = [];
  for (let i = 0; i < conversations; i++) {
    const id = randomUUID();
    const creator = users[i % users.length];
    await store.createRoom({ id, name: `Room ${i}`, inviteCode: randomUUID(), createdAt: now }, creator);
    for (const u of users) if (u !== creator) await store.addMember(id, u, now);
    rooms.push(id);
  }
  // The searcher is a member of half the conversations.
  const me = users[0];
  for (let i = 0; i < conversations; i += 2) await store.removeMember(rooms[i], me.userId).catch(() => false);
  const c = corpus(2);
  const inFlight = 1000;
  const t0 = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < target && Date.now() - t0 < fillBudgetMs && !ctx.signal.aborted) {
      const i = next++;
      const u = users[(i * 7) % users.length];
      const r = await store.appendMessage({
        id: newActionId(),
        conversationId: rooms[i % rooms.length],
        senderId: u.userId,
        senderName: u.username,
        text: c.text(),
        typedAt: t0 + i,
      });
      if (r.status !== 'created') throw new Error(`append refused: ${r.status}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { userId: me.userId, messages: Math.min(next, target), fillMs: Date.now() - t0 };
}

async function measureServer(
  ctx: BenchContext,
  kind: 'sqlite' | 'postgres',
  fillBudgetMs: number,
): Promise<ServerSearchResult> {
  const p = ctx.params.search.server;
  const db = kind === 'postgres' ? await createTempDatabase(ctx.postgresUrl) : null;
  const store = await createStore({
    dataDir: path.join(ctx.tmpDir, 'search-sqlite'),
    databaseUrl: db?.url ?? null,
  });
  try {
    const fill = await fillStore(store, ctx, p.messages, p.conversations, fillBudgetMs);
    ctx.log(`  ${kind}: appended ${fill.messages} messages in ${(fill.fillMs / 1000).toFixed(1)} s`);
    // A deployment's autovacuum vacuums and analyses a table that grew this much; the bench cannot
    // wait for it. The planner picks search's plan by the words' frequencies (migrations.ts), and
    // an unmerged GIN pending list is read whole by every search.
    await db?.vacuumAnalyze();
    const samples: number[] = [];
    const hits: Record<string, number> = {};
    for (let r = 0; r < p.rounds; r++)
      for (const q of SEARCH_QUERIES) {
        const t0 = performance.now();
        // As server/domain/Search.ts: unique words, one page of the default size plus one.
        const rows = await store.searchMessages({
          userId: fill.userId,
          terms: [...new Set(searchWords(q))],
          limit: 51,
        });
        samples.push(performance.now() - t0);
        hits[q] = rows.length;
      }
    const query = summary(samples);
    ctx.log(
      `  ${kind}: ${query.count} queries, p50 ${query.p50} ms, p95 ${query.p95} ms, max ${query.max} ms`,
    );
    return {
      store: kind,
      messages: fill.messages,
      target: p.messages,
      fillMs: fill.fillMs,
      appendsPerSec: Math.round((fill.messages / fill.fillMs) * 1000),
      query,
      perQuery: perQuery(samples),
      hits,
    };
  } finally {
    await store.close();
    await db?.drop();
  }
}

export async function searchScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const p = ctx.params.search;
  const end = Date.now() + ctx.params.budgetMs.search;
  // Time kept per store for its queries, closing it and dropping its database.
  const reserve = Math.min(30_000, ctx.params.budgetMs.search / 8);
  const errors: string[] = [];
  const result: SearchResult = { device: null, servers: [] };
  try {
    result.device = await measureDevice(ctx);
  } catch (e) {
    errors.push(`device: ${(e as Error).message}`);
  }
  // Filling stops early when the scenario's budget would not cover both stores: what was filled
  // is measured and reported with its count, rather than the whole scenario being stopped.
  const kinds = ['sqlite', 'postgres'] as const;
  for (const [i, kind] of kinds.entries())
    try {
      const left = end - Date.now() - reserve * (kinds.length - i);
      const fillBudget = Math.max(1_000, Math.min(p.server.fillBudgetMs, left / (kinds.length - i)));
      result.servers.push(await measureServer(ctx, kind, fillBudget));
    } catch (e) {
      errors.push(`${kind}: ${(e as Error).message}`);
    }

  const row = (metric: string, unit: string, v: number | null): Row => ({
    scenario: 'search',
    metric,
    unit,
    ferry: v,
    baseline: null,
    ratio: null,
  });
  const goal = (g: Omit<GoalResult, 'scenario'>): GoalResult => ({ scenario: 'search', ...g });
  const rows: Row[] = [];
  const goals: GoalResult[] = [];
  const d = result.device;
  const atScale = (n: number, full: number) =>
    n >= full ? undefined : `${n.toLocaleString('en')} messages, not ${full.toLocaleString('en')}`;
  if (d) {
    const ratio = Math.round((d.indexBytes / d.messageBytes) * 100) / 100;
    rows.push(
      row(`device: query p95 (${d.messages} messages)`, 'ms', d.query.p95),
      row('device: query p50', 'ms', d.query.p50),
      row('device: index build (read IndexedDB + index)', 'ms', d.buildMs),
      row('device: index load from saved copy', 'ms', d.reloadMs),
      row('device: saved index / messages JSON', 'x', ratio),
    );
    const note = atScale(d.messages, 100_000);
    const judged = note === undefined;
    goals.push(
      goal({
        id: 'search-device-query',
        label: 'Search (device): query p95',
        target: `<= ${QUERY_GOAL_MS} ms`,
        actual: d.query.p95,
        unit: 'ms',
        pass: judged ? d.query.p95 <= QUERY_GOAL_MS : null,
        note: note ?? `${d.query.count} queries`,
      }),
      goal({
        id: 'search-device-build',
        label: 'Search (device): index build',
        target: '<= 10 s',
        actual: d.buildMs,
        unit: 'ms',
        pass: judged ? d.buildMs <= BUILD_GOAL_MS : null,
        note: note ?? 'reading the messages from IndexedDB and indexing them',
      }),
      goal({
        id: 'search-device-size',
        label: 'Search (device): saved index size',
        target: `<= ${SIZE_GOAL_RATIO}x messages' JSON`,
        actual: ratio,
        unit: 'x',
        pass: judged ? ratio <= SIZE_GOAL_RATIO : null,
        note:
          note ?? `${(d.indexBytes / 1e6).toFixed(1)} MB vs ${(d.messageBytes / 1e6).toFixed(1)} MB (UTF-8)`,
      }),
    );
  }
  for (const s of result.servers) {
    rows.push(
      row(`${s.store}: query p95 (${s.messages} messages)`, 'ms', s.query.p95),
      row(`${s.store}: query p50`, 'ms', s.query.p50),
      row(`${s.store}: appends/s while filling`, '/s', s.appendsPerSec),
    );
    const note = atScale(s.messages, 1_000_000);
    goals.push(
      goal({
        id: `search-${s.store}-query`,
        label: `Search (server, ${s.store === 'sqlite' ? 'SQLite' : 'PostgreSQL'}): query p95`,
        target: `<= ${QUERY_GOAL_MS} ms`,
        actual: s.query.p95,
        unit: 'ms',
        pass: note ? null : s.query.p95 <= QUERY_GOAL_MS,
        note: note ?? `${s.query.count} queries`,
      }),
    );
  }
  return {
    rows,
    goals,
    charts: [],
    errors,
    notes: [
      `Queries (typed, each ${p.device.rounds}/${p.server.rounds} times on device/server): ${SEARCH_QUERIES.join(', ')}.`,
      `Text: ${JSON.stringify(corpus(1).vocabulary)} words, Zipf-like (1/rank); 60% English, 25% Chinese, 15% Japanese messages; the English tail is pronounceable synthetic words.`,
      `Device: Chromium (${CHROMIUM_PATH}), bench-only page (bench/search/page) running localdb's putMessages and SearchIndex; query time is SearchIndex.search (limit 50), not the hub's lookup of each hit in IndexedDB. Index size: the saved index JSON vs the stored messages' JSON, both UTF-8 bytes.`,
      `Slowest queries (by median): ${[
        ...(d ? [`device: ${slowest(d.perQuery)}`] : []),
        ...result.servers.map((x) => `${x.store}: ${slowest(x.perQuery)}`),
      ].join(' | ')}.`,
      `Server: messages appended through Store.appendMessage with 1,000 in flight (group commit batches them; the search index is kept as in production: SQLite's writer thread fills FTS5 behind its commits, 200 rows a transaction, and every query first has it index what is behind; PostgreSQL's search_vector GIN index is written by the appends themselves; PostgreSQL is vacuumed and analysed after filling, as autovacuum would be: statistics, and the GIN pending list merged), in ${p.server.conversations} conversations of 20 members; the searcher is a member of half. Filling stops at ${p.server.messages.toLocaleString('en')} messages or after ${p.server.fillBudgetMs / 1000} s per store, whichever comes first (less when the scenario's time runs short; the count reached is in each row).`,
    ],
    data: result,
  };
}
