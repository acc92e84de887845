/**
 * Edge security: response headers with a strict Content-Security-Policy, the origin allowlist that
 * CORS, socket.io and the CSRF check share, and CORS answers for allowlisted cross-origin callers.
 * createApp (server/app.ts) mounts `security(...)` first and passes `socketOriginOptions(...)` to
 * the socket.io Server.
 */
import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import helmet from 'koa-helmet';
import { ErrorCode, HTTP_STATUS, isApiPath, type Ack } from '../../contract/index.js';

export interface SecurityOptions {
  /** Extra origins (scheme://host[:port]) allowed besides the server's own (ALLOWED_ORIGINS). */
  allowedOrigins: readonly string[];
}

export interface SocketOriginOptions extends SecurityOptions {
  /** Honour X-Forwarded-Host, as Koa does with `app.proxy` (TRUST_PROXY). */
  trustProxy: boolean;
}

/** Methods that change state: the CSRF check applies to these. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Headers a cross-origin caller may send (JSON bodies, SSE resume, tus uploads, ranges). */
const CORS_ALLOW_HEADERS =
  'Content-Type, Last-Event-ID, Tus-Resumable, Upload-Length, Upload-Metadata, Upload-Offset, Range';
const CORS_ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
/** Headers a cross-origin caller may read: rate-limit waits, tus upload state, file ranges. */
const CORS_EXPOSE_HEADERS =
  'Retry-After, Location, Tus-Resumable, Upload-Offset, Upload-Length, Content-Range, Content-Disposition';
/** Browsers cap preflight caching anyway (Chromium: 2 h). */
const CORS_MAX_AGE_SECONDS = 7200;

/**
 * Canonical `scheme://host[:port]` of an origin (lower case, default port dropped), or null when
 * it is not an http(s) origin (e.g. the opaque origin "null" of sandboxed frames and file: pages).
 */
export function normalizeOrigin(origin: string): string | null {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return url.origin.toLowerCase();
}

/** Normalises each ALLOWED_ORIGINS entry; throws on an entry that is not an http(s) origin. */
export function normalizeAllowlist(allowlist: readonly string[]): string[] {
  return allowlist.map((entry) => {
    const origin = normalizeOrigin(entry.trim());
    if (!origin) throw new Error(`"${entry}" is not an origin like https://chat.example.com`);
    return origin;
  });
}

/**
 * True when a request with this Origin header may talk to us: its own origin (the Origin's host
 * equals the Host header) always, others only when listed in `allowlist`. A missing Origin is not
 * a browser cross-origin request (browsers send Origin on every cross-origin request, every
 * WebSocket and every same-origin POST), so it is allowed; sessions still need the cookie.
 */
export function originAllowed(
  origin: string | undefined,
  hostHeader: string | undefined,
  allowlist: readonly string[],
): boolean {
  if (origin === undefined) return true;
  const normalized = normalizeOrigin(origin);
  if (!normalized) return false;
  if (hostHeader && sameHost(normalized, hostHeader)) return true;
  return allowlist.some((entry) => normalizeOrigin(entry) === normalized);
}

/** Compares the origin's host with a Host header, both with default ports dropped. */
function sameHost(normalizedOrigin: string, hostHeader: string): boolean {
  const origin = new URL(normalizedOrigin);
  try {
    return new URL(`${origin.protocol}//${hostHeader}`).host === origin.host;
  } catch {
    return false;
  }
}

/** The Content-Security-Policy directives for the page (SERVER.md, Edge). */
export function cspDirectives(allowedOrigins: readonly string[]): Record<string, string[]> {
  const extraConnect = normalizeAllowlist(allowedOrigins).flatMap((origin) => [
    origin,
    origin.replace(/^http/, 'ws'),
  ]);
  return {
    'default-src': ["'self'"],
    // 'self' covers ws:/wss: to our own host in CSP Level 3 browsers.
    'connect-src': ["'self'", ...extraConnect],
    'img-src': ["'self'", 'data:', 'blob:'],
    'style-src': ["'self'"],
    'script-src': ["'self'"],
    'worker-src': ["'self'"],
    'manifest-src': ["'self'"],
    'object-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
  };
}

/** Helmet's headers with Ferry's CSP (no `upgrade-insecure-requests`: plain-http installs work). */
export function securityHeaders(options: SecurityOptions): Middleware {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(options.allowedOrigins) },
    // The page loads nothing cross-origin; isolation keeps other windows from scripting it.
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS only for this host: Ferry cannot speak for sibling subdomains (browsers ignore it on http).
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
    xFrameOptions: { action: 'deny' },
  });
}

