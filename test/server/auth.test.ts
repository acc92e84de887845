/**
 * Accounts and sessions over HTTP against a real server and SQLite store: cookie attributes,
 * one sign-in error for unknown users and wrong passwords, scrypt hashing, hashed session tokens, sign-out, sockets closed when
 * their session expires, and sign-up and sign-in throttling through the RateLimiter (shared by
 * two nodes, as a Redis limiter would be).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  HttpPath,
  SIGNIN_FAILURES_ALLOWED,
  type Ack,
  type User,
  ClientEvent,
} from '../../contract/index.js';
import { MemoryRateLimiter } from '../../server/scale/memoryRateLimiter.js';
import { startTestServer, useTestServer } from './support/app.js';
import { connect, http, request, signIn, signUp, uniqueUsername, WAIT_MS } from './support/clients.js';

// TRUST_PROXY lets each throttling test use its own client address (X-Forwarded-For).
const srv = useTestServer({ env: { TRUST_PROXY: 'true' } });

let addressCounter = 0;
/** A client address of its own, so per-address throttling in one test does not touch another. */
const fromAddress = (): Record<string, string> => ({ 'x-forwarded-for': `203.0.113.${++addressCounter}` });

describe('sign-up', () => {
  it('creates the account and sets an HttpOnly, SameSite=Lax, Path=/ session cookie', async () => {
    const username = uniqueUsername('alice');
    const res = await http<Ack<{ user: User }>>(srv.url, HttpPath.signup, {
      method: 'POST',
      body: { username, password: 'a good password' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ok: true, user: { username } });
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('ferry_session='));
    expect(setCookie).toBeDefined();
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=Lax/i);
    expect(setCookie).toMatch(/;\s*Path=\//i);
    // COOKIE_SECURE=auto over plain http: not Secure, or the browser would drop it.
    expect(setCookie).not.toMatch(/;\s*Secure/i);
  });

  it('marks the cookie Secure when the request came over https through a trusted proxy', async () => {
    const res = await http(srv.url, HttpPath.signup, {
      method: 'POST',
      body: { username: uniqueUsername(), password: 'a good password' },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.getSetCookie().find((c) => c.startsWith('ferry_session='))).toMatch(/;\s*Secure/i);
  });

  it('refuses a taken username with USERNAME_TAKEN, whatever its letter case', async () => {
    const user = await signUp(srv.url);
    const res = await http(srv.url, HttpPath.signup, {
      method: 'POST',
      body: { username: user.username.toUpperCase(), password: 'another password' },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ ok: false, error: { code: ErrorCode.USERNAME_TAKEN } });
    expect(sessionCookieSet(res.headers)).toBe(false);
  });

  it('explains a bad username or a short password with BAD_REQUEST', async () => {
    const short = await http(srv.url, HttpPath.signup, {
      method: 'POST',
      body: { username: uniqueUsername(), password: 'short' },
    });
    expect(short.status).toBe(400);
    expect(short.body).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
    expect((short.body as { error: { message: string } }).error.message).toContain('password');

    const bad = await http(srv.url, HttpPath.signup, {
      method: 'POST',
      body: { username: 'no spaces allowed', password: 'a good password' },
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { message: string } }).error.message).toContain('username');
  });

  it('limits sign-ups per client address with RATE_LIMITED and retryAfterMs, across nodes sharing the RateLimiter', async () => {
    const shared = new MemoryRateLimiter();
    // Three sign-ups per address, then one an hour: nothing refills during the test.
    const env = { TRUST_PROXY: 'true', SIGNUP_BURST: '3', SIGNUP_RATE_PER_HOUR: '1' };
    const nodeA = await startTestServer({ env, deps: { rateLimiter: shared } });
    const nodeB = await startTestServer({ env, dataDir: nodeA.dataDir, deps: { rateLimiter: shared } });
    const signUpFrom = (url: string, address: Record<string, string>, username = uniqueUsername()) =>
      http<Ack<{ user: User }>>(url, HttpPath.signup, {
        method: 'POST',
        body: { username, password: 'a good password' },
        headers: address,
      });
    try {
      const address = fromAddress();
      for (const url of [nodeA.url, nodeB.url, nodeA.url]) {
        expect((await signUpFrom(url, address)).status).toBe(201);
      }
      const refusedName = uniqueUsername('late');
      const refused = await signUpFrom(nodeB.url, address, refusedName);
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED } });
      const error = (refused.body as { error: { retryAfterMs: number; message: string } }).error;
      expect(error.retryAfterMs).toBeGreaterThan(0);
      expect(error.message).toMatch(/wait/i);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(sessionCookieSet(refused.headers)).toBe(false);
      expect(await nodeA.store.getUserByUsername(refusedName)).toBeNull();
      // Another address is not affected.
      expect((await signUpFrom(nodeB.url, fromAddress())).status).toBe(201);
    } finally {
      await nodeB.close({ keepData: true });
      await nodeA.close();
      await shared.close();
    }
  });

  it('stores a salted scrypt hash, never the password', async () => {
    const a = await signUp(srv.url, uniqueUsername(), 'the same password');
    const b = await signUp(srv.url, uniqueUsername(), 'the same password');
    const ra = await srv.store.getUserById(a.id);
    const rb = await srv.store.getUserById(b.id);
    expect(ra!.passwordHash).toMatch(/^scrypt\$/);
    expect(ra!.passwordHash).not.toContain('the same password');
    // A per-user salt: equal passwords give different hashes.
    expect(ra!.passwordHash).not.toBe(rb!.passwordHash);
  });
});

