/**
 * Scenario 5, the client in headless Chromium against a real Ferry process serving the built page:
 * first-load JS/CSS (gzip), time from navigation to the first conversation rendered (first visit,
 * repeat visit online, and offline: server stopped, network off, page from the Service Worker's
 * precache and data from IndexedDB), and the replay of N queued outbox messages until all are
 * acknowledged. The server's send rate limit is lifted (SEND_RATE_PER_SECOND / SEND_BURST).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ClientEvent, newActionId } from '../../contract/index.js';
import { waitUntil } from '../../test/support/wait.js';
import {
  gzipSize,
  recordPageAssets,
  watchSharedWorkers,
  workerAssets,
  type AssetSize,
} from '../client/assets.js';
import {
  idleLoadsStart,
  installRenderMarks,
  installReplayMarks,
  outboxStates,
  writeOutbox,
  type RenderMarks,
  type ReplayMarks,
} from '../client/pageProbes.js';
import { signedInContext } from '../client/session.js';
import { ensureWebDist } from '../client/webBuild.js';
import { allMessages, postMessage, roomWith, signUpMany, userHeaders, type BenchUser } from '../ferry/api.js';
import { connect } from '../load/connect.js';
// The tests' launcher: Debian's Chromium with the flags from shared/notes/pwa-testing.md.
import { CHROMIUM_PATH, launchBrowser } from '../../test/browser/support/browser.js';
import type { ServerHandle } from '../servers/serverProcess.js';
import { DB_NAME, type OutboxEntry } from '../../localdb/index.js';
import { nextOrder, queuedEntry } from '../../outbox/index.js';
import { BENCH_RATE_ENV, startFerryServers } from '../targets/ferry.js';
import { IDLE_LOADS_MARK } from '../../web/ui/idle.js';
import type { BenchContext, ChartPanel, GoalResult, Row, ScenarioOutput } from '../types.js';

const REPEATS = 3;
/** First-load JavaScript goal (page + SharedWorker hub, gzip), with socket.io kept. */
const FIRST_LOAD_GOAL_KB = 40;

export interface ClientResult {
  webDist: string;
  builtMs: number;
  assets: AssetSize[];
  firstLoad: {
    jsGzip: number;
    cssGzip: number;
    jsRaw: number;
    cssRaw: number;
    /** JS and CSS body bytes as the server sent them. */
    wire: number;
    pageJsGzip: number;
    workerJsGzip: number;
  };
  /** JS the page asked for only after the first conversation showed (lazy parts loaded at idle). */
  afterFirstContent: { jsGzip: number; files: number };
  /** Every JS and CSS file of the build (what the Service Worker precaches in the background). */
  buildTotal: { jsGzip: number; cssGzip: number };
  firstVisitMs: number;
  onlineMs: number[];
  offlineMs: number[];
  replay: {
    queued: number;
    /**
     * From the reconnect (the first of: network back with the server up, status Online, first
     * acknowledgement) to the outbox being empty. The app was reopened offline before it.
     */
    replayMs: number;
    /** From the reconnect to the status saying Online (0 when the hub's socket came first). */
    reconnectMs: number | null;
    /** From the reconnect to the outbox's first entry gone (the first acknowledgement). */
    firstAckMs: number | null;
    storedOnServer: number;
    duplicatesOnServer: number;
    /**
     * For scale: the same number of sends, one at a time (each awaits its ack), from a Node
     * socket.io client to the same server. What the server alone costs a sequential replay.
     */
    serverSequentialMs: number;
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const r1 = (x: number) => Math.round(x * 10) / 10;

async function marks(page: Page): Promise<RenderMarks> {
  return page.evaluate(() => (window as unknown as { __benchMarks: RenderMarks }).__benchMarks);
}

/** Navigates and returns ms from navigation start to the conversation's link in the DOM. */
async function timedVisit(page: Page, url: string, roomName: string, timeoutMs: number): Promise<number> {
  await page.goto(url, { waitUntil: 'commit', timeout: timeoutMs });
  // The role-based locator of the accessibility contract confirms what the observer timed.
  await page
    .getByRole('navigation', { name: 'Conversations' })
    .getByRole('link', { name: new RegExp(`^${roomName}`) })
    .waitFor({ timeout: timeoutMs });
  const m = await marks(page);
  if (m.firstConversationAt === null) throw new Error('the conversation link showed but was not timed');
  return r1(m.firstConversationAt);
}

/** The connection status line's text. */
export const statusText = (page: Page) =>
  page.evaluate(() => document.querySelector('[role="status"]')?.textContent ?? '');

/** A fresh browser context signed in as `user`, with the render marks installed. */
export async function sessionContext(
  browser: Browser,
  url: string,
  user: BenchUser,
  roomName: string,
): Promise<BrowserContext> {
  const context = await signedInContext(browser, url, user);
  await context.addInitScript(installRenderMarks, roomName);
  return context;
}

/** Sends `n` messages one after another over one socket, each awaiting its ack; returns ms. */
async function sequentialSends(
  url: string,
  user: BenchUser,
  conversationId: string,
  n: number,
): Promise<number> {
  const socket = await connect({ url, headers: userHeaders(user, url) });
  try {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const ack = (await socket.timeout(30_000).emitWithAck(ClientEvent.send, {
        id: newActionId(),
        conversationId,
        text: `Sequential ${i + 1}`,
        typedAt: Date.now(),
      })) as { ok: boolean; error?: { code: string } };
      if (!ack.ok) throw new Error(`sequential send refused: ${ack.error?.code}`);
    }
    return r1(performance.now() - t0);
  } finally {
    socket.close();
  }
}

/** Sizes of every JS and CSS file in the build. */
function buildTotals(dir: string): { jsGzip: number; cssGzip: number } {
  let jsGzip = 0;
  let cssGzip = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.m?js$/.test(e.name)) jsGzip += gzipSize(readFileSync(p));
      else if (e.name.endsWith('.css')) cssGzip += gzipSize(readFileSync(p));
    }
  };
  walk(dir);
  return { jsGzip, cssGzip };
}