/**
 * CORS for allowlisted cross-origin callers of the HTTP API (with credentials: the session cookie).
 * Other origins get no CORS headers, so browsers will not let them read answers; a preflight from
 * them is refused with 403 ORIGIN_NOT_ALLOWED.
 */
export function cors(options: SecurityOptions): Middleware {
  const allowlist = normalizeAllowlist(options.allowedOrigins);
  return async (ctx, next) => {
    // Only the API is for cross-origin callers (socket.io answers its own CORS, see below).
    if (!isApiPath(ctx.path)) return next();
    const origin = ctx.get('Origin');
    ctx.vary('Origin');
    if (!origin || (ctx.host && originAllowed(origin, ctx.host, []))) return next();
    const allowed = originAllowed(origin, undefined, allowlist);
    const preflight = ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method') !== '';
    if (!allowed) {
      if (preflight) return refuseOrigin(ctx, origin);
      return next();
    }
    ctx.set('Access-Control-Allow-Origin', origin);
    ctx.set('Access-Control-Allow-Credentials', 'true');
    if (preflight) {
      ctx.set('Access-Control-Allow-Methods', CORS_ALLOW_METHODS);
      ctx.set('Access-Control-Allow-Headers', CORS_ALLOW_HEADERS);
      ctx.set('Access-Control-Max-Age', String(CORS_MAX_AGE_SECONDS));
      ctx.status = 204;
      return;
    }
    ctx.set('Access-Control-Expose-Headers', CORS_EXPOSE_HEADERS);
    return next();
  };
}

/**
 * CSRF defence: a state-changing request whose Origin is present and not allowed is refused with
 * 403 ORIGIN_NOT_ALLOWED before any handler runs. SameSite=Lax cookies already stop most of this;
 * the Origin check also covers same-site attackers (sibling subdomains).
 */
export function originGuard(options: SecurityOptions): Middleware {
  const allowlist = normalizeAllowlist(options.allowedOrigins);
  return async (ctx, next) => {
    if (!STATE_CHANGING.has(ctx.method)) return next();
    const origin = ctx.get('Origin');
    if (origin && !originAllowed(origin, ctx.host, allowlist)) return refuseOrigin(ctx, origin);
    return next();
  };
}

/** The edge security middlewares in order: headers, CORS, CSRF origin check. */
export function security(options: SecurityOptions): Middleware {
  const [headers, corsAnswers, guard] = [securityHeaders(options), cors(options), originGuard(options)];
  return (ctx, next) => headers(ctx, () => corsAnswers(ctx, () => guard(ctx, next)));
}

/** A person-readable refusal naming the origin and what the operator can do. */
export function originNotAllowedMessage(origin: string): string {
  return `Requests from ${origin} are not allowed. Open Ferry from its own address, or ask the operator to add this origin to ALLOWED_ORIGINS.`;
}

function refuseOrigin(ctx: Parameters<Middleware>[0], origin: string): void {
  const body: Ack = {
    ok: false,
    error: { code: ErrorCode.ORIGIN_NOT_ALLOWED, message: originNotAllowedMessage(origin) },
  };
  ctx.status = HTTP_STATUS.ORIGIN_NOT_ALLOWED;
  ctx.body = body;
}

/** The Host a request was addressed to, honouring X-Forwarded-Host only behind a trusted proxy. */
export function requestHost(req: IncomingMessage, trustProxy: boolean): string | undefined {
  const forwarded = trustProxy ? req.headers['x-forwarded-host'] : undefined;
  const raw = (Array.isArray(forwarded) ? forwarded[0] : forwarded) ?? req.headers.host;
  return raw?.split(',')[0]?.trim() || undefined;
}

type AllowRequest = (req: IncomingMessage, fn: (err: string | null | undefined, ok: boolean) => void) => void;

/**
 * socket.io Server options enforcing the same allowlist on the engine.io handshake (WebSocket and
 * polling): `allowRequest` refuses other origins with 403 and a readable message, and `cors` lets
 * allowlisted pages read polling answers with credentials.
 */
export function socketOriginOptions(options: SocketOriginOptions): {
  allowRequest: AllowRequest;
  cors: { origin: string[]; credentials: true };
} {
  const allowlist = normalizeAllowlist(options.allowedOrigins);
  return {
    allowRequest: (req, fn) => {
      const origin = req.headers.origin;
      if (originAllowed(origin, requestHost(req, options.trustProxy), allowlist)) return fn(null, true);
      fn(`${ErrorCode.ORIGIN_NOT_ALLOWED}: ${originNotAllowedMessage(origin ?? 'this page')}`, false);
    },
    cors: { origin: allowlist, credentials: true },
  };
}
