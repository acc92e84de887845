/**
 * The hub: the one place per browser that talks to the server. It is transport-agnostic: it
 * serves "ports" (a SharedWorker MessagePort, or a virtual port over BroadcastChannel in the
 * elected-tab mode), answers their requests, writes what it learns to IndexedDB and tells every
 * port what changed. Tabs cannot tell where it runs.
 */
import { ErrorCode, HttpPath, type Ack, type User } from '../contract/index';
import { onAnnouncedChange } from '../localdb/changes';
import { lazyFerryDb, type GetFerryDb } from '../localdb/connection';
import { onMessageWrite } from '../localdb/messageWrites';
import { clearAccountData, clearMe, getMe, setMe } from '../localdb/meta';
import { SearchIndex } from '../localdb/searchIndex';
import { listEntries } from '../outbox/store';
import { Connection } from './connection';
import { Drainer } from './drainer';
import type { HubPort } from './ports';
import { PortRegistry } from './ports';
import type { HubEvent, HubEvents, HubRequest, HubStatus, HubToTab, TabToHub } from './protocol';
import { serverRequests, type Handler, type Handlers } from './requests';
import { searchRequests } from './search';
import { bindServerEvents } from './serverEvents';
import { Sync } from './sync';

export interface HubOptions {
  getDb?: GetFerryDb;
  /** Origin of the Ferry server; defaults to this context's own. */
  url?: string;
}

const SESSION_CHECK_TIMEOUT_MS = 8_000;
const CHANGE_BATCH_MS = 16;
/** During a burst, tabs are told to re-read at most this often (a lone change still goes in 16 ms). */
const CHANGE_MIN_GAP_MS = 75;
const ALL_STORES: HubEvents['changed']['stores'] = ['conversations', 'messages', 'members', 'outbox'];

export class Hub {
  private me: User | null = null;
  private queued = 0;
  private lastStatus = '';
  private readonly ports = new PortRegistry(() => this.onNoTabs());
  /** The socket was closed because no tab was left; the next tab opens it again. */
  private idle = false;
  private readonly getDb: GetFerryDb;
  private readonly connection: Connection;
  private readonly sync: Sync;
  private readonly drainer: Drainer;
  private readonly handlers: Handlers;
  private readonly ready: Promise<void>;
  private readonly stopListening: () => void;
  private readonly search: SearchIndex;
  private readonly stopIndexing: () => void;
  private closed = false;
  private pendingChange: HubEvents['changed'] | null = null;
  private lastChangeAt = -Infinity;
  /** A recount running now, and whether another must follow it (changes came in meanwhile). */
  private counting: Promise<void> | null = null;
  private countAgain = false;

  constructor(options: HubOptions = {}) {
    const getDb = (this.getDb = options.getDb ?? lazyFerryDb());
    const me = (): User | null => this.me;
    const notify = (change: HubEvents['changed']): void => this.changed(change);
    this.connection = new Connection({
      url: options.url ?? globalThis.location.origin,
      onState: () => this.pushStatus(),
      onConnected: () => this.onConnected(),
      onAuthFailed: () => void this.onAuthFailed(),
      bind: (socket) =>
        bindServerEvents(socket, { getDb, sync: this.sync, me, notify, emit: (e, p) => this.emit(e, p) }),
    });
    this.sync = new Sync({
      getDb,
      connection: this.connection,
      me,
      notify,
      arrived: (message) => this.emit('arrived', message),
    });
    this.drainer = new Drainer(getDb, this.connection, me, (messages) => {
      for (const message of messages) this.sync.learned(message.conversationId, message.seq);
    });
    // The one search index of this browser lives here, beside the one writer of messages.
    const search = (this.search = new SearchIndex(getDb));
    this.stopIndexing = onMessageWrite((write) => {
      search.apply(write).catch((err: unknown) => console.warn('ferry hub: could not index messages', err));
    });
    this.handlers = {
      ...searchRequests({
        getDb,
        connection: this.connection,
        index: search,
        meId: () => this.me?.id,
        notify,
      }),
      ...serverRequests({
        getDb,
        connection: this.connection,
        sync: this.sync,
        meId: () => this.me?.id,
        notify,
      }),
      hello: async () => {
        // A tab opening is a good moment to retry instead of waiting out the backoff.
        this.connection.retryNow();
        return { ok: true, status: this.status() };
      },
      signedIn: async ({ user }) => this.signedIn(user),
      signedOut: async () => this.signedOut(),
      outboxChanged: async () => {
        await this.refreshQueued();
        this.drainer.kick();
        return { ok: true };
      },
      markRead: async ({ conversationId, seq }) => {
        await this.sync.markRead(conversationId, seq);
        return { ok: true };
      },
      typing: async (params) => {
        this.connection.fireAndForget('typing:update', params);
        return { ok: true };
      },
    };
    // Outbox writes by pages and by the Service Worker reach every tab through the hub.
    this.stopListening = onAnnouncedChange((change) => {
      notify(change);
      // Another context (the Service Worker's replay) stored messages: index what it stored.
      if (change.stores.includes('messages')) search.reconcileSoon();
      if (change.stores.includes('outbox')) void this.refreshQueued();
    });
    this.ready = this.init();
  }

  /** Serves a tab; returns the function to call with each message the tab sends. */
  attach(port: HubPort): (message: TabToHub) => void {
    this.addPort(port);
    return (message) => {
      if (message.kind === 'bye') {
        this.ports.remove(port);
        return;
      }
      // A tab forgotten while frozen may speak again: serve it again.
      if (this.ports.has(port)) this.ports.touch(port);
      else this.addPort(port);
      if (message.kind === 'request') void this.answer(port, message);
    };
  }

