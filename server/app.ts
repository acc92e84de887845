/**
 * createApp: one Ferry node. Koa serves the HTTP API, health/metrics and the built page; socket.io
 * shares the same HTTP server. Tests build it on port 0; server/index.ts builds it from the env.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { isOneEmoji } from '../contract/index.js';
import { Attachments, BlobKeeper } from './attachments/index.js';
import { AuthService } from './auth/AuthService.js';
import type { Config } from './config.js';
import { createDomain } from './domain/index.js';
import { serverRestarting } from './errors.js';
import { createApi } from './http/api/index.js';
import { sendError } from './http/api/respond.js';
import { security } from './http/security.js';
import { serveStatic } from './http/static.js';
import { createLogger, type Logger } from './ops/logger.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { opsRoutes } from './ops/routes.js';
import { attachRealtime } from './realtime/connection.js';
import { createIo } from './realtime/io.js';
import { Relay } from './realtime/relay.js';
import type { FerryIo } from './realtime/types.js';
import { loadVapidKeys, PushService, type VapidKeys } from './push/index.js';
import { MemoryPresence } from './scale/memoryPresence.js';
import { MemoryRateLimiter } from './scale/memoryRateLimiter.js';
import type { PresenceTracker } from './scale/Presence.js';
import type { RateLimiter } from './scale/RateLimiter.js';
import type { Store } from './store/Store.js';

export type { FerryIo } from './realtime/types.js';

export interface AppDeps {
  config: Config;
  /** Already migrated. Closed by FerryApp.close(). */
  store: Store;
  /** pino; default: a logger at config.logLevel (tests set LOG_LEVEL=silent). */
  logger?: Logger;
  /** Prometheus metrics (pass the one whose onCommit the store reports to); default: a private one. */
  metrics?: Metrics;
  /** Default: memory. One passed in is closed by its creator, not by the app. */
  rateLimiter?: RateLimiter;
  /** Default: memory. One passed in is closed by its creator, not by the app. */
  presence?: PresenceTracker;
  /** The clock of the domain rules (the edit window); default Date.now. Tests inject one. */
  now?: () => number;
  /** Web Push VAPID keys; default: from the config, else made once in DATA_DIR. */
  vapid?: VapidKeys;
  /** Installs a socket.io adapter (Redis) on the io server before it accepts connections. */
  configureIo?: (io: FerryIo) => void | Promise<void>;
  /** Registers a listener for that adapter's connection coming back after an outage. */
  onCrossNodeReconnect?: (listener: () => void) => void;
}

export interface FerryApp {
  koa: Koa;
  server: http.Server;
  io: FerryIo;
  /** Every method and path the HTTP API's router answers (for checks against the contract). */
  apiRoutes: readonly { method: string; path: string }[];
  /** Uploads and their blobs (tests run its sweep). */
  attachments: Attachments;
  /** Listens (port 0 in tests); resolves with the bound address. */
  listen(port?: number, host?: string): Promise<{ port: number; url: string }>;
  /** Graceful: stop accepting, finish pending commits, close sockets, close store. */
  close(): Promise<void>;
}

/** How long close() lets running socket handlers answer, and those answers be written. */
const SOCKET_DRAIN_MS = 3_000;
/** How long close() lets in-flight HTTP requests finish before cutting their connections. */
const CLOSE_GRACE_MS = 5_000;
const IDLE_SWEEP_MS = 50;