async function measure(
  ctx: BenchContext,
  browser: Browser,
  webDist: string,
  builtMs: number,
): Promise<ClientResult> {
  const p = ctx.params.client;
  const dataDir = path.join(ctx.tmpDir, 'client-ferry');
  let servers: ServerHandle[] = await startFerryServers({ logDir: ctx.logDir, dataDir, webRoot: webDist });
  const port = servers[0].port;
  const url = servers[0].url;
  try {
    const [me, friend] = await signUpMany(url, 2);
    const roomName = `Bench room ${randomBytes(3).toString('hex')}`;
    const room = await roomWith(url, [me, friend], roomName);
    for (let i = 0; i < p.messagesInConversation; i++)
      await postMessage(url, friend, room.id, `History message ${i + 1}`);

    const context = await sessionContext(browser, url, me, roomName);
    const page = await context.newPage();

    // 1. First visit: nothing cached; counts the JS and CSS it takes to show the conversation.
    const workers = await watchSharedWorkers(browser);
    const recorder = recordPageAssets(page);
    const firstVisitMs = await timedVisit(page, url, roomName, p.timeoutMs);
    // First load is what the page had fetched when it started its idle-time loads (they start
    // after the first content and an idle moment), both read on the page's own clock: comparing
    // this side's request times with the moment the conversation showed misplaced by a few ms
    // the loads the page starts just after it.
    const idle = await waitUntil(
      'the page to start its idle-time loads',
      () => page.evaluate(idleLoadsStart, IDLE_LOADS_MARK),
      { timeoutMs: p.timeoutMs },
    );
    const shownAt = (await page.evaluate(() => performance.timeOrigin)) + firstVisitMs;
    const taken = await recorder.done();
    const fetchedBefore = new Set(idle.fetchedBefore);
    // Idle loads that began before the conversation showed (the page's fallback after a slow first
    // sync) leave this side's request times to decide, counting too much rather than too little.
    const idleBeforeShown = idle.at < firstVisitMs;
    const pageAssets = taken.filter(
      (a) =>
        a.requestedAt === null || fetchedBefore.has(a.url) || (idleBeforeShown && a.requestedAt <= shownAt),
    );
    const later = taken.filter((a) => !pageAssets.includes(a));
    const counted = new Set(pageAssets.map((a) => a.url));
    const workerUrls = await waitUntil(
      'the SharedWorker hub to start',
      async () => workers.urls().length > 0 && workers.urls(),
      { timeoutMs: 10_000 },
    ).catch(() => [] as string[]);
    await workers.stop();
    const hubAssets = (await Promise.all(workerUrls.map((u) => workerAssets(u, counted)))).flat();
    const assets = [...pageAssets, ...hubAssets];
    ctx.log(`  first visit: conversation shown after ${firstVisitMs} ms; ${assets.length} JS/CSS files`);

    // The Service Worker must be active (shell precached) and the hub synced before going offline.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await waitUntil('the status to say Online', async () => /Online/.test(await statusText(page)), {
      timeoutMs: p.timeoutMs,
    });

    // 2. Repeat visits, online.
    const onlineMs: number[] = [];
    for (let i = 0; i < REPEATS; i++) onlineMs.push(await timedVisit(page, url, roomName, p.timeoutMs));
    ctx.log(`  online repeat visits: ${onlineMs.join(', ')} ms`);
    await waitUntil('the status to say Online', async () => /Online/.test(await statusText(page)), {
      timeoutMs: p.timeoutMs,
    });

    // 3. Offline: server stopped and network off; page from the precache, data from IndexedDB.
    await Promise.all(servers.map((s) => s.stop()));
    await context.setOffline(true);
    await waitUntil('the status to leave Online', async () => !/Online/.test(await statusText(page)), {
      timeoutMs: p.timeoutMs,
    });
    const offlineMs: number[] = [];
    for (let i = 0; i < REPEATS; i++) offlineMs.push(await timedVisit(page, url, roomName, p.timeoutMs));
    ctx.log(`  offline visits: ${offlineMs.join(', ')} ms`);

    // 4. Replay: N messages queued while offline; the app reopens offline, then server and network return.
    const t0 = Date.now();
    let lastOrder: number | undefined;
    const entries: OutboxEntry[] = Array.from({ length: p.queued }, (_, i) => {
      const entry = queuedEntry(
        { conversationId: room.id, senderId: me.user.id, text: `Queued ${i + 1}` },
        t0 + i,
      );
      lastOrder = nextOrder(entry.typedAt, lastOrder);
      return { ...entry, order: lastOrder };
    });
    const inOutbox = await page.evaluate(writeOutbox, { dbName: DB_NAME, entries });
    if (inOutbox < p.queued) throw new Error(`only ${inOutbox} of ${p.queued} entries are in the outbox`);
    // The app reopens while still offline, so the probe counts the whole outbox before anything
    // can be sent; then the network comes back. (Reopening online let the old page's "online" event
    // start the Service Worker's replay before the new page could see it, and a slow machine
    // finished it first.) Chromium's offline emulation does not reach the SharedWorker, so the hub
    // may reconnect as soon as the server is up: the replay is timed from the first of the network
    // coming back, the status saying Online and the first acknowledgement, on the page's clock.
    await page.addInitScript(installReplayMarks, DB_NAME);
    await timedVisit(page, url, roomName, p.timeoutMs);
    const replayMarksNow = () =>
      page.evaluate(() => (window as unknown as { __benchReplay?: ReplayMarks }).__benchReplay);
    const probed = await waitUntil(
      'the outbox probe to count the queued entries',
      async () => {
        const m = await replayMarksNow();
        return m?.error || m?.initial !== null ? m : null;
      },
      { timeoutMs: p.timeoutMs },
    );
    if (probed.error) throw new Error(`outbox probe: ${probed.error}`);
    if (probed.initial !== p.queued)
      throw new Error(`the reopened app found ${probed.initial} of ${p.queued} queued entries while offline`);
    servers = await startFerryServers({ logDir: ctx.logDir, dataDir, webRoot: webDist, ports: [port] });
    const networkBackAt = await page.evaluate(() => performance.now());
    await context.setOffline(false);
    const replayMarks = await waitUntil(
      `the outbox to empty (${p.queued} queued)`,
      async () => {
        const m = await replayMarksNow();
        // A probe error ends the wait too (thrown below): polling on would only reach the timeout.
        return m?.error || (m?.emptyAt !== null && m?.emptyAt !== undefined) ? m : null;
      },
      { timeoutMs: p.timeoutMs },
    ).catch(async (e: Error) => {
      const states = await page.evaluate(outboxStates, DB_NAME).catch(() => ({}));
      throw new Error(`${e.message}; outbox now ${JSON.stringify(states)}`);
    });
    if (replayMarks.error) throw new Error(`outbox probe: ${replayMarks.error}`);
    const rm = await marks(page);
    const start = Math.min(networkBackAt, rm.onlineAt ?? Infinity, replayMarks.firstAckAt ?? Infinity);
    const stored = await allMessages(url, me, room.id);
    const queuedTexts = stored.filter((m) => m.text.startsWith('Queued '));
    const replay = {
      queued: p.queued,
      replayMs: r1((replayMarks.emptyAt ?? NaN) - start),
      reconnectMs: rm.onlineAt === null ? null : r1(rm.onlineAt - start),
      firstAckMs: replayMarks.firstAckAt === null ? null : r1(replayMarks.firstAckAt - start),
      storedOnServer: queuedTexts.length,
      duplicatesOnServer: queuedTexts.length - new Set(queuedTexts.map((m) => m.id)).size,
    };
    if (replay.storedOnServer !== p.queued || replay.duplicatesOnServer !== 0)
      throw new Error(
        `server stored ${replay.storedOnServer} of ${p.queued} queued messages (${replay.duplicatesOnServer} duplicates)`,
      );
    ctx.log(
      `  replay of ${p.queued}: ${replay.replayMs} ms after the reconnect ` +
        `(first acknowledgement after ${replay.firstAckMs} ms, status Online after ${replay.reconnectMs} ms)`,
    );
    await context.close();
    const serverSequentialMs = await sequentialSends(url, me, room.id, p.queued);
    ctx.log(`  the server alone: ${p.queued} sequential acked sends from Node in ${serverSequentialMs} ms`);

    const sum = (f: (a: AssetSize) => boolean, k: 'gzipBytes' | 'bytes' | 'wireBytes') =>
      assets.filter(f).reduce((a, x) => a + x[k], 0);
    return {
      webDist,
      builtMs,
      assets,
      firstLoad: {
        jsGzip: sum((a) => a.kind === 'js', 'gzipBytes'),
        cssGzip: sum((a) => a.kind === 'css', 'gzipBytes'),
        jsRaw: sum((a) => a.kind === 'js', 'bytes'),
        cssRaw: sum((a) => a.kind === 'css', 'bytes'),
        wire: sum(() => true, 'wireBytes'),
        pageJsGzip: sum((a) => a.kind === 'js' && a.by === 'page', 'gzipBytes'),
        workerJsGzip: sum((a) => a.kind === 'js' && a.by === 'shared-worker', 'gzipBytes'),
      },
      afterFirstContent: {
        jsGzip: later.filter((a) => a.kind === 'js').reduce((n, a) => n + a.gzipBytes, 0),
        files: later.length,
      },
      buildTotal: buildTotals(webDist),
      firstVisitMs,
      onlineMs,
      offlineMs,
      replay: { ...replay, serverSequentialMs },
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

export async function clientScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const web = await ensureWebDist(ctx.webDist, ctx.tmpDir, ctx.logDir, 120_000);
  ctx.log(
    web.built
      ? `client: built the page privately in ${(web.ms / 1000).toFixed(1)} s`
      : `client: page from ${web.dir}`,
  );
  const browser = await launchBrowser();
  let r: ClientResult;
  try {
    r = await measure(ctx, browser, web.dir, web.ms);
  } finally {
    await browser.close();
  }
  const kb = (b: number) => Math.round((b / 1000) * 10) / 10;
  const f = (metric: string, unit: string, v: number | null): Row => ({
    scenario: 'client',
    metric,
    unit,
    ferry: v,
    baseline: null,
    ratio: null,
  });
  const online = median(r.onlineMs);
  const offline = median(r.offlineMs);
  const goal = (
    id: string,
    label: string,
    target: string,
    actual: number,
    unit: string,
    pass: boolean | null,
    note?: string,
  ): GoalResult => ({
    id,
    scenario: 'client',
    label,
    target,
    actual,
    unit,
    pass,
    note,
  });
  const rows = [
    f('first-load JS (gzip): page + SharedWorker hub', 'KB', kb(r.firstLoad.jsGzip)),
    f('first-load JS (gzip): page only', 'KB', kb(r.firstLoad.pageJsGzip)),
    f('first-load CSS (gzip)', 'KB', kb(r.firstLoad.cssGzip)),
    f('JS asked for after the first conversation showed (gzip)', 'KB', kb(r.afterFirstContent.jsGzip)),
    f('first visit: navigation to first conversation', 'ms', r.firstVisitMs),
    f(`repeat visit online (median of ${REPEATS})`, 'ms', online),
    f(`offline (median of ${REPEATS})`, 'ms', offline),
    f(`replay of ${r.replay.queued} queued messages`, 'ms', r.replay.replayMs),
    f('reconnect to the first acknowledgement', 'ms', r.replay.firstAckMs),
    f('reconnect to status Online', 'ms', r.replay.reconnectMs),
    f(
      `server alone: ${r.replay.queued} sequential acked sends (Node client)`,
      'ms',
      r.replay.serverSequentialMs,
    ),
  ];
  const charts: ChartPanel[] = [
    {
      title: 'Client: first-load bytes (gzip)',
      unit: 'KB',
      groups: [
        { label: 'JS (page + hub)', ferry: kb(r.firstLoad.jsGzip), baseline: null },
        { label: 'CSS', ferry: kb(r.firstLoad.cssGzip), baseline: null },
      ],
      goal: { value: FIRST_LOAD_GOAL_KB, label: `JS goal ${FIRST_LOAD_GOAL_KB} KB` },
    },
    {
      title: 'Client: time to first conversation',
      unit: 'ms',
      groups: [
        { label: 'first visit', ferry: r.firstVisitMs, baseline: null },
        { label: 'online', ferry: online, baseline: null },
        { label: 'offline', ferry: offline, baseline: null },
      ],
      goal: { value: 500, label: 'offline goal 500 ms' },
    },
    {
      title: `Client: replay of ${r.replay.queued} queued messages`,
      unit: 'ms',
      groups: [
        { label: 'first ack', ferry: r.replay.firstAckMs, baseline: null },
        { label: 'all acked', ferry: r.replay.replayMs, baseline: null },
      ],
      goal: { value: 3000, label: 'goal 3 s (for 1,000)' },
    },
  ];
  const replayGoalNote =
    r.replay.queued === 1000
      ? undefined
      : `only ${r.replay.queued} queued at this size: not comparable to the goal`;
  return {
    rows,
    goals: [
      goal(
        'client-js',
        'Client: first-load JavaScript (gzip)',
        `<= ${FIRST_LOAD_GOAL_KB} KB`,
        kb(r.firstLoad.jsGzip),
        'KB',
        r.firstLoad.jsGzip <= FIRST_LOAD_GOAL_KB * 1000,
        'page + SharedWorker hub',
      ),
      goal(
        'client-offline',
        'Client: offline first render',
        '<= 500 ms',
        offline,
        'ms',
        offline <= 500,
        `median of ${REPEATS}`,
      ),
      goal(
        'client-replay',
        'Client: 1,000 queued messages replayed',
        '<= 3 s',
        r.replay.replayMs,
        'ms',
        r.replay.queued === 1000 ? r.replay.replayMs <= 3000 : null,
        replayGoalNote ?? 'from the reconnect to the last acknowledgement',
      ),
    ],
    charts,
    notes: [
      `Chromium ${browser.version()} headless (${CHROMIUM_PATH}); the page built from the current sources` +
        (r.builtMs ? ` (vite build, ${(r.builtMs / 1000).toFixed(1)} s)` : ` (${r.webDist})`) +
        '; Ferry one node, SQLite, serving it.',
      'First-load bytes: every JS/CSS file the page asked for before the first conversation showed (by request start ' +
        `time; ${r.afterFirstContent.files} asked for after it, ${kb(r.afterFirstContent.jsGzip)} KB JS, are not counted), plus the SharedWorker ` +
        `hub's script, each gzip -9 (the server sent them as ${[...new Set(r.assets.map((a) => a.encoding))].join('/')}: ` +
        `${kb(r.firstLoad.wire)} KB JS+CSS on the wire). ` +
        `The whole build (precached by the Service Worker in the background): JS ${kb(r.buildTotal.jsGzip)} KB, CSS ${kb(r.buildTotal.cssGzip)} KB gzip.`,
      'Render times: from navigation start to the conversation link in the DOM (MutationObserver in the page), checked ' +
        'with the accessibility contract locator. Offline = server stopped + network off; page from the precache, data from IndexedDB.',
      `Replay: ${r.replay.queued} entries written to the outbox while offline (as outbox/store.ts does), then the server ` +
        `restarted and the app reopened; the server stored all ${r.replay.storedOnServer}, ${r.replay.duplicatesOnServer} duplicates. ` +
        `Reconnect took ${r.replay.reconnectMs ?? '-'} ms after reopening. For scale, the server alone acks ` +
        `${r.replay.queued} sends made one after another from Node in ${r.replay.serverSequentialMs} ms: the rest of the replay ` +
        'time is spent in the browser (the drain loop, IndexedDB, re-rendering). ' +
        `Ferry ran with its send rate limit lifted for this (${Object.entries(BENCH_RATE_ENV)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}).`,
    ],
    data: r,
  };
}