describe('sessions', () => {
  it('stores only the SHA-256 of the session token', async () => {
    const user = await signUp(srv.url);
    const token = user.cookie.slice('ferry_session='.length);
    const hash = createHash('sha256').update(token).digest('hex');
    expect(await srv.store.getSession(hash, Date.now())).toMatchObject({ userId: user.id });
    expect(await srv.store.getSession(token, Date.now())).toBeNull();
  });

  it('answers me with the signed-in user, and 401 UNAUTHENTICATED without a session', async () => {
    const user = await signUp(srv.url);
    const me = await http(srv.url, HttpPath.me, { cookie: user.cookie });
    expect(me.body).toEqual({ ok: true, user: { id: user.id, username: user.username } });
    const anon = await http(srv.url, HttpPath.me);
    expect(anon.status).toBe(401);
    expect(anon.body).toMatchObject({ ok: false, error: { code: ErrorCode.UNAUTHENTICATED } });
    const forged = await http(srv.url, HttpPath.me, { cookie: 'ferry_session=' + 'A'.repeat(43) });
    expect(forged.status).toBe(401);
  });

  it('ends the session on sign-out: the cookie is cleared, the old token no longer works, its sockets close', async () => {
    const user = await signUp(srv.url);
    const otherSession = await signIn(srv.url, user.username, user.password, fromAddress());
    const openSocket = await connect(srv.url, user.cookie);
    const otherSocket = await connect(srv.url, otherSession.cookie!);
    const disconnected = new Promise<string>((resolve) => openSocket.once('disconnect', resolve));
    const out = await http(srv.url, HttpPath.signout, { method: 'POST', cookie: user.cookie });
    expect(out.body).toEqual({ ok: true });
    const cleared = out.headers.getSetCookie().find((c) => c.startsWith('ferry_session='));
    expect(cleared).toMatch(/^ferry_session=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await http(srv.url, HttpPath.me, { cookie: user.cookie })).status).toBe(401);
    await expect(connect(srv.url, user.cookie)).rejects.toMatchObject({
      data: { code: ErrorCode.UNAUTHENTICATED },
    });
    // A socket opened with that session is closed by the server; another session's stays.
    expect(await disconnected).toBe('io server disconnect');
    expect(otherSocket.connected).toBe(true);
    expect(await request(otherSocket, ClientEvent.listConversations, {})).toMatchObject({ ok: true });
  });
});

describe('session expiry', () => {
  it('disconnects a socket when its session expires while it stays open', async () => {
    // A session of a few seconds: long enough to sign up and connect on a busy machine.
    const ttlMs = 5_000;
    const short = await startTestServer({ env: { SESSION_TTL_DAYS: String(ttlMs / 86_400_000) } });
    try {
      const user = await signUp(short.url);
      const token = user.cookie.slice('ferry_session='.length);
      const session = await short.store.getSession(createHash('sha256').update(token).digest('hex'), 0);
      const socket = await connect(short.url, user.cookie);
      const disconnected = new Promise<{ reason: string; at: number }>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('the socket was still open well after its session expired')),
          ttlMs + WAIT_MS,
        );
        socket.once('disconnect', (reason) => {
          clearTimeout(timer);
          resolve({ reason, at: Date.now() });
        });
      });
      expect(await request(socket, ClientEvent.listConversations, {})).toMatchObject({ ok: true });

      const { reason, at } = await disconnected;
      expect(reason).toBe('io server disconnect');
      expect(at).toBeGreaterThanOrEqual(session!.expiresAt);
      // The expired session cannot open a new one either.
      await expect(connect(short.url, user.cookie)).rejects.toMatchObject({
        data: { code: ErrorCode.UNAUTHENTICATED },
      });
    } finally {
      await short.close();
    }
  });
});

