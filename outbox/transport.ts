import type { Ack, SendResult } from '../contract/index';
import type { OutboxEntry } from '../localdb/index';

/**
 * How the outbox reaches the server: the hub sends over its socket (`message:send`), the Service
 * Worker over HTTP (POST messagesPath). `send` resolves with the server's answer; it rejects (with
 * any error, e.g. OfflineError) when the server cannot be reached now, which stops the drain and
 * leaves the entry untouched for the next one.
 */
export interface OutboxTransport {
  send(entry: OutboxEntry): Promise<Ack<SendResult>>;
}
