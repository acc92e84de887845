/** Session tokens: 256 random bits for the cookie; only their SHA-256 is stored. */
import { createHash, randomBytes } from 'node:crypto';

/** A new random session token (base64url, 43 characters). */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored form of a token, so a leaked sessions table cannot be replayed as cookies. */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Cheap shape check before touching the store. */
export function looksLikeToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}
