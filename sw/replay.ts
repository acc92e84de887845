/**
 * Outbox replay in the Service Worker: drains this device's outbox over HTTP for the signed-in
 * account, under the outbox's Web Lock (so never at the same time as the hub or another replay).
 * The server dedupes by message id, so a message sent by both the hub and this worker is stored once.
 */
import { rerunLatch } from '../client-kit/index';
import { getMe, lazyFerryDb } from '../localdb/index';
import { drainOutbox, type DrainReport } from '../outbox/index';
import { httpTransport } from './httpTransport';
import { sendPendingReads } from './pushReads';

/** Backing-off entries due within this long are waited for inside the same run (the worker stays alive). */
const WAIT_FOR_DUE_MS = 30_000;
/** Upper bound of one run, well inside the time browsers give a sync event (Chromium: 3 minutes). */
const RUN_BUDGET_MS = 120_000;

export interface ReplayResult {
  /** Sum of the drains of this run (null when nobody is signed in on this device). */
  report: DrainReport | null;
  /** Something could not be sent yet and a later attempt may succeed (offline, backing off). */
  pending: boolean;
}

const getDb = lazyFerryDb();
const replays = rerunLatch(runOnce);

/** Replays the outbox now; a call during a run makes that run drain once more before it ends. */
export function replayOutbox(): Promise<ReplayResult> {
  return replays.run();
}

async function runOnce(): Promise<ReplayResult> {
  const db = await getDb();
  const me = await getMe(db);
  if (!me) return { report: null, pending: false };
  const transport = httpTransport();
  const total: DrainReport = { sent: 0, failed: 0, retrying: 0, offline: false, nextAttemptAt: null };
  const deadline = Date.now() + RUN_BUDGET_MS;
  for (;;) {
    // A hub whose socket is up sends far faster than one request per message: hand over to it.
    const report = await drainOutbox(db, transport, { senderId: me.id, yieldWhenWaited: true });
    total.sent += report.sent;
    total.failed += report.failed;
    total.retrying += report.retrying;
    total.offline = report.offline;
    total.nextAttemptAt = report.nextAttemptAt;
    if (report.offline || report.nextAttemptAt === null) break;
    // A short back-off (e.g. a rate limit): wait for it here rather than for the browser's next
    // sync, which can be minutes away.
    const wait = report.nextAttemptAt - Date.now();
    if (wait > WAIT_FOR_DUE_MS || Date.now() + wait > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
  }
  // "Mark as read" receipts from notifications ride on the same triggers.
  const readsWaiting = await sendPendingReads(db);
  const pending = !transport.signedOut && (total.offline || total.nextAttemptAt !== null || readsWaiting);
  return { report: total, pending };
}
