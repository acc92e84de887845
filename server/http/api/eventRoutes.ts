/**
 * GET /api/conversations/:id/events: the conversation as Server-Sent Events (event id = seq).
 * `Last-Event-ID` (or `?lastEventId=`, for the first connection) resumes after that seq; without
 * either the feed starts at the conversation's newest message. A Last-Event-ID past the newest
 * message (from another database, or made up) also starts at the newest message: the feed then
 * delivers every new message, where honouring it would deliver nothing, ever.
 *
 * A feed lives no longer than the access it was opened with: leaving the conversation, signing
 * out (or the session being revoked) and the session's expiry close it, on whichever node it is.
 * The response is written by the feed itself (not piped by Koa), so a client going away is the
 * normal end of a feed, not an error.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { ErrorCode } from '../../../contract/errors.js';
import { HttpRoute } from '../../../contract/http.js';
import type { AuthService } from '../../auth/AuthService.js';
import { hashSessionToken } from '../../auth/tokens.js';
import type { Config } from '../../config.js';
import type { Domain } from '../../domain/index.js';
import { AppError, unauthenticated } from '../../errors.js';
import type { AccessTicket } from '../../realtime/accessWatch.js';
import type { Relay } from '../../realtime/relay.js';
import { sessionRoom, userRoom } from '../../realtime/rooms.js';
import { atSessionEnd } from '../../realtime/sessionExpiry.js';
import type { Store } from '../../store/Store.js';
import { conversationIdParam } from './conversationRoutes.js';
import { SseFeed } from './sseFeed.js';
import { sessionToken, type ApiState } from './session.js';

export interface EventRoutesDeps {
  domain: Domain;
  store: Store;
  relay: Relay;
  auth: AuthService;
  config: Config;
  logger: Logger;
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
  const { relay, store } = deps;
  router.get(HttpRoute.events.path, async (ctx) => {
    const conversationId = conversationIdParam(ctx.params);
    const query = ctx.query.lastEventId;
    const resumeFrom = parseLastEventId(
      ctx.get('Last-Event-ID') || (typeof query === 'string' ? query : undefined),
    );
    const token = sessionToken(ctx as unknown as Context);
    const sessionHash = token ? hashSessionToken(token) : '';
    // Access changes announced between these checks and the feed's registration below would pass
    // the feed by: watch for them from before the session is read.
    const sessionWatch = relay.watch.watch([sessionRoom(sessionHash)]);
    let userWatch: AccessTicket | null = null;
    try {
      const session = await deps.auth.currentSession(token);
      if (!session) throw unauthenticated();
      const { user } = session;
      ctx.state.user = user;
      let lastSeq: number;
      // Checked again while access changes are announced during the checks: the feed starts
      // (and registers, in the same turn) only on a check nothing has overtaken.
      for (;;) {
        userWatch?.end();
        userWatch = relay.watch.watch([userRoom(user.id)]);
        await deps.domain.membership.require(user.id, conversationId);
        lastSeq = (await store.getConversation(conversationId))?.lastSeq ?? 0;
        if (sessionWatch.changed()) throw unauthenticated();
        if (!userWatch.changed()) break;
      }
      const fromSeq = resumeFrom === null || resumeFrom > lastSeq ? lastSeq : resumeFrom;

      const stillAllowed = async (): Promise<boolean> => {
        const [current, member] = await Promise.all([
          store.getSession(sessionHash, Date.now()),
          store.getMember(conversationId, user.id),
        ]);
        return Boolean(current && member);
      };
      const res = ctx.res;
      ctx.respond = false;
      ctx.status = 200;
      ctx.type = 'text/event-stream';
      ctx.set('Cache-Control', 'no-cache, no-transform');
      ctx.set('X-Accel-Buffering', 'no');
      res.writeHead(200);

      let cleanup = (): void => undefined;
      const feed = new SseFeed({
        store,
        relay,
        logger: deps.logger,
        conversationId,
        fromSeq,
        heartbeatMs: deps.config.sseHeartbeatMs,
        out: res,
        maxBufferedBytes: deps.config.sseMaxBufferedBytes,
        stillAllowed,
        onClose: () => cleanup(),
      });
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
      const unregister = relay.feeds.add({
        userId: user.id,
        sessionHash,
        conversationId,
        close: () => feed.close(),
      });
      const cancelExpiry = atSessionEnd(session.expiresAt, () => feed.close());
      cleanup = () => {
        deps.feeds.delete(handle);
        unregister();
        cancelExpiry();
      };
      feed.start();
    } finally {
      sessionWatch.end();
      userWatch?.end();
    }
  });
}
