/** Conversations over HTTP: list, create room, join by invite, start direct, members, leave. */
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { HttpRoute } from '../../../contract/http.js';
import { conversationRefSchema, httpBodySchemas } from '../../../contract/schemas.js';
import type { Domain } from '../../domain/index.js';
import { parseInput } from '../../errors.js';
import { sendOk } from './respond.js';
import { userOf, type ApiState } from './session.js';

/** The `:id` path parameter, checked to be a UUID. */
export function conversationIdParam(params: Record<string, string | undefined>): string {
  return parseInput(conversationRefSchema, { conversationId: params.id }, 'conversation').conversationId;
}

/** Mounts the conversation routes (all need a signed-in user). */
export function conversationRoutes(
  router: Router<ApiState>,
  domain: Domain,
  requireUser: Middleware<ApiState>,
): void {
  const { conversations } = domain;

  router.get(HttpRoute.listConversations.path, requireUser, async (ctx) => {
    sendOk(ctx, { conversations: await conversations.list(userOf(ctx)) });
  });

  router.post(HttpRoute.createRoom.path, requireUser, async (ctx) => {
    const { name } = parseInput(httpBodySchemas.createRoom, ctx.request.body, 'room');
    sendOk(ctx, { conversation: await conversations.createRoom(userOf(ctx), name) }, 201);
  });

  router.post(HttpRoute.join.path, requireUser, async (ctx) => {
    const { inviteCode } = parseInput(httpBodySchemas.join, ctx.request.body, 'invite');
    sendOk(ctx, { conversation: await conversations.joinByInvite(userOf(ctx), inviteCode) });
  });

  router.post(HttpRoute.direct.path, requireUser, async (ctx) => {
    const { username } = parseInput(httpBodySchemas.direct, ctx.request.body, 'direct conversation');
    sendOk(ctx, { conversation: await conversations.startDirect(userOf(ctx), username) });
  });

  router.get(HttpRoute.members.path, requireUser, async (ctx) => {
    sendOk(ctx, { members: await conversations.members(userOf(ctx), conversationIdParam(ctx.params)) });
  });

  router.post(HttpRoute.leave.path, requireUser, async (ctx) => {
    await conversations.leave(userOf(ctx), conversationIdParam(ctx.params));
    sendOk(ctx, {});
  });
}
