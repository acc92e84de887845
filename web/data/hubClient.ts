/**
 * The page's side of the hub: a SharedWorker where the browser has one, else the elected-tab mode
 * (Web Locks + BroadcastChannel). Both carry the same protocol, so nothing above this file can
 * tell which runs. Requests are re-sent when a new hub takes over (elected mode), except room
 * creation, which is not idempotent and fails with a clear error instead.
 */
import { ErrorCode, type Ack, type WireError } from '../../contract/index';
import { everythingChanged, mergeChanges, onAnnouncedChange, type DbChange } from '../../localdb/index';
import { HUB_CHANNEL, LEADER_LOCK, type WireMessage } from '../../shared-worker/broadcastWire';
import hubUrl from './hubUrl';
import {
  TAB_TIMEOUT_MS,
  type HubEvent,
  type HubEvents,
  type HubMethod,
  type HubMethods,
  type HubRequest,
  type HubStatus,
  type HubToTab,
  type TabToHub,
} from '../../shared-worker/protocol';

/** How the page reaches the hub. */
interface HubLink {
  send(message: TabToHub): void;
  close(): void;
}
interface LinkHandlers {
  message(message: HubToTab): void;
  /** A new hub is serving (a new leader): say hello again and re-send what is unanswered. */
  reset(): void;
}
export type HubMode = 'shared-worker' | 'elected';

/** A request the hub has not answered within this time fails (the UI must not wait forever). */
const REQUEST_TIMEOUT_MS = 30_000;
const NOT_ANSWERING: WireError = {
  code: ErrorCode.UNAVAILABLE,
  message: 'The app’s background connection is not answering. Reload the page and try again.',
};
const HUB_CHANGED: WireError = {
  code: ErrorCode.UNAVAILABLE,
  message: 'The connection changed while this was being done. Check the result and try again if needed.',
};
/** Longest a page opened on a conversation waits to reach the hub (it may draw nothing). */
const HUB_START_WAIT_MS = 1_000;
/** Methods that must not be repeated blindly: a second try could do it twice. */
const NOT_RETRIED: ReadonlySet<HubMethod> = new Set<HubMethod>(['createRoom']);

function sharedWorkerLink(on: LinkHandlers): HubLink {
  const worker = new SharedWorker(hubUrl, {
    type: 'module',
    name: 'ferry-hub',
  });
  worker.onerror = (event) => console.error('ferry: the hub worker failed to start', event);
  const port = worker.port;
  port.onmessage = (event: MessageEvent<HubToTab>) => on.message(event.data);
  return { send: (message) => port.postMessage(message), close: () => port.close() };
}

function electedLink(tabId: string, on: LinkHandlers): HubLink {
  const channel = new BroadcastChannel(HUB_CHANNEL);
  channel.onmessage = (event: MessageEvent<WireMessage>) => {
    const wire = event.data;
    if (wire?.t === 'hub' && wire.to === tabId) on.message(wire.msg);
    else if (wire?.t === 'leader') on.reset();
  };
  // Only browsers without SharedWorker take part in the election: its code is theirs alone.
  import('../../shared-worker/elected').then(
    (m) => m.joinElection(tabId),
    (err: unknown) => console.warn('ferry: could not load the elected-tab hub', err),
  );
  return {
    send: (msg) => channel.postMessage({ t: 'tab', from: tabId, msg } satisfies WireMessage),
    close: () => channel.close(),
  };
}

interface Pending {
  request: HubRequest;
  resolve(answer: Ack<object>): void;
  timer: ReturnType<typeof setTimeout>;
}

type Listener<E extends HubEvent> = (payload: HubEvents[E]) => void;

export class HubClient {
  readonly mode: HubMode;
  /** The hub's latest status; undefined until it first answers. */
  status: HubStatus | undefined;
  private readonly tabId = newTabId();
  /**
   * When this page started: its reads of IndexedDB all come after (see getDb). Until the hub first
   * answers, changes other contexts announce are heard here too, as the hub may not run yet.
   */
  private readonly startedAt = Date.now();
  private heard: DbChange = { stores: [], conversationIds: [] };
  private stopHearing: (() => void) | undefined = onAnnouncedChange((change) => {
    this.heard = mergeChanges(this.heard, change);
  });
  /** Null until start() (see the constructor). */
  private link: HubLink | null = null;
  private nextId = 1;
  private lastHeard = Date.now();
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<HubEvent, Set<Listener<HubEvent>>>();

