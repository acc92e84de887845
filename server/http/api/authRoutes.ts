/** POST signup / signin / signout, GET me: the session lives in the HttpOnly `ferry_session` cookie. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { HttpRoute } from '../../../contract/http.js';
import { httpBodySchemas } from '../../../contract/schemas.js';
import type { AuthService, Session } from '../../auth/AuthService.js';
import { clearedSessionCookie, cookieIsSecure, sessionSetCookie } from '../../auth/cookie.js';
import type { Config } from '../../config.js';
import { parseInput, unauthenticated } from '../../errors.js';
import { sendOk } from './respond.js';
import { sessionToken, type ApiState } from './session.js';

/** Mounts sign-up, sign-in, sign-out and me; `onSignedOut` closes the session's open sockets. */
export function authRoutes(
  router: Router<ApiState>,
  auth: AuthService,
  config: Config,
  onSignedOut: (tokenHash: string) => void,
): void {
  const secure = (ctx: Context): boolean => cookieIsSecure(config.cookieSecure, ctx.secure);
  const startSession = (ctx: Context, session: Session, status: number): void => {
    ctx.append('Set-Cookie', sessionSetCookie(session.token, session.expiresAt, secure(ctx)));
    ctx.set('Cache-Control', 'no-store');
    sendOk(ctx, { user: session.user }, status);
  };

  router.post(HttpRoute.signup.path, async (ctx) => {
    const credentials = parseInput(httpBodySchemas.signup, ctx.request.body, 'sign-up');
    startSession(ctx, await auth.signUp(credentials, ctx.ip), 201);
  });

  router.post(HttpRoute.signin.path, async (ctx) => {
    const credentials = parseInput(httpBodySchemas.signin, ctx.request.body, 'sign-in');
    startSession(ctx, await auth.signIn(credentials, ctx.ip), 200);
  });

  router.post(HttpRoute.signout.path, async (ctx) => {
    const tokenHash = await auth.signOut(sessionToken(ctx));
    if (tokenHash) onSignedOut(tokenHash);
    ctx.append('Set-Cookie', clearedSessionCookie(secure(ctx)));
    sendOk(ctx, {});
  });

  router.get(HttpRoute.me.path, async (ctx) => {
    const user = await auth.authenticate(sessionToken(ctx));
    if (!user) throw unauthenticated();
    ctx.set('Cache-Control', 'no-store');
    sendOk(ctx, { user });
  });
}
