/** What the parent sends to load workers and what they answer (plain JSON over IPC). */
import type { HistogramData } from '../lib/histogram.js';

/** How to open one socket.io connection. */
export interface ConnSpec {
  url: string;
  /** Handshake headers, e.g. Ferry's session cookie and Origin. */
  headers?: Record<string, string>;
  /** Baseline only: the room to join after connecting (Ferry joins members' rooms itself). */
  joinRoom?: string;
}

/** One conversation's clients: senders send, receivers count deliveries and latency. */
export interface RelayConversation {
  conversationId: string;
  senders: ConnSpec[];
  receivers: ConnSpec[];
}

export interface RelayStepParams {
  step: number;
  /** Messages per second this worker sends (spread over its senders). */
  rate: number;
  durationMs: number;
  /** After the last send, wait at most this long for outstanding deliveries and acks. */
  drainMs: number;
  /** Stop sending while this many sends await their ack (protects the worker's memory). */
  maxOutstanding: number;
}

export interface RelayStepStats {
  sent: number;
  acked: number;
  ackFailed: number;
  /** Error codes of failed acks, with counts. */
  errors: Record<string, number>;
  delivered: number;
  expectedDeliveries: number;
  /** ms from the step's start to its last send / last delivery. */
  lastSendMs: number;
  lastDeliveryMs: number;
  /** Sends skipped because maxOutstanding was reached (the server fell behind). */
  throttled: number;
  latency: HistogramData;
  ackLatency: HistogramData;
  drainedFully: boolean;
}

export interface DurableParams {
  durationMs: number;
  /** Sends each sender keeps in flight (closed loop). */
  window: number;
  drainMs: number;
}

export interface DurableStats {
  acked: number;
  ackFailed: number;
  errors: Record<string, number>;
  ackLatency: HistogramData;
  durationMs: number;
}

export interface IdleOpenParams {
  url: string;
  /** Headers per connection, used round-robin (several users' cookies). */
  headers: Array<Record<string, string> | undefined>;
  count: number;
  concurrency: number;
  joinRooms?: string[];
}

export interface IdleOpenResult {
  opened: number;
  failed: number;
  firstError?: string;
  ms: number;
}
