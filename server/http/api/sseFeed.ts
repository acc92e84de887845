/**
 * One Server-Sent Events feed of one conversation. It subscribes to the relay bus BEFORE reading
 * the backlog from the store (with several nodes, once every node has heard of the feed), then
 * writes every message with seq > the last one written, in order, filling any gap from the
 * store: a client resuming with Last-Event-ID gets no gap and no duplicate.
 *
 * Writes respect backpressure: the feed writes while the connection takes it and waits for
 * 'drain' otherwise, so a backlog of any length reaches a reader that keeps reading on one
 * connection (the backlog is read from the store page by page, never held for the reader).
 * What the reader cannot take right now is counted: the live events queued behind it plus what
 * the connection holds. Past `maxBufferedBytes` the reader is not reading: it is cut, and resumes
 * with Last-Event-ID when it is back.
 * Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html
 */
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Message } from '../../../contract/events.js';
import { SseEvent } from '../../../contract/http.js';
import { PAGE_SIZE_MAX } from '../../../contract/limits.js';
import type { BusSubscription, Relay } from '../../realtime/relay.js';
import type { BusEvent } from '../../realtime/types.js';
import type { Store } from '../../store/Store.js';

/** EventSource reconnect delay the browser should use (ms). */
const RETRY_MS = 2_000;

export interface SseFeedOptions {
  store: Store;
  relay: Relay;
  logger: Logger;
  conversationId: string;
  /** The last seq the client has; messages after it are sent. */
  fromSeq: number;
  heartbeatMs: number;
  /** The response, headers sent: the feed writes events to it and ends it. */
  out: Writable;
  /** Bytes the reader may leave unread (queued or in the connection) before it is cut. */
  maxBufferedBytes: number;
  /**
   * Asked at every heartbeat: false when the reader's access ended without this node hearing of
   * it (a lost announcement), and the feed closes; true, and the feed reads what it may have missed.
   */
  stillAllowed?: () => Promise<boolean>;
  /** Called once when the feed has closed, for whatever reason. */
  onClose?: () => void;
}

/** A live event waiting for the reader, already in its wire form. */
interface Pending {
  /** The message's seq; null for a receipt. */
  seq: number | null;
  chunk: string;
}

export class SseFeed {
  private lastSent: number;
  private readonly queue: Pending[] = [];
  private queuedBytes = 0;
  private pumping = true;
  private closed = false;
  private checking = false;
  private subscription: BusSubscription | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private wakeWriter: (() => void) | null = null;

  constructor(private readonly options: SseFeedOptions) {
    this.lastSent = options.fromSeq;
  }

  /** Starts the feed: subscribe, then backlog, then live events. */
  start(): void {
    if (this.closed) return;
    const { relay, conversationId, heartbeatMs, out } = this.options;
    this.subscription = relay.subscribe(conversationId, (event) => this.onEvent(event));
    out.on('drain', () => this.wake());
    // The client went away (or the server cut the connection): that is a normal end of a feed.
    out.on('close', () => this.close());
    out.on('error', () => this.close());
    // Gone already, while the route was still checking access: 'close' will not come again.
    if (out.destroyed) {
      this.close();
      return;
    }
    out.write(`retry: ${RETRY_MS}\n: connected\n\n`);
    this.heartbeat = setInterval(() => this.beat(), heartbeatMs);
    void this.pump(true);
  }

  /**
   * Stops the feed. `end` finishes the response after what is already written (access ended,
   * server closing); `cut` destroys the connection at once (a reader that does not read).
   */
  close(how: 'end' | 'cut' = 'end'): void {
    if (this.closed) return;
    this.closed = true;
    this.subscription?.unsubscribe();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.wake();
    if (how === 'cut') this.options.out.destroy();
    else this.options.out.end();
    this.options.onClose?.();
  }

  private onEvent(event: BusEvent): void {
    if (this.closed) return;
    const pending: Pending =
      event.type === 'receipt'
        ? { seq: null, chunk: `event: ${SseEvent.receipt}\ndata: ${JSON.stringify(event.receipt)}\n\n` }
        : { seq: event.message.seq, chunk: messageChunk(event.message) };
    this.queue.push(pending);
    this.queuedBytes += pending.chunk.length;
    if (this.tooSlow()) return;
    if (!this.pumping) void this.pump(false);
  }

  /** Writes queued events in order; with `backlog` first reads everything after lastSent. */
  private async pump(backlog: boolean): Promise<void> {
    this.pumping = true;
    try {
      if (backlog) {
        // Other nodes publish this conversation's messages across only once they have heard of
        // this feed: what they commit before that is in the store when it answers.
        await this.subscription?.heard;
        await this.fill();
      }
      while (this.queue.length > 0 && !this.closed) {
        const pending = this.queue.shift()!;
        this.queuedBytes -= pending.chunk.length;
        if (pending.seq === null) {
          await this.send(pending.chunk);
          continue;
        }
        if (pending.seq <= this.lastSent) continue;
        // A later seq arrived first (another node's event overtook, or it was missed): read the
        // gap from the store so the stream stays gapless.
        if (pending.seq > this.lastSent + 1) await this.fill();
        if (pending.seq === this.lastSent + 1) {
          this.lastSent = pending.seq;
          await this.send(pending.chunk);
        }
      }
    } catch (err) {
      this.options.logger.warn({ err, conversationId: this.options.conversationId }, 'SSE feed failed');
      this.close();
    } finally {
      this.pumping = false;
    }
  }

  /** Writes every stored message after lastSent, page by page, as fast as the reader takes them. */
  private async fill(): Promise<void> {
    const { store, conversationId } = this.options;
    while (!this.closed) {
      const page = await store.messagesAfter(conversationId, this.lastSent, PAGE_SIZE_MAX);
      for (const message of page) {
        if (this.closed) return;
        if (message.seq !== this.lastSent + 1) continue;
        this.lastSent = message.seq;
        await this.send(messageChunk(message));
      }
      if (page.length < PAGE_SIZE_MAX) return;
    }
  }

  /** Writes one event; resolves once the connection can take more (or the feed closed). */
  private async send(chunk: string): Promise<void> {
    if (this.closed) return;
    if (this.options.out.write(chunk)) return;
    await new Promise<void>((resolve) => (this.wakeWriter = resolve));
  }

  private wake(): void {
    const wake = this.wakeWriter;
    this.wakeWriter = null;
    wake?.();
  }

  /** True (and the feed cut) when the reader has left more than the cap unread. */
  private tooSlow(): boolean {
    const unread = this.queuedBytes + this.options.out.writableLength;
    if (unread <= this.options.maxBufferedBytes) return false;
    this.options.logger.info(
      { conversationId: this.options.conversationId, unread },
      'SSE client too slow: closing',
    );
    this.close('cut');
    return true;
  }

  private beat(): void {
    if (this.closed) return;
    this.options.out.write(': heartbeat\n\n');
    if (this.tooSlow()) return;
    const { stillAllowed } = this.options;
    if (!stillAllowed || this.checking) return;
    this.checking = true;
    stillAllowed()
      .then(
        (allowed) => {
          if (!allowed) this.close();
          // Still allowed: anything another node committed but whose publish was lost (a Redis
          // pub/sub blip, an opening some node never heard) is read from the store now.
          else if (!this.pumping && !this.closed) void this.pump(true);
        },
        (err: unknown) => this.options.logger.debug({ err }, 'SSE access check failed'),
      )
      .finally(() => {
        this.checking = false;
      });
  }
}

function messageChunk(message: Message): string {
  return `id: ${message.seq}\nevent: ${SseEvent.message}\ndata: ${JSON.stringify(message)}\n\n`;
}
