/**
 * Long offline: a device synced with N conversations loses its network (a TCP proxy standing for
 * it drops every connection and refuses new ones; the page is set offline too) while the other
 * member sends M messages across them through the real send path; then the network comes back
 * (proxy through, page online: the app retries at once) and the bench waits until every
 * conversation's newest seq is in IndexedDB and every unread count, stored and shown in the list,
 * equals the server's. The server's CPU time over that catch-up comes from its probe.
 */
import path from 'node:path';
import { deviceState } from '../client/accountProbes.js';
import { signedInContext, waitForDeviceSync } from '../client/session.js';
import { waitUntil } from '../../test/support/wait.js';
import { scenarioWebDist } from '../client/webBuild.js';
import { signUpMany, userHeaders } from '../ferry/api.js';
import { seedRooms } from '../ferry/seed.js';
import { connect } from '../load/connect.js';
import { startTcpProxy, type TcpProxy } from '../lib/tcpProxy.js';
import type { ServerHandle } from '../servers/serverProcess.js';
import { startFerryServers } from '../targets/ferry.js';
import { CHROMIUM_PATH, launchBrowser } from '../../test/browser/support/browser.js';
import { ClientEvent, type ConversationSummary, newActionId } from '../../contract/index.js';
import { ferryOnlyRow, type BenchContext, type GoalResult, type ScenarioOutput } from '../types.js';
import { DB_NAME } from '../../localdb/index.js';

const CATCH_UP_GOAL_MS = 5000;
/** Sends in flight while the device is away. */
const SEND_WINDOW = 500;