  constructor() {
    this.mode = typeof SharedWorker === 'function' ? 'shared-worker' : 'elected';
    // Opened on a conversation (conversationPath), the page draws it from IndexedDB first. A hub
    // starting meanwhile (its code, its IndexedDB, its socket's handshake and first catch-up) takes
    // the CPU from that on a two-core machine: a big account's cold open to its newest messages,
    // medians of 7, was 588 and 552 ms with the hub started at once (its socket alone held back),
    // 484 and 448 ms with the hub reached after. Nothing of the user's waits: any request reaches
    // the hub at once (a send, a search), as does start(); what arrived meanwhile comes with the
    // hub's first catch-up.
    // A hub that already runs (another tab's; it holds LEADER_LOCK) starts nothing new: this page
    // reaches it at once, and says Online as soon as that hub does.
    if (location.pathname.startsWith('/c/')) {
      setTimeout(() => this.start(), HUB_START_WAIT_MS);
      navigator.locks?.query().then(
        (locks) => locks.held?.some((lock) => lock.name === LEADER_LOCK) && this.start(),
        () => {},
      );
    } else this.start();
    addEventListener('pagehide', () => this.link?.send({ kind: 'bye' }));
    addEventListener('pageshow', (event) => {
      if (event.persisted) this.relink();
    });
    // A tab frozen for long was forgotten by the hub: connect again.
    document.addEventListener('resume', () => {
      if (Date.now() - this.lastHeard > TAB_TIMEOUT_MS) this.relink();
    });
    // Back online: hello makes the hub retry its connection now.
    addEventListener('online', () => this.link && this.hello());
  }

  /** Calls a hub method; resolves with its answer (never rejects). */
  request<M extends HubMethod>(
    method: M,
    params: HubMethods[M]['params'],
  ): Promise<Ack<HubMethods[M]['result']>> {
    const id = this.nextId++;
    const request = { kind: 'request', id, method, params } as HubRequest;
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => this.settle(id, { ok: false, error: NOT_ANSWERING }),
        REQUEST_TIMEOUT_MS,
      );
      this.pending.set(id, { request, resolve: resolve as (answer: Ack<object>) => void, timer });
      // hello is sent by start() and after it (only then).
      if (method !== 'hello') this.start();
      this.link!.send(request);
    });
  }

  /** Subscribes to a hub event; returns the unsubscribe function. */
  on<E extends HubEvent>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<HubEvent>);
    return () => set.delete(listener as Listener<HubEvent>);
  }

  /** Delivers an event to this tab's listeners only (a change this tab made itself). */
  emitLocal<E extends HubEvent>(event: E, payload: HubEvents[E]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(payload);
  }

  /** Reaches the hub now, if not yet done (the page needs it). */
  start(): void {
    if (this.link) return;
    this.link = this.openLink();
    this.hello();
  }

  private openLink(): HubLink {
    const handlers: LinkHandlers = { message: (m) => this.receive(m), reset: () => this.resend() };
    return this.mode === 'shared-worker' ? sharedWorkerLink(handlers) : electedLink(this.tabId, handlers);
  }

  private hello(): void {
    const first = this.stopHearing !== undefined;
    const params = first ? { tabId: this.tabId, since: this.startedAt } : { tabId: this.tabId };
    void this.request('hello', params).then((answer) => {
      if (!answer.ok) return;
      this.setStatus(answer.status);
      // Changes told before this hub knew us (e.g. the Service Worker drained the outbox while the
      // tab was starting) were missed. The first time, the hub says which (an unchanged list at
      // its start is the usual answer: nothing), and only those are read again, not the whole
      // first screen just read; later (a new hub, or back from a freeze) everything is.
      const missed = first ? this.missedSinceStart(answer.missed) : everythingChanged();
      if (missed.stores.length > 0) this.emitLocal('changed', missed);
    });
  }

  /** What this page missed since it started: what the hub says, and what it heard meanwhile. */
  private missedSinceStart(told: DbChange | null | undefined): DbChange {
    this.stopHearing?.();
    this.stopHearing = undefined;
    return told ? mergeChanges(told, this.heard) : everythingChanged();
  }

  private relink(): void {
    this.link?.close();
    this.link = this.openLink();
    this.resend();
  }

  /** A new hub serves us: hello, then every unanswered request again (or a clear failure). */
  private resend(): void {
    this.lastHeard = Date.now();
    for (const [id, pending] of this.pending) {
      if (pending.request.method === 'hello') this.settle(id, { ok: false, error: HUB_CHANGED });
      else if (NOT_RETRIED.has(pending.request.method)) this.settle(id, { ok: false, error: HUB_CHANGED });
      else this.link!.send(pending.request);
    }
    this.hello();
  }

  private settle(id: number, answer: Ack<object>): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(answer);
  }

  private receive(message: HubToTab): void {
    this.lastHeard = Date.now();
    if (message.kind === 'ping') this.link!.send({ kind: 'pong' });
    else if (message.kind === 'response') this.settle(message.id, message.result);
    else if (message.event === 'status') this.setStatus(message.payload);
    else this.emitLocal(message.event, message.payload as never);
  }

  private setStatus(status: HubStatus): void {
    this.status = status;
    this.emitLocal('status', status);
  }
}

function newTabId(): string {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : Math.random().toString(36).slice(2);
}

let client: HubClient | undefined;

/** This page's hub client, created on first use. */
export function hubClient(): HubClient {
  return (client ??= new HubClient());
}
