/** `/healthz` and `/metrics`: the two routes load balancers and Prometheus call. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { ErrorCode, HttpPath, type Ack } from '../../contract/index.js';
import type { Store } from '../store/Store.js';
import type { Metrics } from './metrics.js';

export interface OpsRoutesOptions {
  store: Store;
  metrics: Metrics;
  /** The bearer token /metrics requires (METRICS_TOKEN); null: /metrics is not served at all. */
  metricsToken: string | null;
  /** True once shutdown began: health turns 503 so balancers stop sending traffic here. */
  draining?: () => boolean;
  /** How long the store may take to answer the health probe. */
  probeTimeoutMs?: number;
}

/** A user id that never exists: looking it up proves the store answers, without side effects. */
const PROBE_USER_ID = '00000000-0000-0000-0000-000000000000';

/** Answers GET /healthz (store reachable: 200 {ok:true}, else 503) and GET /metrics. */
export function opsRoutes(options: OpsRoutesOptions): Middleware {
  const timeoutMs = options.probeTimeoutMs ?? 2_000;
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path === HttpPath.health) {
      ctx.set('Cache-Control', 'no-store');
      const problem = options.draining?.()
        ? 'The server is shutting down.'
        : await probe(options.store, timeoutMs);
      const body: Ack<{ store: string }> = problem
        ? { ok: false, error: { code: ErrorCode.UNAVAILABLE, message: `${problem} Try again shortly.` } }
        : { ok: true, store: options.store.kind };
      ctx.status = problem ? 503 : 200;
      ctx.body = body;
      return;
    }
    if (ctx.path === HttpPath.metrics) {
      ctx.set('Cache-Control', 'no-store');
      if (!metricsAllowed(ctx, options.metricsToken)) return;
      ctx.type = options.metrics.contentType;
      ctx.body = await options.metrics.render();
      return;
    }
    return next();
  };
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * True when the request may read /metrics; otherwise answers it. Without a token configured the
 * route does not exist (metrics reveal traffic and users online); with one, only
 * `Authorization: Bearer <token>` is served, compared in constant time.
 */
function metricsAllowed(ctx: Context, token: string | null): boolean {
  if (token === null) {
    ctx.status = 404;
    ctx.body = {
      ok: false,
      error: { code: ErrorCode.NOT_FOUND, message: 'Metrics are off on this server (set METRICS_TOKEN).' },
    } satisfies Ack;
    return false;
  }
  const given = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('Authorization'))?.[1];
  if (given !== undefined && timingSafeEqual(digest(given), digest(token))) return true;
  ctx.status = 401;
  ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
  ctx.body = {
    ok: false,
    error: { code: ErrorCode.UNAUTHENTICATED, message: 'Metrics need the bearer token (METRICS_TOKEN).' },
  } satisfies Ack;
  return false;
}

/** Null when the store answered a read in time, else what went wrong (safe to show). */
async function probe(store: Store, timeoutMs: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(
      () => resolve(`The ${store.kind} store did not answer within ${timeoutMs} ms.`),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([store.getUserById(PROBE_USER_ID).then(() => null), timeout]);
  } catch {
    return `The ${store.kind} store is unreachable.`;
  } finally {
    clearTimeout(timer);
  }
}