/** Builds a Ferry node (not yet listening). */
export async function createApp(deps: AppDeps): Promise<FerryApp> {
  const { config, store } = deps;
  // The one-emoji pattern is built on first use (pages want it late); a node builds it now, so
  // the first reaction does not stall the event loop for every connection while it is made.
  isOneEmoji('\u{1F44D}');
  const logger = deps.logger ?? createLogger({ level: config.logLevel, nodeId: config.nodeId });
  const metrics = deps.metrics ?? createMetrics({ defaultMetrics: false });
  const rateLimiter = deps.rateLimiter ?? new MemoryRateLimiter();
  const presence: PresenceTracker = deps.presence ?? new MemoryPresence();

  const io = createIo(config);
  if (deps.configureIo) await deps.configureIo(io);
  const relay = new Relay(io);
  // An installed adapter means other nodes: the SSE bus must hear them too.
  if (deps.configureIo) relay.enableCrossNodeBus();
  deps.onCrossNodeReconnect?.(() => relay.crossNodeResumed());

  const auth = new AuthService({
    store,
    rateLimiter,
    sessionTtlMs: config.sessionTtlDays * 86_400_000,
    signupRule: { capacity: config.signupBurst, refillPerSecond: config.signupRatePerHour / 3_600 },
  });
  const push = new PushService({
    store,
    presence,
    rateLimiter,
    logger,
    vapid: deps.vapid ?? loadVapidKeys(config),
    coalesceMs: config.pushCoalesceMs,
    allowLoopbackHttp: config.pushAllowLoopbackHttp,
  });
  const now = deps.now ?? Date.now;
  const blobs = new BlobKeeper(store, logger);
  const domain = createDomain({
    blobs,
    store,
    relay,
    rateLimiter,
    presence,
    sendRule: { capacity: config.sendBurst, refillPerSecond: config.sendRatePerSecond },
    editWindowMs: config.editWindowHours * 3_600_000,
    now: deps.now,
    listener: push.notifier,
  });
  const attachments = new Attachments({
    config,
    store,
    membership: domain.membership,
    rateLimiter,
    blobs,
    logger,
    now,
  });
  attachments.start();
  const api = createApi({ config, store, auth, domain, relay, logger, push, attachments });
  // Redis presence reaps the connections of a node that died without a goodbye (SCALE): tell
  // those users' conversations that they went offline.
  presence.onOffline?.((userIds) => {
    for (const userId of userIds) {
      store.listUserConversationIds(userId).then(
        (ids) => relay.presence(ids, { userId, online: false }),
        (err: unknown) => logger.warn({ err, userId }, 'presence: could not announce a reaped user'),
      );
    }
  });

  let draining = false;
  // Koa reads the client address from the right end of X-Forwarded-For, keeping only the entries
  // our own proxies wrote: the leftmost of those is the address the outermost proxy saw.
  const koa = new Koa({ proxy: config.trustProxy, maxIpsCount: config.trustProxyHops });
  koa.on('error', (err: unknown) => logger.warn({ err }, 'HTTP request failed'));
  koa.use(metrics.httpMiddleware());
  koa.use(async (ctx, next) => {
    if (!draining) return next();
    ctx.set('Connection', 'close');
    sendError(ctx, serverRestarting().toWire());
  });
  koa.use(security({ allowedOrigins: config.allowedOrigins }));
  koa.use(opsRoutes({ store, metrics, metricsToken: config.metricsToken, draining: () => draining }));
  koa.use(api.middleware);
  koa.use(serveStatic({ root: config.webRoot }));

  const server = http.createServer(koa.callback());
  // Attached after Koa's listener, so socket.io answers /socket.io/ and hands the rest to Koa.
  io.attach(server);
  metrics.watchSockets(io);
  const realtime = attachRealtime(io, {
    auth,
    store,
    domain,
    relay,
    logger,
    maxSocketsPerUser: config.maxSocketsPerUser,
    maxBufferedBytes: config.socketMaxBufferedBytes,
  });

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    draining = true;
    relay.stop();
    api.closeFeeds();
    // Stop accepting connections; resolves once every open one has ended.
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive connections go as soon as they are idle: now, and as in-flight requests finish.
    server.closeIdleConnections();
    const sweeper = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        server.closeAllConnections();
        resolve();
      }, CLOSE_GRACE_MS);
    });
    // Socket handlers already running answer before their sockets close: io.close() alone would
    // drop the acks of messages it lets the store commit, leaving their clients unsure.
    await realtime.drain(SOCKET_DRAIN_MS);
    // Cuts whatever is left and closes the adapter.
    await io.close().catch((err: unknown) => logger.warn({ err }, 'closing socket.io failed'));
    await Promise.race([serverClosed, graceOver]);
    clearTimeout(timer);
    clearInterval(sweeper);
    // Pushes already on their way finish before the store they read closes.
    await push.close();
    await attachments.close();
    // Waits for pending group commits before closing the database.
    await store.close();
    if (!deps.rateLimiter) await rateLimiter.close();
    if (!deps.presence) await presence.close();
  };

  return {
    koa,
    server,
    io,
    apiRoutes: api.routes,
    attachments,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          const address = server.address() as AddressInfo;
          const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
          const hostPart = shownHost.includes(':') ? `[${shownHost}]` : shownHost;
          resolve({ port: address.port, url: `http://${hostPart}:${address.port}` });
        });
      });
    },
    close() {
      closing ??= close();
      return closing;
    },
  };
}
