/** The session cookie: `ferry_session`, HttpOnly, SameSite=Lax, Path=/, Secure per COOKIE_SECURE. */
import { parseCookie, stringifySetCookie } from 'cookie';
import { SESSION_COOKIE } from '../../contract/http.js';
import type { CookieSecure } from '../config.js';

/** The session token in a Cookie header, or null. */
export function readSessionToken(cookieHeader: string | undefined): string | null {
  if (!cookieHeader) return null;
  try {
    return parseCookie(cookieHeader)[SESSION_COOKIE] ?? null;
  } catch {
    return null;
  }
}

/** Whether to mark the cookie Secure for a request that is (or is not) https. */
export function cookieIsSecure(mode: CookieSecure, requestIsHttps: boolean): boolean {
  return mode === 'always' || (mode === 'auto' && requestIsHttps);
}

/** Set-Cookie value that stores the session token until `expiresAt`. */
export function sessionSetCookie(token: string, expiresAt: number, secure: boolean): string {
  return stringifySetCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure,
    expires: new Date(expiresAt),
  });
}

/** Set-Cookie value that removes the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return stringifySetCookie(SESSION_COOKIE, '', {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure,
    expires: new Date(0),
  });
}
