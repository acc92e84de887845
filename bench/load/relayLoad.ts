/**
 * The relay load of one worker: its conversations' senders send at an offered rate (open loop),
 * receivers time every delivery. Senders and receivers of a conversation live in the same
 * process, so send and receive times come from one clock (performance.now()).
 */
import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import { Histogram } from '../lib/histogram.js';
import { connect } from './connect.js';
import { connectLight, type LightSocket } from './lightReceiver.js';
import type {
  DurableParams,
  DurableStats,
  RelayConversation,
  RelayStepParams,
  RelayStepStats,
} from './types.js';
import { ClientEvent, newActionId } from '../../contract/index.js';

interface OpenConversation {
  conversationId: string;
  senders: Socket[];
  /** Receive-only raw WebSocket clients (lightReceiver.ts): the load's receive side stays light. */
  receivers: LightSocket[];
}

interface AckLike {
  ok: boolean;
  error?: { code?: string };
}

/** Text of a bench message: a marker, the step, the send time, padded to about 100 bytes. */
function stampText(step: number, sentAt: number): string {
  return `bench|${step}|${sentAt.toFixed(3)}|`.padEnd(100, '.');
}

function parseStamp(text: string): { step: number; sentAt: number } | null {
  if (!text.startsWith('bench|')) return null;
  const [, step, sentAt] = text.split('|', 3);
  return { step: Number(step), sentAt: Number(sentAt) };
}

export class RelayLoad {
  private convs: OpenConversation[] = [];
  private current = -1;
  private stepStats: RelayStepStats | null = null;
  private latency = new Histogram();
  private stepStart = 0;
  private stopRequested = false;

  /** Connects every sender and receiver; rejects (and closes what opened) if any fails. */
  async open(plan: RelayConversation[]): Promise<{ connections: number }> {
    let connections = 0;
    try {
      for (const c of plan) {
        const senders = await Promise.all(c.senders.map((s) => connect(s)));
        const receivers = await Promise.all(
          c.receivers.map((r) => connectLight(r, (text) => this.onDelivery(text))),
        );
        this.convs.push({ conversationId: c.conversationId, senders, receivers });
        connections += senders.length + receivers.length;
      }
    } catch (e) {
      this.close();
      throw e;
    }
    return { connections };
  }

  private onDelivery(text: string): void {
    const stamp = parseStamp(text);
    const stats = this.stepStats;
    if (!stamp || !stats || stamp.step !== this.current) return;
    const now = performance.now();
    stats.delivered++;
    stats.lastDeliveryMs = now - this.stepStart;
    this.latency.record(now - stamp.sentAt);
  }

  /** Ends the running step's sending at once (it then drains as usual); see `step`. */
  stopSending(): { ok: true } {
    this.stopRequested = true;
    return { ok: true };
  }

  /**
   * Sends at `rate` for `durationMs`, or until `stopSending`, then waits (bounded) for the last
   * deliveries and acks.
   */
  async step(p: RelayStepParams): Promise<RelayStepStats> {
    const senders = this.convs.flatMap((c) => c.senders.map((s) => ({ s, c })));
    if (senders.length === 0) throw new Error('relay step before open');
    const ackLatency = new Histogram();
    this.latency = new Histogram();
    const stats: RelayStepStats = {
      sent: 0,
      acked: 0,
      ackFailed: 0,
      errors: {},
      delivered: 0,
      expectedDeliveries: 0,
      lastSendMs: 0,
      lastDeliveryMs: 0,
      throttled: 0,
      latency: this.latency.toJSON(),
      ackLatency: ackLatency.toJSON(),
      drainedFully: false,
    };
    this.current = p.step;
    this.stepStats = stats;
    this.stopRequested = false;
    this.stepStart = performance.now();
    let rr = 0;
    const sendOne = () => {
      const { s, c } = senders[rr++ % senders.length];
      const sentAt = performance.now();
      stats.sent++;
      stats.expectedDeliveries += c.receivers.length;
      stats.lastSendMs = sentAt - this.stepStart;
      const payload = {
        id: newActionId(),
        conversationId: c.conversationId,
        text: stampText(p.step, sentAt),
        typedAt: Date.now(),
      };
      s.emit(ClientEvent.send, payload, (ack: AckLike) => {
        if (ack?.ok) {
          stats.acked++;
          ackLatency.record(performance.now() - sentAt);
        } else {
          stats.ackFailed++;
          const code = ack?.error?.code ?? 'NO_ACK_BODY';
          stats.errors[code] = (stats.errors[code] ?? 0) + 1;
        }
      });
    };
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = performance.now() - this.stepStart;
        const due = Math.floor((p.rate * Math.min(elapsed, p.durationMs)) / 1000);
        while (stats.sent + stats.throttled < due) {
          if (stats.sent - stats.acked - stats.ackFailed >= p.maxOutstanding) {
            stats.throttled += due - stats.sent - stats.throttled;
            break;
          }
          sendOne();
        }
        if (elapsed >= p.durationMs || this.stopRequested) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    const drainEnd = performance.now() + p.drainMs;
    const done = () =>
      stats.delivered >= stats.expectedDeliveries && stats.acked + stats.ackFailed >= stats.sent;
    while (!done() && performance.now() < drainEnd) await new Promise((r) => setTimeout(r, 10));
    stats.drainedFully = done();
    this.stepStats = null;
    stats.latency = this.latency.toJSON();
    stats.ackLatency = ackLatency.toJSON();
    return stats;
  }

  /** Closed loop: each sender keeps `window` sends in flight for `durationMs`; counts acks. */
  async durable(p: DurableParams): Promise<DurableStats> {
    const senders = this.convs.flatMap((c) => c.senders.map((s) => ({ s, c })));
    if (senders.length === 0) throw new Error('durable run before open');
    const ackLatency = new Histogram();
    const stats: DurableStats = {
      acked: 0,
      ackFailed: 0,
      errors: {},
      ackLatency: ackLatency.toJSON(),
      durationMs: 0,
    };
    const start = performance.now();
    let running = true;
    let inFlight = 0;
    const sendFrom = (s: Socket, conversationId: string) => {
      const sentAt = performance.now();
      inFlight++;
      const payload = { id: newActionId(), conversationId, text: stampText(-1, sentAt), typedAt: Date.now() };
      s.emit(ClientEvent.send, payload, (ack: AckLike) => {
        inFlight--;
        if (!running) return;
        if (ack?.ok) {
          stats.acked++;
          ackLatency.record(performance.now() - sentAt);
        } else {
          stats.ackFailed++;
          const code = ack?.error?.code ?? 'NO_ACK_BODY';
          stats.errors[code] = (stats.errors[code] ?? 0) + 1;
        }
        sendFrom(s, conversationId);
      });
    };
    for (const { s, c } of senders) for (let i = 0; i < p.window; i++) sendFrom(s, c.conversationId);
    await new Promise((r) => setTimeout(r, p.durationMs));
    running = false;
    stats.durationMs = performance.now() - start;
    const drainEnd = performance.now() + p.drainMs;
    while (inFlight > 0 && performance.now() < drainEnd) await new Promise((r) => setTimeout(r, 10));
    stats.ackLatency = ackLatency.toJSON();
    return stats;
  }

  close(): void {
    for (const c of this.convs) for (const s of [...c.senders, ...c.receivers]) s.close();
    this.convs = [];
  }
}
