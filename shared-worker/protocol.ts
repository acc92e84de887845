/**
 * The tab <-> hub protocol. The hub owns the one socket.io connection of this browser: it runs in
 * a SharedWorker, or where SharedWorker is missing in one elected tab (Web Locks +
 * BroadcastChannel). Tabs cannot tell which: both carry exactly these messages.
 *
 * The hub writes everything it learns to IndexedDB (localdb/) and then tells tabs what changed;
 * tabs render from IndexedDB (a new message relayed live is also handed over as it comes, see
 * `live`). Requests are answered with the wire contract's Ack shape.
 */
import type {
  Ack,
  ConversationSummary,
  Member,
  Message,
  MessagePage,
  PresenceNotice,
  SearchMessagesInput,
  SearchPage,
  TypingNotice,
  User,
} from '../contract/index';
import type { DbChange } from '../localdb/index';
import type { AddedEntry } from '../outbox/index';

/** What the status bar shows: online, connecting, or offline; plus messages waiting to be sent. */
export type ConnectionState = 'online' | 'connecting' | 'offline';

export interface HubStatus {
  connection: ConnectionState;
  /** Outbox entries not yet acknowledged (queued or failed). */
  queued: number;
  /**
   * Signed-in user the hub's socket is authenticated as; null when nobody is; undefined while the
   * hub cannot tell yet (nobody remembered on this device, and the server's answer about the
   * session cookie not in): a tab then shows neither sign-in nor the app.
   */
  user: User | null | undefined;
}

/** Methods a tab can call on the hub: params and the `ok` payload of the answer. */
export interface HubMethods {
  /**
   * First message from a tab: registers it and returns the current status. With `since` (the
   * tab's clock when it started reading IndexedDB), also what the hub told tabs since then, which
   * this tab missed: `missed` (no stores: nothing), or null when the hub cannot tell.
   */
  hello: {
    params: { tabId: string; since?: number };
    result: { status: HubStatus; missed?: DbChange | null };
  };
  /** The tab signed in (cookie is set): (re)connect as that user. */
  signedIn: { params: { user: User }; result: { status: HubStatus } };
  /** The tab signed out (cookie cleared): disconnect, clear local data. */
  signedOut: { params: Record<string, never>; result: object };
  /**
   * The tab wrote to the outbox: drain it now if connected. (The write itself reaches the hub as
   * the outbox's announced change, which recounts and tells every tab.) With `added`, the entry
   * it just queued: sent at once when it was alone in its conversation (outbox sendAlone).
   */
  outboxChanged: { params: { added?: AddedEntry }; result: object };
  createRoom: { params: { name: string }; result: { conversation: ConversationSummary } };
  joinRoom: { params: { inviteCode: string }; result: { conversation: ConversationSummary } };
  startDirect: { params: { username: string }; result: { conversation: ConversationSummary } };
  leave: { params: { conversationId: string }; result: object };
  members: { params: { conversationId: string }; result: { members: Member[] } };
  /** Loads an older page into IndexedDB (scrolling up). */
  loadOlder: { params: { conversationId: string; beforeSeq: number }; result: MessagePage };
  /** The user has seen messages up to `seq` in a conversation. */
  markRead: { params: { conversationId: string; seq: number }; result: object };
  typing: { params: { conversationId: string; typing: boolean }; result: object };
  /** Searches this device's messages (instant, offline): the best matches and the words matched. */
  search: {
    params: { query: string; conversationId?: string; senderId?: string };
    result: { hits: Array<{ message: Message; terms: string[] }> };
  };
  /** Searches the server (everything the user can read), one page. */
  searchServer: { params: SearchMessagesInput; result: SearchPage };
  /** Loads the messages around `seq` into IndexedDB (opening a search result not on the device). */
  loadAround: { params: { conversationId: string; seq: number }; result: MessagePage };
}
export type HubMethod = keyof HubMethods;

/** A relayed message, and whether it is an arrival (tabs decide whether to notify). */
export interface LiveMessage {
  message: Message;
  /** From someone else and its first delivery: notify, announce, end their typing notice. */
  arrival: boolean;
}

/** Events the hub pushes to every tab. */
export interface HubEvents {
  status: HubStatus;
  /** IndexedDB changed: re-read these stores (for these conversations, when given). */
  changed: DbChange;
  /**
   * A new message (kind 'message') the server relayed, told once per tab as it comes off the
   * socket, before the hub has stored it: the server committed it before relaying, so a tab may
   * show it at once. Its `changed` follows once it is stored, and what the tab reads then is the
   * truth.
   */
  live: LiveMessage;
  typing: TypingNotice;
  presence: PresenceNotice;
  /** The session is no longer valid: show sign-in. */
  authRequired: Record<string, never>;
}
export type HubEvent = keyof HubEvents;

export type HubRequest = {
  [M in HubMethod]: { kind: 'request'; id: number; method: M; params: HubMethods[M]['params'] };
}[HubMethod];

/**
 * MessagePort's `close` event is Chromium-only (whatwg/html#1766) and a virtual port over
 * BroadcastChannel has none, so the hub pings every tab and forgets those that stop answering;
 * a tab also says goodbye on `pagehide`.
 */
export type TabToHub = HubRequest | { kind: 'pong' } | { kind: 'bye' };

export type HubToTab =
  | { kind: 'response'; id: number; result: Ack<object> }
  | { [E in HubEvent]: { kind: 'event'; event: E; payload: HubEvents[E] } }[HubEvent]
  | { kind: 'ping' };

/** How often the hub pings each tab, and how long a silent tab is kept before it is forgotten. */
export const PING_INTERVAL_MS = 10_000;
export const TAB_TIMEOUT_MS = 45_000;
