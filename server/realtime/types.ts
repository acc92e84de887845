/** socket.io's four event maps for Ferry, and the per-socket data the server keeps. */
import type { Server, Socket } from 'socket.io';
import type {
  ClientToServerEvents,
  CompactServerToClientEvents,
  Message,
  Receipt,
  User,
} from '../../contract/events.js';
import type { FeedChange, OpenFeeds } from './remoteFeeds.js';

/** What the local SSE bus carries (and, with several nodes, what nodes tell each other). */
export type BusEvent = { type: 'message'; message: Message } | { type: 'receipt'; receipt: Receipt };

/**
 * A change of who may hear what. Every node applies each one to its own sockets and SSE feeds
 * (membership in the store has already changed when it is announced).
 */
export type AccessChange =
  | { type: 'joined'; userId: string; conversationId: string }
  | { type: 'left'; userId: string; conversationId: string }
  | { type: 'session-ended'; tokenHash: string };

export interface InterServerEvents {
  /**
   * Bus events from another node, for this node's SSE subscribers: a tick's worth in order (one
   * event alone from nodes that send them one by one).
   */
  'ferry:bus': (events: BusEvent[] | BusEvent) => void;
  /** An access change made on another node, for this node's sockets and feeds. */
  'ferry:access': (change: AccessChange) => void;
  /** Another node's first feed of a conversation opened (answered once applied) or last closed. */
  'ferry:feeds': (change: FeedChange, applied: () => void) => void;
  /** A starting node asks which conversations this node has feeds open in. */
  'ferry:feeds-ask': (answer: (open: OpenFeeds) => void) => void;
  /** Another node's open feeds, told when its connection came back after an outage. */
  'ferry:feeds-held': (open: OpenFeeds) => void;
}

export interface SocketData {
  user: User;
  /** The user's conversations when the handshake was accepted (joined as rooms on connect). */
  conversationIds: string[];
  /** SHA-256 of the session token the socket signed in with. */
  sessionHash: string;
  /** When that session expires (ms since the epoch): the socket is disconnected then. */
  sessionExpiresAt: number;
}

/** Messages leave compact and batched; a socket that wants them otherwise gets them so (messagePackets.ts). */
type Emitted = CompactServerToClientEvents;
export type FerryIo = Server<ClientToServerEvents, Emitted, InterServerEvents, SocketData>;
export type FerrySocket = Socket<ClientToServerEvents, Emitted, InterServerEvents, SocketData>;
