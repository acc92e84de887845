/**
 * The server entry: reads the configuration, opens the store, sets up Redis when REDIS_URL is set,
 * builds the app, listens, and shuts down gracefully on SIGTERM/SIGINT. Everything else lives in
 * createApp (server/app.ts), which tests build directly on port 0.
 */
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './ops/logger.js';
import { createMetrics } from './ops/metrics.js';
import { installShutdown } from './ops/shutdown.js';
import { createStore } from './store/createStore.js';

/**
 * Multi-node parts (server/scale/redis.ts): imported only when REDIS_URL is set, so one-node
 * deployments never load `redis` or the adapter.
 */
async function setupRedis(config: Config, logger: Logger) {
  const { setupRedis: setup } = await import('./scale/redis.js');
  return setup(config, logger);
}

/** Reads the configuration, or prints every problem and exits 1. */
function configOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`Ferry cannot start. ${err.message}`);
    console.error('Fix these environment variables (see "Configuration" in README.md) and start again.');
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger({ level: config.logLevel, nodeId: config.nodeId });
  const metrics = createMetrics();

  // Until the graceful path below exists, a store that breaks for good just ends the process.
  let storeFailed = (err: unknown): void => {
    logger.fatal({ err }, 'store failed');
    process.exit(1);
  };
  const store = await createStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl ?? undefined,
    onCommit: metrics.onCommit,
    onCheckpoint: metrics.onCheckpoint,
    onSearchIndex: metrics.onSearchIndex,
    onFailure: (err) => storeFailed(err),
  });
  const redis = config.redisUrl ? await setupRedis(config, logger) : null;

  const app = await createApp({
    config,
    store,
    logger,
    metrics,
    rateLimiter: redis?.rateLimiter,
    presence: redis?.presence,
    configureIo: redis?.configureIo,
    onCrossNodeReconnect: redis?.onReconnect,
  });
  const shutdown = installShutdown({
    logger,
    close: async () => {
      await app.close();
      await redis?.close();
    },
  });
  // A bug that escapes every handler leaves unknown state: log it and leave through the graceful
  // path (pending commits finish), exiting 1 so the process manager restarts us.
  const fatal = (kind: string) => (err: unknown) => {
    logger.fatal({ err }, kind);
    shutdown.begin(kind, 1);
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled rejection'));
  // The store refuses all work once its writer thread died: leave, so the process manager restarts us.
  storeFailed = fatal('store failed');
  const { port, url } = await app.listen(config.port, config.host);
  // Tests (test/server/support/process.ts) find the port from this line: keep `msg` and `port`.
  logger.info({ port, url, store: store.kind, redis: Boolean(redis) }, 'listening');
}

main().catch((err: unknown) => {
  console.error('Ferry failed to start:', err instanceof Error ? err.message : err);
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause) console.error('Cause:', cause instanceof Error ? cause.message : cause);
  // The stack helps a developer, not the person reading the message above.
  if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') console.error(err);
  process.exit(1);
});