describe('sign-in', () => {
  it('signs in with the right password and gives a new working session', async () => {
    const user = await signUp(srv.url);
    const res = await signIn(srv.url, user.username.toUpperCase(), user.password, fromAddress());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, user: { id: user.id, username: user.username } });
    expect(res.cookie).not.toBeNull();
    expect(res.cookie).not.toBe(user.cookie);
    expect((await http(srv.url, HttpPath.me, { cookie: res.cookie })).body).toMatchObject({ ok: true });
  });

  it('answers an unknown user and a wrong password alike (401 BAD_CREDENTIALS), so usernames cannot be probed', async () => {
    const user = await signUp(srv.url);
    const unknown = await signIn(srv.url, uniqueUsername('nobody'), 'whatever password', fromAddress());
    const wrong = await signIn(srv.url, user.username, 'not the password', fromAddress());
    for (const res of [unknown, wrong]) {
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_CREDENTIALS } });
      expect(res.cookie).toBeNull();
    }
    // Word for word the same answer.
    expect(unknown.text).toBe(wrong.text);
  });

  it('throttles repeated failures for one username with RATE_LIMITED and retryAfterMs, even for the right password', async () => {
    const user = await signUp(srv.url);
    for (let i = 0; i < SIGNIN_FAILURES_ALLOWED; i++) {
      const res = await signIn(srv.url, user.username, 'wrong password', fromAddress());
      expect(res.body).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_CREDENTIALS } });
    }
    // From yet another address: the username's own limit applies.
    const blocked = await signIn(srv.url, user.username, user.password, fromAddress());
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED } });
    const error = (blocked.body as { error: { retryAfterMs: number; message: string } }).error;
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(error.message).toMatch(/wait/i);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.cookie).toBeNull();

    // Another account is not affected.
    const other = await signUp(srv.url);
    expect((await signIn(srv.url, other.username, other.password, fromAddress())).status).toBe(200);
  });

  it('forgets earlier failures after a successful sign-in', async () => {
    const user = await signUp(srv.url);
    const address = fromAddress();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < SIGNIN_FAILURES_ALLOWED - 1; i++) {
        expect((await signIn(srv.url, user.username, 'wrong password', address)).status).toBe(401);
      }
      expect((await signIn(srv.url, user.username, user.password, address)).status).toBe(200);
    }
  });

  it('throttles many failed sign-ins from one address across usernames', async () => {
    const address = fromAddress();
    let limited: Awaited<ReturnType<typeof signIn>> | null = null;
    for (let i = 0; i < 200 && !limited; i++) {
      const res = await signIn(srv.url, uniqueUsername('guess'), 'whatever password', address);
      if (res.status === 429) limited = res;
      else expect(res.body).toMatchObject({ error: { code: ErrorCode.BAD_CREDENTIALS } });
    }
    expect(limited?.body).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED } });
    // Other addresses still get through.
    const user = await signUp(srv.url);
    expect((await signIn(srv.url, user.username, user.password, fromAddress())).status).toBe(200);
  });

  it('counts failures through the shared RateLimiter, so the throttle holds across nodes', async () => {
    const shared = new MemoryRateLimiter();
    const nodeA = await startTestServer({ deps: { rateLimiter: shared } });
    const nodeB = await startTestServer({ dataDir: nodeA.dataDir, deps: { rateLimiter: shared } });
    try {
      const user = await signUp(nodeA.url);
      for (let i = 0; i < SIGNIN_FAILURES_ALLOWED; i++) {
        const node = i % 2 === 0 ? nodeA : nodeB;
        expect((await signIn(node.url, user.username, 'wrong password')).status).toBe(401);
      }
      const blocked = await signIn(nodeB.url, user.username, user.password);
      expect(blocked.body).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED } });
    } finally {
      await nodeB.close({ keepData: true });
      await nodeA.close();
      await shared.close();
    }
  });
});

function sessionCookieSet(headers: Headers): boolean {
  return headers.getSetCookie().some((c) => /^ferry_session=[^;]+/.test(c));
}
