/** `/healthz` and `/metrics`: the two routes load balancers and Prometheus call. */
import type { Middleware } from 'koa';
import { ErrorCode, HttpPath, type Ack } from '../../contract/index.js';
import type { Store } from '../store/Store.js';
import type { Metrics } from './metrics.js';

export interface OpsRoutesOptions {
  store: Store;
  metrics: Metrics;
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
      ctx.type = options.metrics.contentType;
      ctx.body = await options.metrics.render();
      return;
    }
    return next();
  };
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
