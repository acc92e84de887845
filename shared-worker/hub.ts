/**
 * The hub: the one place per browser that talks to the server. It is transport-agnostic: it
 * serves "ports" (a SharedWorker MessagePort, or a virtual port over BroadcastChannel in the
 * elected-tab mode), answers their requests, writes what it learns to IndexedDB and tells every
 * port what changed. Tabs cannot tell where it runs.
 *
 * This file only assembles the parts, each readable alone: Session (who is signed in, when the
 * socket runs), OutboxCount (the status's unsent count), Tabs (ports and request routing), LocalMirror
 * and Drainer (catch-up and outbox over the socket), and the coalescer of `changed` events.
 */
import { coalesce } from '../client-kit/index';
import type { Ack, User } from '../contract/index';
import {
  everythingChanged,
  lazyFerryDb,
  mergeChanges,
  onAnnouncedChange,
  onMessageWrite,
  type DbChange,
  type GetFerryDb,
} from '../localdb/index';
import { ChangeLog } from './changeLog';
import { Connection } from './connection';
import { DeferredSearchIndex } from './deferredSearch';
import { Drainer } from './drainer';
import { OutboxCount } from './outboxCount';
import type { HubPort } from './ports';
import type { HubEvent, HubEvents, HubMethod, HubStatus, TabToHub } from './protocol';
import type { Handler, Handlers } from './requests';
import { bindServerEvents } from './serverEvents';
import { Session } from './session';
import { LocalMirror } from './localMirror';
import { Tabs } from './tabs';
import { ClientEvent } from '../contract/index';

export interface HubOptions {
  getDb?: GetFerryDb;
  /** Origin of the Ferry server; defaults to this context's own. */
  url?: string;
  /** No other hub can have written before this one (a SharedWorker); false for an elected tab. */
  sole?: boolean;
}

/**
 * During a burst, tabs are told to re-read at most this often. A lone change (nothing told for
 * this long) goes out at once: a message that arrives is on screen one IndexedDB read later, not
 * a batching delay later.
 */
const CHANGE_MIN_GAP_MS = 75;

/**
 * Handlers whose code is fetched at their first request instead of with the hub: nobody searches,
 * creates a room or scrolls back before the first conversation is on screen. A failed fetch fails
 * that request only; the next one tries again.
 */
function onDemand<K extends HubMethod>(
  load: () => Promise<Pick<Handlers, K>>,
): <M extends K>(method: M) => Handler<M> {
  let loading: Promise<Pick<Handlers, K>> | null = null;
  return (method) => async (params) => {
    loading ??= load().catch((err: unknown) => {
      loading = null;
      throw err;
    });
    return (await loading)[method](params);
  };
}

export class Hub {
  private lastStatus = '';
  private readonly connection: Connection;
  private readonly session: Session;
  private readonly outboxCount: OutboxCount;
  private readonly search: DeferredSearchIndex;
  private readonly tabs: Tabs;
  private readonly stopListening: () => void;
  private readonly stopIndexing: () => void;

