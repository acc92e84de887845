/**
 * Prometheus metrics (prom-client) on a registry of their own, so several apps in one test process
 * do not collide. Messages per second is `rate(ferry_messages_total[1m])`. Event-loop lag is Ferry's
 * own (on even when process metrics are off): a store that waited on the disk on the event loop
 * would show here first.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import client from 'prom-client';
import type { Middleware } from 'koa';
import type { CheckpointInfo, CommitInfo, SearchIndexInfo } from '../store/Store.js';

/** What the connections gauge needs from the socket.io server: its default namespace's sockets. */
export interface SocketSource {
  of(namespace: '/'): { sockets: Map<string, { conn: { transport: { name: string } } }> };
}

export interface Metrics {
  readonly registry: client.Registry;
  /** Pass as `StoreOptions.onCommit`: counts stored messages and times the commit. */
  onCommit(info: CommitInfo): void;
  /** Pass as `StoreOptions.onCheckpoint`: times the WAL checkpoints that run beside the commits. */
  onCheckpoint(info: CheckpointInfo): void;
  /** Pass as `StoreOptions.onSearchIndex`: times search indexing and follows its backlog. */
  onSearchIndex(info: SearchIndexInfo): void;
  /** Reports the socket.io server's open connections (by transport) on every scrape. */
  watchSockets(io: SocketSource): void;
  /** Counts HTTP requests by method and status. Mount first so every answer is counted. */
  httpMiddleware(): Middleware;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop lag, GC). On by default. */
  defaultMetrics?: boolean;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Commit latency buckets, seconds: 0.5 ms to 2.5 s (fsync on slow disks; PostgreSQL round trips). */
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000];
/** How often the event-loop delay monitor samples, ms. Its own interval is subtracted from each sample. */
const LOOP_RESOLUTION_MS = 5;
const LAG_QUANTILES = [
  ['0.5', 50],
  ['0.99', 99],
  ['1', 100],
] as const;

/** Creates Ferry's metrics. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new client.Registry();
  if (options.defaultMetrics ?? true) client.collectDefaultMetrics({ register: registry });

  const sources: SocketSource[] = [];
  new client.Gauge({
    name: 'ferry_connections',
    help: 'Open socket.io connections on this node, by transport.',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      const counts = new Map<string, number>([
        ['websocket', 0],
        ['polling', 0],
      ]);
      for (const io of sources) {
        for (const socket of io.of('/').sockets.values()) {
          const name = socket.conn.transport.name;
          counts.set(name, (counts.get(name) ?? 0) + 1);
        }
      }
      for (const [transport, n] of counts) this.set({ transport }, n);
    },
  });
  const messages = new client.Counter({
    name: 'ferry_messages_total',
    // Fed by StoreOptions.onCommit, whose batches include idempotent resends (answered with the
    // original): this counts message writes the store committed, i.e. send load.
    help: 'Message sends committed by the store (idempotent resends included).',
    registers: [registry],
  });
  const commitSeconds = new client.Histogram({
    name: 'ferry_commit_seconds',
    help: 'Wall time of one commit transaction holding messages (group commit, COMMIT and fsync included), seconds.',
    buckets: COMMIT_BUCKETS,
    registers: [registry],
  });
  const batchSize = new client.Histogram({
    name: 'ferry_commit_batch_messages',
    help: 'Messages per commit transaction (group commit).',
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });
  const checkpointSeconds = new client.Histogram({
    name: 'ferry_checkpoint_seconds',
    help: 'Wall time of one WAL checkpoint run beside the commits (SQLite; copy and fsync), seconds.',
    buckets: COMMIT_BUCKETS,
    registers: [registry],
  });
  const searchIndexSeconds = new client.Histogram({
    name: 'ferry_search_index_seconds',
    help: 'Wall time of SQLite search indexing behind the commits, per report (one or more runs), seconds.',
    buckets: COMMIT_BUCKETS,
    registers: [registry],
  });
  const searchIndexedRows = new client.Counter({
    name: 'ferry_search_indexed_rows_total',
    help: 'Messages rows read into the SQLite search index behind the commits.',
    registers: [registry],
  });
  const searchBacklog = new client.Gauge({
    name: 'ferry_search_backlog_rows',
    help: 'Rows committed and not yet in the SQLite search index, as of the latest commit or search.',
    registers: [registry],
  });
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loopDelay.enable();
  new client.Gauge({
    name: 'ferry_event_loop_lag_seconds',
    help:
      'How late the event loop ran a timer, by quantile (1 = the worst), over the time since the ' +
      'previous scrape (perf_hooks monitorEventLoopDelay, 5 ms samples).',
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      for (const [quantile, percentile] of LAG_QUANTILES) {
        const sampled = loopDelay.count > 0 ? loopDelay.percentile(percentile) / 1e6 : LOOP_RESOLUTION_MS;
        this.set({ quantile }, Math.max(0, sampled - LOOP_RESOLUTION_MS) / 1000);
      }
      loopDelay.reset();
    },
  });
  const httpRequests = new client.Counter({
    name: 'ferry_http_requests_total',
    help: 'HTTP requests answered, by method and status code.',
    labelNames: ['method', 'status'],
    registers: [registry],
  });

  return {
    registry,
    contentType: registry.contentType,
    onCommit(info) {
      messages.inc(info.messages);
      commitSeconds.observe(info.ms / 1000);
      batchSize.observe(info.messages);
    },
    onCheckpoint(info) {
      checkpointSeconds.observe(info.ms / 1000);
    },
    onSearchIndex(info) {
      if (info.rows > 0) {
        searchIndexSeconds.observe(info.ms / 1000);
        searchIndexedRows.inc(info.rows);
      }
      searchBacklog.set(info.behind);
    },
    watchSockets(io) {
      sources.push(io);
    },
    httpMiddleware() {
      return async (ctx, next) => {
        try {
          await next();
        } finally {
          // Koa turns a thrown error into a status after this; count what we know now.
          const status = ctx.res.headersSent ? ctx.res.statusCode : ctx.status;
          httpRequests.inc({
            method: METHODS.has(ctx.method) ? ctx.method : 'OTHER',
            status: String(status),
          });
        }
      };
    },
    render: () => registry.metrics(),
  };
}