  /** Stops serving: disconnects the socket and stops listening (the elected tab is leaving). */
  close(): void {
    this.closed = true;
    this.connection.stop();
    this.stopListening();
    this.stopIndexing();
    void this.search.flush().catch(() => {});
    this.ports.clear();
  }

  private addPort(port: HubPort): void {
    this.ports.add(port);
    if (this.idle && !this.closed) {
      this.idle = false;
      if (this.me) this.connection.start();
    }
  }

  /**
   * The last tab left. The worker may live on a little (or be killed without warning): close the
   * socket now, so the server never counts a connection that serves no tab.
   */
  private onNoTabs(): void {
    if (this.closed || !this.me) return;
    this.idle = true;
    this.connection.stop();
  }

  private async init(): Promise<void> {
    try {
      this.me = await getMe(await this.getDb());
      await this.refreshQueued();
    } catch (err) {
      console.warn('ferry hub: could not read the local database', err);
    }
    if (this.closed) return;
    if (this.me) {
      // Offline use starts at once from what this device remembers; the server confirms later.
      this.connection.start();
      void this.checkSession();
    } else {
      // Nobody remembered here, but the cookie may sign someone in (e.g. signed in elsewhere).
      await this.checkSession();
    }
  }

  /**
   * Asks the server who the session cookie belongs to and follows it: another user than the one
   * remembered is adopted (cache cleared), no session means sign in again, no answer changes nothing.
   */
  private async checkSession(): Promise<void> {
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
      this.connection.stop();
      await this.onAuthFailed();
    }
  }

  private async answer(port: HubPort, request: HubRequest): Promise<void> {
    let result: Ack<object>;
    try {
      await this.ready;
      const handler = this.handlers[request.method] as Handler<typeof request.method>;
      result = await handler(request.params as never);
    } catch (err) {
      console.warn(`ferry hub: "${request.method}" failed`, err);
      result = {
        ok: false,
        error: {
          code: ErrorCode.INTERNAL,
          message: 'Something went wrong in the background. Reload the page and try again.',
        },
      };
    }
    port.post({ kind: 'response', id: request.id, result });
  }

  private async signedIn(user: User): Promise<Ack<{ status: HubStatus }>> {
    await this.adopt(user);
    return { ok: true, status: this.status() };
  }

  /** Makes `user` the hub's user and connects as them. */
  private async adopt(user: User): Promise<void> {
    const db = await this.getDb();
    const previous = await getMe(db);
    // Another account's cache must not show; the outbox stays (entries carry their sender).
    if (previous && previous.id !== user.id) await clearAccountData(db);
    await setMe(db, user);
    this.me = { id: user.id, username: user.username };
    await this.refreshQueued();
    this.connection.restart();
    this.changed({ stores: ALL_STORES });
    this.pushStatus();
  }

  private async signedOut(): Promise<Ack> {
    this.me = null;
    this.connection.stop();
    const db = await this.getDb();
    await clearAccountData(db);
    await clearMe(db);
    await this.refreshQueued();
    this.changed({ stores: ALL_STORES });
    this.pushStatus();
    return { ok: true };
  }

  private onConnected(): void {
    this.drainer.kick();
    void this.sync.resync();
  }

  private async onAuthFailed(): Promise<void> {
    this.me = null;
    try {
      await clearMe(await this.getDb());
    } catch (err) {
      console.warn('ferry hub: could not forget the session', err);
    }
    this.emit('authRequired', {});
    this.pushStatus();
  }

  private status(): HubStatus {
    return { connection: this.connection.state, queued: this.queued, user: this.me };
  }

  /**
   * Recounts this account's unsent messages (queued or failed). Calls during a recount share one
   * more recount after it, so a burst of outbox changes reads the outbox a few times, not per change.
   */
  private refreshQueued(): Promise<void> {
    if (this.counting) {
      this.countAgain = true;
      return this.counting;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          this.countAgain = false;
          const me = this.me;
          this.queued = me ? (await listEntries(await this.getDb(), me.id)).length : 0;
          this.pushStatus();
        } while (this.countAgain);
      } finally {
        this.counting = null;
      }
    };
    return (this.counting = run());
  }

  private pushStatus(): void {
    const status = this.status();
    const key = JSON.stringify(status);
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    this.emit('status', status);
  }

  /**
   * Tells tabs what changed, merging changes made within CHANGE_BATCH_MS, and spacing the events
   * at least CHANGE_MIN_GAP_MS apart: during a catch-up, a drain or a burst, tabs re-read
   * IndexedDB a few times a second instead of once per message.
   */
  private changed(change: HubEvents['changed']): void {
    const pending = this.pendingChange;
    if (!pending) {
      this.pendingChange = {
        stores: [...change.stores],
        conversationIds: change.conversationIds && [...change.conversationIds],
      };
      const delay = Math.max(CHANGE_BATCH_MS, this.lastChangeAt + CHANGE_MIN_GAP_MS - Date.now());
      setTimeout(() => {
        const merged = this.pendingChange;
        this.pendingChange = null;
        this.lastChangeAt = Date.now();
        if (merged) this.emit('changed', merged);
      }, delay);
      return;
    }
    for (const store of change.stores) if (!pending.stores.includes(store)) pending.stores.push(store);
    // No ids means "any conversation": the merged change then covers them all.
    if (!pending.conversationIds || !change.conversationIds) pending.conversationIds = undefined;
    else
      for (const id of change.conversationIds)
        if (!pending.conversationIds.includes(id)) pending.conversationIds.push(id);
  }

  private emit<E extends HubEvent>(event: E, payload: HubEvents[E]): void {
    this.ports.broadcast({ kind: 'event', event, payload } as HubToTab);
  }
}
