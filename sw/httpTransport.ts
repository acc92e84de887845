/**
 * The Service Worker's outbox transport: the idempotent HTTP send (POST messagesPath) of any kind
 * of entry, with the
 * session cookie. A fetch from the worker itself never passes through its own fetch handler, and
 * `no-store` keeps any HTTP cache out of it: a replay always reaches the server.
 */
import { ErrorCode, isAck, messagesPath, type Ack, type SendResult } from '../contract/index';
import type { OutboxEntry } from '../localdb/index';
import { OfflineError } from '../net/index';
import { sendBody, type OutboxTransport } from '../outbox/index';

/** A request that has not answered by then is treated as offline (the drain holds the Web Lock). */
const SEND_TIMEOUT_MS = 20_000;

export interface HttpTransport extends OutboxTransport {
  /** Set once the server said the session is gone: retrying before a new sign-in cannot help. */
  readonly signedOut: boolean;
}

/** True when `body` is a send's Ack: the contract's shape, with the stored entry when ok. */
function isSendAck(body: unknown): body is Ack<SendResult> {
  if (!isAck(body)) return false;
  const { message } = body as { message?: unknown };
  return !body.ok || (typeof message === 'object' && message !== null);
}

/** Sends outbox entries with fetch. Unreachable server: throws OfflineError (the drain stops). */
export function httpTransport(fetchFn: typeof fetch = fetch): HttpTransport {
  let signedOut = false;
  return {
    get signedOut() {
      return signedOut;
    },
    async send(entry: OutboxEntry): Promise<Ack<SendResult>> {
      // The whole entry, whatever its kind: the server applies exactly that, once.
      const body = sendBody(entry);
      let response: Response;
      try {
        response = await fetchFn(messagesPath(entry.conversationId), {
          method: 'POST',
          credentials: 'same-origin',
          cache: 'no-store',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
        });
      } catch {
        throw new OfflineError();
      }
      const answer: unknown = await response.json().catch(() => null);
      if (isSendAck(answer)) {
        if (!answer.ok && answer.error.code === ErrorCode.UNAUTHENTICATED) {
          signedOut = true;
          // Stop: every other entry would get the same answer until the person signs in again.
          throw new OfflineError(answer.error.message);
        }
        return answer;
      }
      // Not the server's JSON: a proxy or a server starting or stopping. Not a verdict on the
      // message, so never permanent: stop and try the whole drain again later.
      throw new OfflineError(`The server answered ${response.status}; will try again.`);
    },
  };
}
