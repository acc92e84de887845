/**
 * Who the hub serves, and when its socket runs. It starts from the user this device remembers
 * (offline use starts at once), asks the server whom the session cookie belongs to, follows
 * sign-in, sign-out and a refused session, and closes the socket while no tab is left.
 */
import { ErrorCode, HttpPath, type Ack, type User } from '../contract/index';
import { clearAccountData, clearMe, getMe, setMe, type GetFerryDb } from '../localdb/index';
import type { Connection } from './connection';

const SESSION_CHECK_TIMEOUT_MS = 8_000;

export interface SessionDeps {
  getDb: GetFerryDb;
  connection: Connection;
  /** Recounts the account's outbox (another account, or none, has other entries). */
  recount(): Promise<void>;
  /** The account changed: every tab re-reads everything and gets the new status. */
  accountChanged(): void;
  /** The server refused the session: tabs show sign-in. */
  authRequired(): void;
}

export class Session {
  /** The signed-in user, or null. */
  me: User | null = null;
  /**
   * Whether `me` is known: false from the start while nobody is remembered on this device and the
   * server has not yet said whom the session cookie belongs to. Tabs then show neither sign-in (a
   * valid cookie may still sign someone in) nor the app.
   */
  known = false;
  /** The socket was closed because no tab was left; the next tab opens it again. */
  private idle = false;
  private closed = false;

  constructor(private readonly deps: SessionDeps) {}

  /** Reads the remembered user, connects as them, and checks the session with the server. */
  async start(): Promise<void> {
    const { getDb, connection, recount } = this.deps;
    try {
      this.me = await getMe(await getDb());
      // Offline use starts at once from what this device remembers; the server confirms later.
      // Known before the recount, which tells tabs the status: a tab already showing this user
      // must not be told "not known yet" in between (it would show "Loading…" for a moment).
      if (this.me) this.known = true;
      await recount();
    } catch (err) {
      console.warn('ferry hub: could not read the local database', err);
    }
    if (this.closed) return;
    if (this.me) {
      connection.start();
      void this.check();
    } else {
      // Nobody remembered here, but the cookie may sign someone in (e.g. signed in elsewhere).
      // Whatever the check ends with (no session, or no answer: offline), nobody is signed in.
      try {
        await this.check();
      } finally {
        this.known = true;
      }
    }
  }

  /** Stops for good (the elected tab is leaving). */
  close(): void {
    this.closed = true;
    this.deps.connection.stop();
  }

  /** A tab is served: if the socket was closed for lack of tabs, open it again. */
  tabAdded(): void {
    if (this.idle && !this.closed) {
      this.idle = false;
      if (this.me) this.deps.connection.start();
    }
  }

  /**
   * The last tab left. The worker may live on a little (or be killed without warning): close the
   * socket now, so the server never counts a connection that serves no tab.
   */
  noTabs(): void {
    if (this.closed || !this.me) return;
    this.idle = true;
    this.deps.connection.stop();
  }

  /** Makes `user` the hub's user and connects as them. */
  async adopt(user: User): Promise<void> {
    const db = await this.deps.getDb();
    const previous = await getMe(db);
    // Another account's cache must not show; the outbox stays (entries carry their sender).
    if (previous && previous.id !== user.id) await clearAccountData(db);
    await setMe(db, user);
    this.me = { id: user.id, username: user.username };
    this.known = true;
    await this.deps.recount();
    this.deps.connection.restart();
    this.deps.accountChanged();
  }

  /** Signed out in a tab: disconnect and forget this account's data. */
  async signOut(): Promise<void> {
    this.me = null;
    this.known = true;
    this.deps.connection.stop();
    const db = await this.deps.getDb();
    await clearAccountData(db);
    await clearMe(db);
    await this.deps.recount();
    this.deps.accountChanged();
  }

  /** The server refused the session (socket handshake or HTTP): sign in again. */
  async authFailed(): Promise<void> {
    this.me = null;
    this.known = true;
    try {
      await clearMe(await this.deps.getDb());
    } catch (err) {
      console.warn('ferry hub: could not forget the session', err);
    }
    this.deps.authRequired();
  }

  /**
   * Asks the server who the session cookie belongs to and follows it: another user than the one
   * remembered is adopted (cache cleared), no session means sign in again, no answer changes nothing.
   */
  private async check(): Promise<void> {
    let answer: Ack<{ user: User }>;
    try {
      const response = await fetch(HttpPath.me, {
        credentials: 'same-origin',
        signal: AbortSignal.timeout(SESSION_CHECK_TIMEOUT_MS),
      });
      answer = (await response.json()) as Ack<{ user: User }>;
    } catch {
      return;
    }
    if (this.closed) return;
    if (answer.ok) {
      if (answer.user.id !== this.me?.id) await this.adopt(answer.user);
    } else if (answer.error?.code === ErrorCode.UNAUTHENTICATED && this.me) {
      this.deps.connection.stop();
      await this.authFailed();
    }
  }
}
