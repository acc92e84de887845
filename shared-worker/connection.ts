/**
 * The browser's one socket.io connection: cookie auth (same origin), state online / connecting /
 * offline, and reconnects with exponential backoff and jitter. socket.io's own reconnection is off
 * because it stops after a middleware rejection and cannot tell an expired session from a network
 * failure; this class retries network failures and gives up only on UNAUTHENTICATED.
 */
import { Manager, type Socket } from 'socket.io-client';
import {
  ErrorCode,
  isAck,
  type AckOf,
  type ClientToServerEvents,
  type CompactServerToClientEvents,
  type HandshakeAuth,
} from '../contract/index';
import { backoffDelay, OfflineError } from '../net/index';
import type { ConnectionState } from './protocol';

export type FerrySocket = Socket<CompactServerToClientEvents, ClientToServerEvents>;
type Event = keyof ClientToServerEvents;
type Payload<E extends Event> = Parameters<ClientToServerEvents[E]>[0];

const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 15_000;
/** How long to wait for an ack before treating the call as failed (transiently). */
export const CALL_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** An attempt with no outcome after this long is abandoned and started over. */
const STUCK_ATTEMPT_MS = 2 * CONNECT_TIMEOUT_MS;

export interface ConnectionOptions {
  /** Origin of the Ferry server (the page's own). */
  url: string;
  onState(state: ConnectionState): void;
  /** After every successful (re)connect. */
  onConnected(): void;
  /** The server refused the session: the user must sign in again. */
  onAuthFailed(): void;
  /** Registers server event listeners, once, on the socket. */
  bind(socket: FerrySocket): void;
  random?: () => number;
}

/** True when a connect_error says the session is missing or invalid (not a network failure). */
export function isAuthError(err: Error & { data?: unknown }): boolean {
  const data = err.data as { code?: unknown; error?: { code?: unknown } } | undefined;
  const code = data?.code ?? data?.error?.code;
  return code === ErrorCode.UNAUTHENTICATED || err.message === ErrorCode.UNAUTHENTICATED;
}

export class Connection {
  state: ConnectionState = 'offline';
  private socket: FerrySocket | null = null;
  private wanted = false;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the attempt in flight started (null: none). */
  private attemptStartedAt: number | null = null;

