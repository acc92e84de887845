/**
 * The HTTP API under /api: JSON in the Ack envelope everywhere, bodies capped at MAX_PAYLOAD_BYTES,
 * invalid JSON, UTF-8 or compression -> 400, unknown routes -> 404, all errors through one boundary.
 */
import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { Logger } from 'pino';
import { HttpRoute, isApiPath } from '../../../contract/http.js';
import { MAX_PAYLOAD_BYTES, type ServerLimits } from '../../../contract/limits.js';
import type { Attachments } from '../../attachments/index.js';
import type { AuthService } from '../../auth/AuthService.js';
import type { Config } from '../../config.js';
import type { Domain } from '../../domain/index.js';
import type { PushService } from '../../push/index.js';
import type { Relay } from '../../realtime/relay.js';
import type { Store } from '../../store/Store.js';
import { authRoutes } from './authRoutes.js';
import { conversationIdParam, conversationRoutes } from './conversationRoutes.js';
import { eventRoutes, type FeedHandle } from './eventRoutes.js';
import { jsonBody } from './jsonBody.js';
import { messageRoutes } from './messageRoutes.js';
import { pushRoutes } from './pushRoutes.js';
import { apiErrors, apiNotFound, sendOk } from './respond.js';
import { requireUser, type ApiState } from './session.js';

export interface ApiDeps {
  config: Config;
  store: Store;
  auth: AuthService;
  domain: Domain;
  relay: Relay;
  logger: Logger;
  push: PushService;
  attachments: Attachments;
}

/** One route as the router has it, e.g. `{ method: 'GET', path: '/api/auth/me' }`. */
export interface RouteEntry {
  method: string;
  path: string;
}

export interface Api {
  middleware: Middleware;
  /** Every method and path the API's router answers (HEAD, which Koa adds to GET, left out). */
  routes: RouteEntry[];
  /** Ends every open SSE feed (on close). */
  closeFeeds(): void;
}

/** Runs middlewares in order, like koa-compose, for the API's fixed chain. */
function chain(middlewares: Middleware[]): Middleware {
  return (ctx: Context, next: Next) => {
    const run = (i: number): Promise<unknown> => {
      const mw = i < middlewares.length ? middlewares[i]! : null;
      return mw ? Promise.resolve(mw(ctx, () => run(i + 1))) : next();
    };
    return run(0);
  };
}

/** Builds the API middleware; requests outside /api pass through untouched. */
export function createApi(deps: ApiDeps): Api {
  const router = new Router<ApiState>();
  const needUser = requireUser(deps.auth);
  const feeds = new Set<FeedHandle>();
  authRoutes(router, deps.auth, deps.config, (tokenHash) => deps.relay.endSession(tokenHash));
  conversationRoutes(router, deps.domain, needUser);
  messageRoutes(router, deps.domain, needUser);
  pushRoutes(router, deps.push, deps.domain, needUser);
  eventRoutes(router, { ...deps, feeds });
  deps.attachments.routes(router, needUser, conversationIdParam);
  // Public: a client checks a file against this before queueing it, also before signing in.
  router.get(HttpRoute.limits.path, (ctx) => {
    const limits: ServerLimits = { attachmentMaxBytes: deps.config.attachmentMaxBytes };
    ctx.set('Cache-Control', 'no-cache');
    sendOk(ctx, { limits });
  });

  const api = chain([
    apiErrors(deps.logger),
    jsonBody(MAX_PAYLOAD_BYTES),
    router.routes() as Middleware,
    apiNotFound,
  ]);

  const routes = router.stack.flatMap((layer) =>
    layer.methods
      .filter((method) => method !== 'HEAD')
      .map((method) => ({ method, path: String(layer.path) })),
  );
  return {
    middleware: (ctx, next) => (isApiPath(ctx.path) ? api(ctx, next) : next()),
    routes,
    closeFeeds() {
      for (const feed of [...feeds]) feed.shutdown();
      feeds.clear();
    },
  };
}