export interface LongOfflineResult {
  conversations: number;
  sentWhileOffline: number;
  sendMs: number;
  /** Network back to the page saying Online. */
  reconnectMs: number | null;
  /** Network back to every conversation's newest seq in IndexedDB. */
  syncedMs: number;
  /** Network back to that, with every unread count right in IndexedDB and in the list. */
  catchUpMs: number;
  serverCpuMs: number;
  /** Connections the device opened through its network once back. */
  connections: number;
  unreadTotal: number;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

async function serverTruth(url: string, user: Parameters<typeof userHeaders>[0]) {
  const socket = await connect({ url, headers: userHeaders(user, url) });
  try {
    const ack = (await socket.timeout(30_000).emitWithAck(ClientEvent.listConversations, {})) as {
      ok: boolean;
      conversations: ConversationSummary[];
    };
    if (!ack.ok) throw new Error('conversations:list refused');
    return new Map(ack.conversations.map((c) => [c.id, { lastSeq: c.lastSeq, unread: c.unreadCount }]));
  } finally {
    socket.close();
  }
}

async function measure(ctx: BenchContext, webDist: string): Promise<LongOfflineResult> {
  const p = ctx.params.longOffline;
  const dataDir = path.join(ctx.tmpDir, 'long-offline-ferry');
  let servers: ServerHandle[] = await startFerryServers({ logDir: ctx.logDir, dataDir, webRoot: webDist });
  const { port, url } = servers[0];
  let proxy: TcpProxy | null = null;
  const browser = await launchBrowser();
  try {
    const [me, friend] = await signUpMany(url, 2);
    await Promise.all(servers.map((s) => s.stop()));
    const rooms = await seedRooms({
      dataDir: path.join(dataDir, 'node1'),
      owner: me,
      sender: friend,
      messages: Array.from({ length: p.conversations }, () => p.initialMessages),
      name: (i) => `Team ${i + 1}`,
      signal: ctx.signal,
    });
    servers = await startFerryServers({ logDir: ctx.logDir, dataDir, webRoot: webDist, ports: [port] });
    proxy = await startTcpProxy(port);
    const device = proxy.url;

    const context = await signedInContext(browser, device, me);
    const page = await context.newPage();
    await page.goto(`${device}/`);
    const status = () => page.evaluate(() => document.querySelector('[role="status"]')?.textContent ?? '');
    await waitForDeviceSync(page, p.conversations, p.timeoutMs);
    await waitUntil('the status to say Online', async () => /Online/.test(await status()), {
      timeoutMs: p.timeoutMs,
    });

    // The device's network goes away; the server keeps running for the sender.
    await context.setOffline(true);
    proxy.cut();
    await waitUntil('the status to leave Online', async () => !/Online/.test(await status()), {
      timeoutMs: p.timeoutMs,
    });

    const sender = await connect({ url, headers: userHeaders(friend, url) });
    let t0 = Date.now();
    try {
      let next = 0;
      const lane = async () => {
        while (next < p.offlineMessages) {
          const i = next++;
          const ack = (await sender.timeout(30_000).emitWithAck(ClientEvent.send, {
            id: newActionId(),
            conversationId: rooms[i % rooms.length],
            text: `While you were away ${i + 1}`,
            typedAt: Date.now(),
          })) as { ok: boolean; error?: { code: string } };
          if (!ack.ok) throw new Error(`send refused: ${ack.error?.code}`);
        }
      };
      await Promise.all(Array.from({ length: SEND_WINDOW }, lane));
    } finally {
      sender.close();
    }
    const sendMs = Date.now() - t0;
    ctx.signal.throwIfAborted();
    ctx.signal.throwIfAborted();
    ctx.log(
      `  ${p.offlineMessages} messages sent across ${p.conversations} conversations while away, in ${(sendMs / 1000).toFixed(1)} s`,
    );
    const truth = await serverTruth(url, me);
    const unreadTotal = [...truth.values()].reduce((a, c) => a + c.unread, 0);

    const before = await servers[0].probe(false);
    const acceptedBefore = proxy.accepted();
    t0 = performance.now();
    proxy.resume();
    await context.setOffline(false);
    let reconnectMs: number | null = null;
    let syncedMs: number | null = null;
    await waitUntil(
      'every conversation synced with its unread count right',
      async () => {
        if (reconnectMs === null && /Online/.test(await status())) reconnectMs = r1(performance.now() - t0);
        const s = await page.evaluate(deviceState, DB_NAME);
        const synced = s.conversations.filter((c) => c.syncedSeq >= (truth.get(c.id)?.lastSeq ?? Infinity));
        if (synced.length < truth.size) return false;
        syncedMs ??= r1(performance.now() - t0);
        return s.conversations.every((c) => {
          const want = truth.get(c.id)!.unread;
          return c.unreadCount === want && s.shownUnread[c.id] === want;
        });
      },
      { timeoutMs: p.timeoutMs },
    );
    const catchUpMs = r1(performance.now() - t0);
    const after = await servers[0].probe(false);
    const serverCpuMs = r1(
      (after.cpuUserUs + after.cpuSystemUs - before.cpuUserUs - before.cpuSystemUs) / 1000,
    );
    const connections = proxy.accepted() - acceptedBefore;
    ctx.log(
      `  back online: Online after ${reconnectMs} ms, every conversation synced after ${syncedMs} ms, ` +
        `unread counts right after ${catchUpMs} ms; server CPU ${serverCpuMs} ms`,
    );
    await context.close();
    return {
      conversations: p.conversations,
      sentWhileOffline: p.offlineMessages,
      sendMs,
      reconnectMs,
      syncedMs: syncedMs ?? catchUpMs,
      catchUpMs,
      serverCpuMs,
      connections,
      unreadTotal,
    };
  } finally {
    await browser.close();
    await proxy?.close();
    await Promise.all(servers.map((s) => s.stop()));
  }
}

export async function longOfflineScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const r = await measure(ctx, await scenarioWebDist(ctx, 'long-offline'));
  const atScale = r.sentWhileOffline >= 20_000 && r.conversations >= 200;
  const row = ferryOnlyRow('long-offline');
  const goal = (g: Omit<GoalResult, 'scenario'>): GoalResult => ({ scenario: 'long-offline', ...g });
  const cpuShare = Math.round((r.serverCpuMs / r.catchUpMs) * 1000) / 10;
  return {
    rows: [
      row(
        `reconnect to all synced + unread right (${r.sentWhileOffline} messages, ${r.conversations} conversations)`,
        'ms',
        r.catchUpMs,
      ),
      row('reconnect to every newest seq in IndexedDB', 'ms', r.syncedMs),
      row('network back to status Online', 'ms', r.reconnectMs),
      row('server CPU time during the catch-up', 'ms', r.serverCpuMs),
      row('server CPU during the catch-up (share of one core)', '%', cpuShare),
      row('sends while away (Node, 500 in flight)', 'ms', r.sendMs),
    ],
    goals: [
      goal({
        id: 'long-offline-catch-up',
        label: 'Long offline: reconnect to everything synced, unread counts right',
        target: `<= ${CATCH_UP_GOAL_MS / 1000} s`,
        actual: r.catchUpMs,
        unit: 'ms',
        pass: atScale ? r.catchUpMs <= CATCH_UP_GOAL_MS : null,
        note: atScale
          ? `server CPU ${r.serverCpuMs} ms (${cpuShare}% of one core over the catch-up)`
          : `${r.sentWhileOffline} messages across ${r.conversations} conversations: not the goal's size`,
      }),
    ],
    charts: [
      {
        title: 'Long offline: catch-up after reconnect',
        unit: 'ms',
        groups: [
          { label: 'all synced, unread right', ferry: r.catchUpMs, baseline: null },
          { label: 'server CPU', ferry: r.serverCpuMs, baseline: null },
        ],
        goal: { value: CATCH_UP_GOAL_MS, label: 'goal 5 s' },
      },
    ],
    notes: [
      `Chromium (${CHROMIUM_PATH}) headless (without its WebUI omnibox popups, which spin a renderer) running the built app (page + SharedWorker hub), Ferry one node (SQLite). ${r.conversations} conversations between the device's user and one other, ${ctx.params.longOffline.initialMessages} messages each before, seeded through Store.appendMessage; the device synced them through the app.`,
      `Away: the device reaches the server through a TCP proxy that stands for its network: it dropped every connection and refused new ones, and the page was set offline (Playwright). Meanwhile the other member sent ${r.sentWhileOffline.toLocaleString('en')} messages round-robin across the conversations over socket.io (message:send, ${SEND_WINDOW} in flight), not timed in the catch-up.`,
      `Back: proxy through and page online (the page's 'online' event makes the hub retry at once). Done when every conversation's syncedSeq in IndexedDB reaches the server's lastSeq and its unread count, stored and in the conversation list's accessible name, equals the server's conversations:list count (${r.unreadTotal} unread in all), polled from the bench every ~20 ms. The device opened ${r.connections} connection(s) through its network meanwhile.`,
      "Server CPU: user + system time of the server process over the catch-up (the bench's probe, bench/servers/probe.ts, without its GC); it includes everything the server did in that window, which was only this device.",
    ],
    data: r,
  };
}