  constructor(private readonly options: ConnectionOptions) {
    globalThis.addEventListener?.('online', () => this.retryNow());
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  /** Connects (if not connected) and keeps reconnecting until stop(). */
  start(): void {
    this.wanted = true;
    if (this.connected || this.timer !== undefined) return;
    this.attempt();
  }

  /** Disconnects and stops reconnecting (signed out). */
  stop(): void {
    this.wanted = false;
    this.attemptStartedAt = null;
    this.clearTimer();
    this.socket?.disconnect();
    this.setState('offline');
  }

  /** Starts a fresh session, e.g. after signing in (the cookie changed). */
  restart(): void {
    this.stop();
    this.failures = 0;
    this.start();
  }

  /** Tries at once instead of waiting out the backoff (back online, or the app was opened). */
  retryNow(): void {
    if (!this.wanted || this.connected) return;
    this.clearTimer();
    this.attempt();
  }

  /**
   * Emits an event and resolves with the server's ack. Throws OfflineError when not connected or
   * when the connection drops before the answer; a missing answer (timeout) resolves as a
   * transient UNAVAILABLE error, since the server may still have done it.
   */
  async call<E extends Event>(event: E, payload: Payload<E>, timeoutMs = CALL_TIMEOUT_MS): Promise<AckOf<E>> {
    const socket = this.socket;
    if (!socket?.connected) throw new OfflineError();
    const timed = socket.timeout(timeoutMs) as unknown as {
      emitWithAck(event: string, payload: unknown): Promise<unknown>;
    };
    let answer: unknown;
    try {
      answer = await timed.emitWithAck(event, payload);
    } catch (err) {
      if (!socket.connected || (err instanceof Error && /disconnected/.test(err.message)))
        throw new OfflineError();
      return {
        ok: false,
        error: { code: ErrorCode.UNAVAILABLE, message: 'The server did not answer in time. Try again.' },
      } as AckOf<E>;
    }
    if (!isAck(answer))
      return {
        ok: false,
        error: { code: ErrorCode.INTERNAL, message: 'The server sent an unexpected answer.' },
      } as AckOf<E>;
    return answer as AckOf<E>;
  }

  /** Sends an event that needs no answer, dropped when offline (typing notices). */
  fireAndForget<E extends Event>(event: E, payload: Payload<E>): void {
    const socket = this.socket as unknown as {
      connected: boolean;
      volatile: { emit(e: string, p: unknown): void };
    };
    if (socket?.connected) socket.volatile.emit(event, payload);
  }

  private ensureSocket(): FerrySocket {
    if (this.socket) return this.socket;
    // A Manager of its own rather than io(): the hub opens one socket, so io()'s cache of Managers
    // by URL has nothing to share (and the build leaves it out, web/build/socketClientTrim.ts).
    const manager = new Manager<CompactServerToClientEvents, ClientToServerEvents>(this.options.url, {
      autoConnect: false,
      reconnection: false,
      withCredentials: true,
      timeout: CONNECT_TIMEOUT_MS,
      // WebSocket first: when the worker or tab dies, its TCP connection closes and the server
      // drops the socket at once (a long-polling socket lingers until its ping timeout), and
      // WebSocket needs no sticky sessions across server nodes. Polling remains the fallback
      // where a proxy blocks WebSocket.
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
    });
    // Live messages without their default fields (a third of the bytes; serverEvents.ts fills
    // them), a commit's several to a conversation in one event.
    const auth: HandshakeAuth = { batch: true };
    const socket: FerrySocket = manager.socket('/', { auth });
    socket.on('connect', () => {
      this.attemptStartedAt = null;
      this.failures = 0;
      this.setState('online');
      this.options.onConnected();
    });
    socket.on('connect_error', (err) => {
      this.attemptStartedAt = null;
      if (isAuthError(err)) {
        this.stop();
        this.options.onAuthFailed();
        return;
      }
      this.failures++;
      this.setState('offline');
      // The server may say when to come back (e.g. its store is briefly unreachable).
      this.schedule((err as { data?: { retryAfterMs?: unknown } }).data?.retryAfterMs);
    });
    socket.on('disconnect', (reason) => {
      this.attemptStartedAt = null;
      if (!this.wanted || reason === 'io client disconnect') return;
      // Lost a working connection: say "connecting" while the first quick retry runs.
      this.setState('connecting');
      this.failures = 1;
      this.schedule();
    });
    this.options.bind(socket);
    this.socket = socket;
    return socket;
  }

  private attempt(): void {
    this.timer = undefined;
    if (!this.wanted) return;
    const socket = this.ensureSocket();
    if (this.attemptStartedAt !== null) {
      // Never a second attempt while one is in flight: connect() on an open engine whose socket
      // awaits the server's CONNECT answer (the auth check) sends another CONNECT, and the
      // server would hold two sockets for this browser. Only a stuck attempt is started over.
      if (Date.now() - this.attemptStartedAt < STUCK_ATTEMPT_MS) return;
      socket.disconnect();
    }
    this.attemptStartedAt = Date.now();
    if (this.failures === 0) this.setState('connecting');
    socket.connect();
  }

  private schedule(atLeastMs?: unknown): void {
    if (!this.wanted) return;
    this.clearTimer();
    const backoff = backoffDelay(Math.max(1, this.failures), {
      baseMs: RETRY_BASE_MS,
      maxMs: RETRY_MAX_MS,
      random: this.options.random,
    });
    const delay =
      typeof atLeastMs === 'number' ? Math.max(backoff, Math.min(atLeastMs, RETRY_MAX_MS)) : backoff;
    this.timer = setTimeout(() => this.attempt(), delay);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.options.onState(state);
  }
}
