import type { Ack, AckOf, ClientToServerEvents, SendBatchResult, SendResult } from '../contract/index';
import { ClientEvent } from '../contract/index';
import { sendPayload } from './wire';
import type { OutboxEntry } from '../localdb/index';

/**
 * How the outbox reaches the server: the hub sends over its socket (`message:send`), the Service
 * Worker over HTTP (POST messagesPath). `send` resolves with the server's answer; it rejects (with
 * any error, e.g. OfflineError) when the server cannot be reached now, which stops the drain and
 * leaves the entry untouched for the next one.
 */
export interface OutboxTransport {
  send(entry: OutboxEntry): Promise<Ack<SendResult>>;
  /**
   * Several entries in one request (`message:send-batch`), where the transport has it: answered
   * per entry, in order, and shorter than `entries` when the server stopped early (the rest were
   * not tried). Rejects like `send`.
   */
  sendBatch?(entries: readonly OutboxEntry[]): Promise<Ack<SendBatchResult>>;
}

/** What the socket transport needs of the hub's connection (shared-worker/connection.ts). */
export interface EventCaller {
  call<E extends keyof ClientToServerEvents>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
  ): Promise<AckOf<E>>;
}

/**
 * The hub's transport: `message:send` on the socket with the whole entry, whatever its kind, and
 * `message:send-batch` for a drain's runs of entries (rejects with OfflineError when
 * disconnected). Here rather than in the hub, so that it loads with the queue's code.
 */
export function socketTransport(connection: EventCaller): OutboxTransport {
  return {
    send: (entry) => connection.call(ClientEvent.send, sendPayload(entry)),
    sendBatch: (entries) => connection.call(ClientEvent.sendBatch, { entries: entries.map(sendPayload) }),
  };
}
