/**
 * Web Push over HTTP: the VAPID public key, this device's subscription, per-conversation mute,
 * and the read receipt the Service Worker's "Mark as read" sends when no socket is open.
 */
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { HttpRoute } from '../../../contract/http.js';
import { httpBodySchemas } from '../../../contract/schemas.js';
import { hashSessionToken } from '../../auth/tokens.js';
import type { Domain } from '../../domain/index.js';
import { parseInput, unauthenticated } from '../../errors.js';
import type { PushService } from '../../push/index.js';
import { conversationIdParam } from './conversationRoutes.js';
import { sendOk } from './respond.js';
import { sessionToken, userOf, type ApiState } from './session.js';

export function pushRoutes(
  router: Router<ApiState>,
  push: PushService,
  domain: Domain,
  requireUser: Middleware<ApiState>,
): void {
  router.get(HttpRoute.pushKey.path, requireUser, (ctx) => {
    sendOk(ctx, { publicKey: push.vapid.publicKey });
  });

  router.post(HttpRoute.pushSubscribe.path, requireUser, async (ctx) => {
    const input = parseInput(httpBodySchemas.pushSubscribe, ctx.request.body, 'push subscription');
    const token = sessionToken(ctx);
    if (!token) throw unauthenticated();
    await push.subscribe(userOf(ctx), hashSessionToken(token), input);
    sendOk(ctx, {}, 201);
  });

  router.post(HttpRoute.pushUnsubscribe.path, requireUser, async (ctx) => {
    const { endpoint } = parseInput(httpBodySchemas.pushUnsubscribe, ctx.request.body, 'push subscription');
    await push.unsubscribe(userOf(ctx), endpoint);
    sendOk(ctx, {});
  });

  for (const muted of [true, false]) {
    router.post((muted ? HttpRoute.mute : HttpRoute.unmute).path, requireUser, async (ctx) => {
      await push.setMuted(userOf(ctx), conversationIdParam(ctx.params), muted);
      sendOk(ctx, { muted });
    });
  }

  router.post(HttpRoute.read.path, requireUser, async (ctx) => {
    const { readSeq } = parseInput(httpBodySchemas.read, ctx.request.body, 'read receipt');
    const conversationId = conversationIdParam(ctx.params);
    sendOk(ctx, { receipt: await domain.receipts.update(userOf(ctx), { conversationId, readSeq }) });
  });
}
