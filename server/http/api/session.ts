/** Reads the session cookie into `ctx.state.user`; routes that need a user use requireUser. */
import type { Context, Middleware } from 'koa';
import type { User } from '../../../contract/events.js';
import type { AuthService } from '../../auth/AuthService.js';
import { readSessionToken } from '../../auth/cookie.js';
import { unauthenticated } from '../../errors.js';

export interface ApiState {
  user?: User;
}

/** The cookie's session token, or null. */
export function sessionToken(ctx: Context): string | null {
  return readSessionToken(ctx.get('Cookie') || undefined);
}

/** Rejects with UNAUTHENTICATED (401) unless the request carries a valid session. */
export function requireUser(auth: AuthService): Middleware<ApiState> {
  return async (ctx, next) => {
    const user = await auth.authenticate(sessionToken(ctx as unknown as Context));
    if (!user) throw unauthenticated();
    ctx.state.user = user;
    await next();
  };
}

/** The signed-in user (after requireUser). */
export function userOf(ctx: { state: ApiState }): User {
  const user = ctx.state.user;
  if (!user) throw unauthenticated();
  return user;
}
