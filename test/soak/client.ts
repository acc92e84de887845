/**
 * One soak client: a real socket.io client that behaves like the hub. It types messages into an
 * outbox and sends them one at a time in typing order (an unacked one is sent again, same id,
 * after any failure), and keeps a view of each of its conversations built from live messages,
 * its own acks and catch-up by seq, with the hub's gap rule: any seq learned past the contiguous
 * cursor (live, ack, `sync:check` summary) pages the missing ones in. After a reconnect it
 * catches every conversation up. It never reads the server's state any other way.
 */
import { randomUUID } from 'node:crypto';
import { PAGE_SIZE_MAX, type Message, ClientEvent, ServerEvent } from '../../contract/index.js';
import { connect, request, type ClientSocket, type TestUser } from '../server/support/clients.js';
import type { Random } from './random.js';

/** How a message first reached a client's view. */
export type Arrival = 'live' | 'ack' | 'catchUp';

export interface Typed {
  id: string;
  conversationId: string;
  text: string;
  typedAt: number;
}

export class SoakClient {
  socket: ClientSocket | null = null;
  /** Typed and not acknowledged yet, in typing order. */
  readonly outbox: Typed[] = [];
  /** Every message typed, in typing order. */
  readonly typed: Typed[] = [];
  /** Acked seq of each typed id. */
  readonly acked = new Map<string, number>();
  /** Per conversation: seq → message, as this client holds it. */
  readonly views = new Map<string, Map<number, Message>>();
  readonly arrivals: Record<Arrival, number> = { live: 0, ack: 0, catchUp: 0 };
  duplicateAcks = 0;
  /** Error codes answered to sends (each was retried). */
  readonly refusals = new Map<string, number>();
  /** Broken promises this client saw itself (two messages at one seq, one id at two seqs). */
  readonly violations: string[] = [];
  connects = 0;
  private readonly chains = new Map<string, Promise<void>>();
  private readonly learnedSeqs = new Map<string, number>();
  private sending = false;
  private stopped = false;
  private reconnecting = false;

  constructor(
    readonly user: TestUser,
    readonly conversationIds: string[],
    private readonly urls: readonly string[],
    private readonly random: Random,
  ) {
    for (const id of conversationIds) this.views.set(id, new Map());
  }

  /** The contiguous cursor of a conversation: every seq up to it is held. */
  held(conversationId: string): number {
    const view = this.views.get(conversationId)!;
    let seq = 0;
    while (view.has(seq + 1)) seq++;
    return seq;
  }

  /** Connects (retrying over both nodes until one answers), then catches up and sends. */
  async connect(): Promise<void> {
    if (this.reconnecting || this.stopped) return;
    this.reconnecting = true;
    try {
      while (!this.stopped) {
        try {
          const socket = await connect(this.random.pick(this.urls), this.user.cookie);
          this.bind(socket);
          this.socket = socket;
          this.connects++;
          for (const id of this.conversationIds) this.learned(id, Infinity);
          void this.drain();
          return;
        } catch {
          await sleep(this.random.int(100, 600));
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  /** Closes the socket as a network drop would; the client reconnects after `pauseMs`. */
  drop(pauseMs: number): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    socket.close();
    setTimeout(() => void this.connect(), pauseMs);
  }

  /** Types a message into the outbox and sends it when its turn comes. */
  type(conversationId: string, text: string): void {
    const entry = { id: randomUUID(), conversationId, text, typedAt: Date.now() };
    this.typed.push(entry);
    this.outbox.push(entry);
    void this.drain();
  }

  /** Stops reconnecting and closes the socket. */
  stop(): void {
    this.stopped = true;
    this.socket?.close();
    this.socket = null;
  }

  private bind(socket: ClientSocket): void {
    socket.on(ServerEvent.message, (message) => {
      if (!this.views.has(message.conversationId)) return;
      this.store(message, 'live');
      this.learned(message.conversationId, message.seq);
    });
    socket.on(ServerEvent.syncCheck, ({ withinMs }) => {
      setTimeout(() => void this.checkAll(socket), this.random.next() * withinMs);
    });
    socket.on('disconnect', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      setTimeout(() => void this.connect(), this.random.int(50, 500));
    });
  }

  private store(message: Message, how: Arrival): void {
    const view = this.views.get(message.conversationId)!;
    const there = view.get(message.seq);
    if (there && there.id !== message.id)
      this.violations.push(`${this.user.username}: seq ${message.seq} came as ${there.id} and ${message.id}`);
    if (there) return;
    view.set(message.seq, message);
    this.arrivals[how]++;
  }

  /** The hub's gap rule: one coalesced check per conversation, run in its chain. */
  private learned(conversationId: string, seq: number): void {
    const pending = this.learnedSeqs.get(conversationId);
    this.learnedSeqs.set(conversationId, Math.max(pending ?? 0, seq));
    if (pending !== undefined) return;
    this.serial(conversationId, async () => {
      const learned = this.learnedSeqs.get(conversationId) ?? 0;
      this.learnedSeqs.delete(conversationId);
      if (learned > this.held(conversationId)) await this.catchUp(conversationId);
    });
  }

  private async catchUp(conversationId: string): Promise<void> {
    for (;;) {
      const socket = this.socket;
      if (!socket?.connected) return;
      const afterSeq = this.held(conversationId);
      const page = await request(socket, ClientEvent.messagesAfter, {
        conversationId,
        afterSeq,
        limit: PAGE_SIZE_MAX,
      }).catch(() => null);
      if (!page?.ok) return;
      for (const message of page.messages) this.store(message, 'catchUp');
      if (!page.hasMore || this.held(conversationId) <= afterSeq) return;
    }
  }

  private async checkAll(socket: ClientSocket): Promise<void> {
    if (this.socket !== socket || !socket.connected) return;
    const list = await request(socket, ClientEvent.listConversations, {}).catch(() => null);
    if (!list?.ok) return;
    for (const c of list.conversations) if (this.views.has(c.id)) this.learned(c.id, c.lastSeq);
  }

  /** Sends the outbox in typing order, one in flight; stops at the first failure (resent later). */
  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.outbox.length > 0) {
        const socket = this.socket;
        if (!socket?.connected) return;
        const entry = this.outbox[0]!;
        const ack = await request(socket, ClientEvent.send, entry).catch(() => null);
        if (!ack) return; // no answer: the socket dropped or timed out; the same id goes again
        if (!ack.ok) {
          this.refusals.set(ack.error.code, (this.refusals.get(ack.error.code) ?? 0) + 1);
          await sleep(Math.max(200, ack.error.retryAfterMs ?? 0));
          continue;
        }
        this.outbox.shift();
        if (ack.duplicate) this.duplicateAcks++;
        const previous = this.acked.get(entry.id);
        if (previous !== undefined && previous !== ack.message.seq)
          this.violations.push(`${entry.id} acked as ${previous} and ${ack.message.seq}`);
        this.acked.set(entry.id, ack.message.seq);
        this.store(ack.message, 'ack');
        this.learned(entry.conversationId, ack.message.seq);
      }
    } finally {
      this.sending = false;
      // Something typed or a reconnect may have come in during the last await.
      if (this.outbox.length > 0 && this.socket?.connected && !this.stopped)
        setTimeout(() => void this.drain(), 50);
    }
  }

  private serial(conversationId: string, task: () => Promise<void>): void {
    const next = (this.chains.get(conversationId) ?? Promise.resolve()).then(task).catch((err: unknown) => {
      console.error(`soak client ${this.user.username}:`, err);
    });
    this.chains.set(conversationId, next);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
