/**
 * Accounts and sessions: sign-up (throttled per address) and sign-in (throttled per username and
 * per address), both through the RateLimiter so a Redis limiter makes them hold across nodes;
 * sign-out, and session lookup.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../contract/errors.js';
import type { User } from '../../contract/events.js';
import { SIGNIN_FAILURES_ALLOWED, SIGNIN_THROTTLE_WINDOW_MS } from '../../contract/limits.js';
import type { Credentials } from '../../contract/schemas.js';
import { AppError, rateLimited } from '../errors.js';
import type { RateLimiter, RateLimitRule } from '../scale/RateLimiter.js';
import type { Store } from '../store/Store.js';
import { hashPassword, verifyPassword } from './password.js';
import { hashSessionToken, looksLikeToken, newSessionToken } from './tokens.js';

/** Sign-in attempts per username: SIGNIN_FAILURES_ALLOWED per window, refilled evenly. */
const PER_USERNAME: RateLimitRule = {
  capacity: SIGNIN_FAILURES_ALLOWED,
  refillPerSecond: SIGNIN_FAILURES_ALLOWED / (SIGNIN_THROTTLE_WINDOW_MS / 1000),
};
/**
 * Per address the allowance is larger: people behind one NAT share it, and a successful sign-in
 * cannot give its token back (the interface has no refund), so it counts too.
 */
const PER_ADDRESS: RateLimitRule = {
  capacity: SIGNIN_FAILURES_ALLOWED * 10,
  refillPerSecond: (SIGNIN_FAILURES_ALLOWED * 10) / (SIGNIN_THROTTLE_WINDOW_MS / 1000),
};

export interface Session {
  user: User;
  token: string;
  expiresAt: number;
}

export interface AuthServiceOptions {
  store: Store;
  rateLimiter: RateLimiter;
  sessionTtlMs: number;
  /** Sign-ups per client address (SIGNUP_BURST / SIGNUP_RATE_PER_HOUR). */
  signupRule: RateLimitRule;
  now?: () => number;
}

export class AuthService {
  private readonly store: Store;
  private readonly limiter: RateLimiter;
  private readonly ttl: number;
  private readonly signupRule: RateLimitRule;
  private readonly now: () => number;

  constructor(options: AuthServiceOptions) {
    this.store = options.store;
    this.limiter = options.rateLimiter;
    this.ttl = options.sessionTtlMs;
    this.signupRule = options.signupRule;
    this.now = options.now ?? Date.now;
  }

  /**
   * Creates an account and signs it in. USERNAME_TAKEN when the name exists. Every attempt from
   * `address` counts, before the costly password hash: RATE_LIMITED once its allowance is used up.
   */
  async signUp(credentials: Credentials, address: string): Promise<Session> {
    const byAddress = await this.limiter.take(`signup:ip:${address}`, this.signupRule);
    if (!byAddress.allowed) throw rateLimited(byAddress.retryAfterMs, 'Too many sign-ups from your network.');
    if (await this.store.getUserByUsername(credentials.username)) throw usernameTaken();
    const user = {
      id: randomUUID(),
      username: credentials.username,
      passwordHash: await hashPassword(credentials.password),
      createdAt: this.now(),
    };
    // The store's unique index settles a race between two sign-ups of the same name.
    if ((await this.store.createUser(user)) === 'taken') throw usernameTaken();
    return this.startSession({ id: user.id, username: user.username });
  }

  /**
   * Signs in. Every attempt takes a token from the username's and the address's bucket before
   * the password is checked, so a throttled client learns nothing; success refills the username's.
   */
  async signIn(credentials: Credentials, address: string): Promise<Session> {
    const userKey = `signin:user:${credentials.username}`;
    const [byUser, byAddress] = await Promise.all([
      this.limiter.take(userKey, PER_USERNAME),
      this.limiter.take(`signin:ip:${address}`, PER_ADDRESS),
    ]);
    if (!byUser.allowed || !byAddress.allowed) {
      const wait = Math.max(
        byUser.allowed ? 0 : byUser.retryAfterMs,
        byAddress.allowed ? 0 : byAddress.retryAfterMs,
      );
      throw rateLimited(wait, 'Too many failed sign-ins.');
    }
    const record = await this.store.getUserByUsername(credentials.username);
    // An unknown username costs the same hash as a wrong password: neither the answer nor its
    // timing tells which usernames exist.
    const matches = await verifyPassword(credentials.password, record?.passwordHash ?? (await decoyHash()));
    if (!record || !matches) {
      throw new AppError(
        ErrorCode.BAD_CREDENTIALS,
        'The username or password is wrong. Check both, or sign up for a new account.',
      );
    }
    await this.limiter.reset(userKey);
    return this.startSession({ id: record.id, username: record.username });
  }

  /** Ends the session of this token (no error when it is unknown); returns its hash, if any. */
  async signOut(token: string | null): Promise<string | null> {
    if (!token || !looksLikeToken(token)) return null;
    const tokenHash = hashSessionToken(token);
    await this.store.deleteSession(tokenHash);
    return tokenHash;
  }

  /** The user a session token belongs to, or null when missing, unknown or expired. */
  async authenticate(token: string | null): Promise<User | null> {
    return (await this.currentSession(token))?.user ?? null;
  }

  /** The session's user and when it expires, or null when missing, unknown or expired. */
  async currentSession(token: string | null): Promise<Omit<Session, 'token'> | null> {
    if (!token || !looksLikeToken(token)) return null;
    const session = await this.store.getSession(hashSessionToken(token), this.now());
    if (!session) return null;
    const user = await this.store.getUserById(session.userId);
    return user ? { user: { id: user.id, username: user.username }, expiresAt: session.expiresAt } : null;
  }

  private async startSession(user: User): Promise<Session> {
    const token = newSessionToken();
    const createdAt = this.now();
    const expiresAt = createdAt + this.ttl;
    await this.store.createSession({
      tokenHash: hashSessionToken(token),
      userId: user.id,
      createdAt,
      expiresAt,
    });
    return { user, token, expiresAt };
  }
}

let decoy: Promise<string> | null = null;
/** A real hash no password matches, made once: compared against when the username is unknown. */
function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomUUID());
  return decoy;
}

function usernameTaken(): AppError {
  return new AppError(ErrorCode.USERNAME_TAKEN, 'That username is taken. Please choose another.');
}
