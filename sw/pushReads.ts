/**
 * Sends the read receipts queued by "Mark as read" (localdb/pushMeta.ts) over HTTP. Runs with
 * every outbox replay (sw/replay.ts), so a receipt made offline goes out on the same triggers as a
 * reply: Background Sync, worker start, back online, app open. A receipt is idempotent (it only
 * raises), so sending one twice is harmless.
 */
import { ErrorCode, readPath, type Ack } from '../contract/index';
import { pendingReads, readSent, type FerryDb } from '../localdb/index';

const SEND_TIMEOUT_MS = 20_000;

/** Sends every queued receipt; true when some are still waiting (offline, or server trouble). */
export async function sendPendingReads(db: FerryDb): Promise<boolean> {
  const queued = Object.entries(await pendingReads(db));
  for (const [conversationId, readSeq] of queued) {
    let response: Response;
    try {
      response = await fetch(readPath(conversationId), {
        method: 'POST',
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ readSeq }),
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
    } catch {
      return true;
    }
    const answer = (await response.json().catch(() => null)) as Ack | null;
    // Signed out, or the server is restarting: keep it for later.
    if (answer?.ok === false && answer.error.code === ErrorCode.UNAUTHENTICATED) return true;
    if (response.status >= 500 || answer === null) return true;
    // Done, or refused for good (no longer a member): either way it leaves the queue.
    await readSent(db, conversationId, readSeq);
  }
  return false;
}
