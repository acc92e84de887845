/**
 * GET /api/conversations/:id/events: the conversation as Server-Sent Events (event id = seq).
 * `Last-Event-ID` (or `?lastEventId=`, for the first connection) resumes after that seq; without
 * either the feed starts at the conversation's newest message.
 */
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { ErrorCode } from '../../../contract/errors.js';
import type { Config } from '../../config.js';
import type { Domain } from '../../domain/index.js';
import { AppError } from '../../errors.js';
import type { Relay } from '../../realtime/relay.js';
import type { Store } from '../../store/Store.js';
import { conversationIdParam } from './conversationRoutes.js';
import { SseFeed } from './sseFeed.js';
import { userOf, type ApiState } from './session.js';

export interface EventRoutesDeps {
  domain: Domain;
  store: Store;
  relay: Relay;
  config: Config;
  logger: Logger;
  requireUser: Middleware<ApiState>;
  /** Open feeds, so closing the app can end them. */
  feeds: Set<FeedHandle>;
}

/** An open feed as the app sees it on shutdown. */
export interface FeedHandle {
  /** Ends the stream and then the connection, so the server can finish closing at once. */
  shutdown(): void;
}

function parseLastEventId(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  if (!/^\d{1,16}$/.test(value.trim())) {
    throw new AppError(ErrorCode.BAD_REQUEST, 'Last-Event-ID must be a message seq (a whole number).');
  }
  return Number(value.trim());
}

/** Mounts the SSE feed route. */
export function eventRoutes(router: Router<ApiState>, deps: EventRoutesDeps): void {
  router.get('/api/conversations/:id/events', deps.requireUser, async (ctx) => {
    const conversationId = conversationIdParam(ctx.params);
    const query = ctx.query.lastEventId;
    const resumeFrom = parseLastEventId(
      ctx.get('Last-Event-ID') || (typeof query === 'string' ? query : undefined),
    );
    await deps.domain.membership.require(userOf(ctx).id, conversationId);
    const fromSeq = resumeFrom ?? (await deps.store.getConversation(conversationId))?.lastSeq ?? 0;

    const feed = new SseFeed({
      store: deps.store,
      relay: deps.relay,
      logger: deps.logger,
      conversationId,
      fromSeq,
      heartbeatMs: deps.config.sseHeartbeatMs,
    });
    const res = ctx.res;
    const handle: FeedHandle = {
      shutdown() {
        feed.close();
        // A finished SSE response leaves an idle keep-alive connection that would hold up close.
        const endSocket = (): void => void res.socket?.end();
        if (res.writableFinished) endSocket();
        else res.once('finish', endSocket);
      },
    };
    deps.feeds.add(handle);
    const done = (): void => {
      deps.feeds.delete(handle);
      feed.close();
    };
    ctx.req.on('close', done);
    feed.stream.on('close', done);

    ctx.status = 200;
    ctx.type = 'text/event-stream';
    ctx.set('Cache-Control', 'no-cache, no-transform');
    ctx.set('X-Accel-Buffering', 'no');
    ctx.body = feed.stream;
    feed.start();
  });
}