  constructor(options: HubOptions = {}) {
    const getDb = options.getDb ?? lazyFerryDb();
    const me = (): User | null => this.session.me;
    const meId = (): string | undefined => this.session.me?.id;
    const emit = <E extends HubEvent>(event: E, payload: HubEvents[E]): void =>
      this.tabs.emit(event, payload);
    // Tells tabs what changed, spacing the events at least CHANGE_MIN_GAP_MS apart and merging
    // what comes meanwhile: during a catch-up, a drain or a burst, tabs re-read IndexedDB a few
    // times a second instead of once per message.
    const changes = coalesce<DbChange>({
      merge: mergeChanges,
      emit: (change) => emit('changed', change),
      minGapMs: CHANGE_MIN_GAP_MS,
    });
    const told = new ChangeLog(options.sole ?? true);
    const notify = (change: DbChange): void => {
      told.record(change);
      changes.push(change);
    };

    // The socket's handlers are bound when it is first opened, after everything below exists.
    const connection = (this.connection = new Connection({
      url: options.url ?? globalThis.location.origin,
      onState: () => this.pushStatus(),
      onConnected: () => {
        drainer.kick();
        void mirror.resync();
      },
      onAuthFailed: () => void this.session.authFailed(),
      bind: (socket) => bindServerEvents(socket, { getDb, mirror, me, notify, emit }),
    }));
    const outboxCount = (this.outboxCount = new OutboxCount({ getDb, me, counted: () => this.pushStatus() }));
    const session = (this.session = new Session({
      getDb,
      connection,
      recount: () => outboxCount.refresh(),
      accountChanged: () => {
        notify(everythingChanged());
        this.pushStatus();
      },
      authRequired: () => {
        emit('authRequired', {});
        this.pushStatus();
      },
    }));
    const mirror = new LocalMirror({ getDb, connection, me, notify });
    const drainer = new Drainer(getDb, connection, me, (messages) => {
      for (const message of messages) mirror.learned(message.conversationId, message.seq);
    });
    // The one search index of this browser lives here, beside the one writer of messages.
    const search = (this.search = new DeferredSearchIndex(getDb));
    this.stopIndexing = onMessageWrite((write) => {
      search.apply(write).catch((err: unknown) => console.warn('ferry hub: could not index messages', err));
    });
    const searching = onDemand(() =>
      import('./search').then((m) => m.searchRequests({ getDb, connection, index: search, meId, notify })),
    );
    const asking = onDemand(() =>
      import('./requests').then((m) => m.serverRequests({ getDb, connection, mirror, meId, notify })),
    );
    const handlers: Handlers = {
      search: searching('search'),
      searchServer: searching('searchServer'),
      loadAround: searching('loadAround'),
      createRoom: asking('createRoom'),
      joinRoom: asking('joinRoom'),
      startDirect: asking('startDirect'),
      leave: asking('leave'),
      members: asking('members'),
      loadOlder: asking('loadOlder'),
      hello: async ({ since }) => {
        // A tab opening is a good moment to retry instead of waiting out the backoff.
        connection.retryNow();
        return { ok: true, status: this.status(), missed: since === undefined ? null : told.since(since) };
      },
      signedIn: async ({ user }) => {
        await session.adopt(user);
        return { ok: true, status: this.status() };
      },
      signedOut: async (): Promise<Ack> => {
        await session.signOut();
        return { ok: true };
      },
      // The write itself reaches the hub as an announced change (below), which recounts and tells
      // the tabs; this request only asks for the drain.
      outboxChanged: async ({ added }) => {
        if (added) drainer.sendNow(added);
        else drainer.kick();
        return { ok: true };
      },
      markRead: async ({ conversationId, seq }) => {
        await mirror.markRead(conversationId, seq);
        return { ok: true };
      },
      typing: async (params) => {
        connection.fireAndForget(ClientEvent.typing, params);
        return { ok: true };
      },
    };
    // Outbox writes by pages and by the Service Worker reach every tab through the hub.
    this.stopListening = onAnnouncedChange((change) => {
      notify(change);
      // Another context (the Service Worker's replay) stored messages: index what it stored.
      if (change.stores.includes('messages')) search.reconcileSoon();
      if (change.stores.includes('outbox')) void outboxCount.refresh();
    });
    this.tabs = new Tabs({
      handlers,
      // Tabs told the status while the session was unknown learn the outcome (nobody signed in
      // changes nothing else, so no other event would carry it).
      ready: session.start().finally(() => this.pushStatus()),
      tabAdded: () => session.tabAdded(),
      noTabs: () => session.noTabs(),
    });
  }

  /** Serves a tab; returns the function to call with each message the tab sends. */
  attach(port: HubPort): (message: TabToHub) => void {
    return this.tabs.attach(port);
  }

  /** Stops serving: disconnects the socket and stops listening (the elected tab is leaving). */
  close(): void {
    this.session.close();
    this.stopListening();
    this.stopIndexing();
    void this.search.flush().catch(() => {});
    this.tabs.clear();
  }

  private status(): HubStatus {
    const { known, me } = this.session;
    return {
      connection: this.connection.state,
      queued: this.outboxCount.value,
      user: known ? me : undefined,
    };
  }

  private pushStatus(): void {
    const status = this.status();
    const key = JSON.stringify(status);
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    this.tabs.emit('status', status);
  }
}
