/**
 * One Server-Sent Events feed of one conversation. It subscribes to the relay bus BEFORE reading
 * the backlog from the store, then writes every message with seq > the last one written, in order,
 * filling any gap from the store: a client resuming with Last-Event-ID gets no gap and no duplicate.
 * Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html
 */
import { PassThrough } from 'node:stream';
import type { Logger } from 'pino';
import type { Message } from '../../../contract/events.js';
import { SseEvent } from '../../../contract/http.js';
import { PAGE_SIZE_MAX } from '../../../contract/limits.js';
import type { Relay } from '../../realtime/relay.js';
import type { BusEvent } from '../../realtime/types.js';
import type { Store } from '../../store/Store.js';

/** A client that reads this far behind is dropped; it resumes with Last-Event-ID. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
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
}

export class SseFeed {
  readonly stream = new PassThrough();
  private lastSent: number;
  private readonly queue: BusEvent[] = [];
  private pumping = true;
  private closed = false;
  private unsubscribe: (() => void) | null = null;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(private readonly options: SseFeedOptions) {
    this.lastSent = options.fromSeq;
  }

  /** Starts the feed: subscribe, then backlog, then live events. */
  start(): void {
    const { relay, conversationId, heartbeatMs } = this.options;
    this.unsubscribe = relay.subscribe(conversationId, (event) => this.onEvent(event));
    this.write(`retry: ${RETRY_MS}\n: connected\n\n`);
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), heartbeatMs);
    this.stream.on('close', () => this.close());
    void this.pump(true);
  }

  /** Stops the feed and ends the stream (client gone, or the server closing). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.stream.end();
  }

  private onEvent(event: BusEvent): void {
    if (this.closed) return;
    this.queue.push(event);
    if (!this.pumping) void this.pump(false);
  }

  /** Writes queued events in order; with `backlog` first reads everything after lastSent. */
  private async pump(backlog: boolean): Promise<void> {
    this.pumping = true;
    try {
      if (backlog) await this.fill();
      while (this.queue.length > 0 && !this.closed) {
        const event = this.queue.shift()!;
        if (event.type === 'receipt') {
          this.write(`event: ${SseEvent.receipt}\ndata: ${JSON.stringify(event.receipt)}\n\n`);
          continue;
        }
        const { seq } = event.message;
        if (seq <= this.lastSent) continue;
        // A later seq arrived first (another node's event overtook, or it was missed): read the
        // gap from the store so the stream stays gapless.
        if (seq > this.lastSent + 1) await this.fill();
        if (seq === this.lastSent + 1) this.sendMessage(event.message);
      }
    } catch (err) {
      this.options.logger.warn({ err, conversationId: this.options.conversationId }, 'SSE feed failed');
      this.close();
    } finally {
      this.pumping = false;
    }
  }

  /** Writes every stored message after lastSent. */
  private async fill(): Promise<void> {
    const { store, conversationId } = this.options;
    while (!this.closed) {
      const page = await store.messagesAfter(conversationId, this.lastSent, PAGE_SIZE_MAX);
      for (const m of page) if (m.seq === this.lastSent + 1) this.sendMessage(m);
      if (page.length < PAGE_SIZE_MAX) return;
    }
  }

  private sendMessage(message: Message): void {
    this.lastSent = message.seq;
    this.write(`id: ${message.seq}\nevent: ${SseEvent.message}\ndata: ${JSON.stringify(message)}\n\n`);
  }

  private write(chunk: string): void {
    if (this.closed) return;
    this.stream.write(chunk);
    if (this.stream.writableLength > MAX_BUFFERED_BYTES) {
      this.options.logger.info(
        { conversationId: this.options.conversationId },
        'SSE client too slow: closing',
      );
      this.close();
    }
  }
}
