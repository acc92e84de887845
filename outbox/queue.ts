/**
 * Outbox queue logic, shared by the hub (socket transport) and the Service Worker (HTTP
 * transport): messages are written here before any network attempt and leave only when the server
 * acknowledges them with a seq. Layered like workbox-background-sync: this file decides, store.ts
 * reads and writes.
 */
import { isPermanentError, type Message, type WireError } from '../contract/index';
import { announceChange, coalescedAnnouncer } from '../localdb/changes';
import type { FerryDb, OutboxEntry } from '../localdb/schema';
import { AckWriter } from './ackWriter';
import { backoffDelay } from './backoff';
import {
  addEntry,
  deleteEntry,
  getEntries,
  getEntry,
  listEntries,
  markFailed,
  markRetryAt,
  updateEntry,
} from './store';
import type { OutboxTransport } from './transport';

/** Web Lock held while draining: one drainer in the whole browser (tabs, hub and Service Worker). */
export const OUTBOX_LOCK = 'ferry-outbox';
/** Background Sync tag the Service Worker replays the outbox on. */
export const OUTBOX_SYNC_TAG = 'ferry-outbox';

const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 60_000;
/** Entries re-read together just before sending (one small read instead of one per entry). */
const RECHECK_CHUNK = 25;
/** During a drain, other contexts are told of changes at most this often. */
const ANNOUNCE_INTERVAL_MS = 75;

export interface EnqueueInput {
  conversationId: string;
  text: string;
  senderId: string;
}

/** A fresh message id (UUID v4). randomUUID needs a secure context; fall back to getRandomValues. */
function newId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Writes a typed message to the outbox (state 'queued') and returns it. Nothing is sent here. */
export async function enqueue(db: FerryDb, input: EnqueueInput): Promise<OutboxEntry> {
  const entry = await addEntry(db, {
    id: newId(),
    conversationId: input.conversationId,
    text: input.text,
    senderId: input.senderId,
    typedAt: Date.now(),
    state: 'queued',
    attempts: 0,
    nextAttemptAt: 0,
  });
  announceChange({ stores: ['outbox'], conversationIds: [entry.conversationId] });
  return entry;
}

/** Puts a failed (or waiting) entry back in the queue for an immediate attempt. */
export async function retry(db: FerryDb, id: string): Promise<void> {
  const entry = await updateEntry(db, id, ({ error: _error, ...e }) => ({
    ...e,
    state: 'queued',
    attempts: 0,
    nextAttemptAt: 0,
  }));
  if (entry) announceChange({ stores: ['outbox'], conversationIds: [entry.conversationId] });
}

/** Deletes an entry that was not sent (the user gave up on it). */
export async function discard(db: FerryDb, id: string): Promise<void> {
  const entry = await getEntry(db, id);
  await deleteEntry(db, id);
  if (entry) announceChange({ stores: ['outbox'], conversationIds: [entry.conversationId] });
}

export interface DrainOptions {
  /** Only this account's entries are sent (the transport carries its session). */
  senderId: string;
  /**
   * Hand the lock over when another context waits for it: the Service Worker sets this, so a hub
   * whose socket came up takes over from the slower one-request-per-message HTTP replay.
   */
  yieldWhenWaited?: boolean;
  /**
   * Called after each batch of acks is stored, with its messages: the hub checks each ack's seq
   * against what it holds (an ack can reveal entries this device never received).
   */
  onAcked?: (messages: readonly Message[]) => void;
  /** Clock and randomness, injectable for tests. */
  now?: () => number;
  random?: () => number;
}

export interface DrainReport {
  /** Entries the server acknowledged (new or duplicate). */
  sent: number;
  /** Entries rejected for good, now 'failed'. */
  failed: number;
  /** Entries that failed transiently and now wait (with their conversation's later entries). */
  retrying: number;
  /** True when the transport could not reach the server: the drain stopped early. */
  offline: boolean;
  /** Earliest time a waiting entry is due, or null when none waits. */
  nextAttemptAt: number | null;
  /**
   * True when the drain stopped early to let another waiting drainer run (yieldWhenWaited); then
   * nextAttemptAt is now, so a caller that drains again picks up whatever that drainer leaves.
   */
  yielded?: boolean;
}

/** Runs `fn` under the outbox Web Lock; without Web Locks (very old browsers) runs it directly. */
async function withOutboxLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (!locks) return fn();
  return locks.request(OUTBOX_LOCK, fn);
}

/** True when some context waits for the outbox lock (Web Locks' query()). */
async function othersWaitForLock(): Promise<boolean> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (!locks?.query) return false;
  const { pending = [] } = await locks.query();
  return pending.some((request) => request.name === OUTBOX_LOCK);
}

/**
 * Sends queued entries in typing order. Per conversation, order is kept strictly: one entry is in
 * flight at a time, and an entry that must wait (backing off) holds back that conversation's later
 * entries, while other conversations go on. Permanent rejections mark the entry 'failed' (it does
 * not hold others back: the user decides with Retry/Delete). Acks are written in batches while
 * the next entries are sent (see AckWriter); all are written before the queue is read again and
 * before the lock is freed. Entries added while draining are picked up before the lock is freed.
 */
export function drainOutbox(
  db: FerryDb,
  transport: OutboxTransport,
  options: DrainOptions,
): Promise<DrainReport> {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  return withOutboxLock(async () => {
    const report: DrainReport = { sent: 0, failed: 0, retrying: 0, offline: false, nextAttemptAt: null };
    const announcer = coalescedAnnouncer(ANNOUNCE_INTERVAL_MS);
    const acks = new AckWriter(db, options.senderId, (batch) => {
      const conversationIds = [...new Set(batch.map((m) => m.conversationId))];
      announcer.announce({ stores: ['outbox', 'messages', 'conversations'], conversationIds });
      options.onAcked?.(batch);
    });
    try {
      for (;;) {
        let progressed = false;
        const held = new Set<string>();
        // The queue is read once per pass; each chunk is re-read just before it is sent, since
        // another context may have discarded or retried an entry meanwhile.
        const listed = await listEntries(db, options.senderId);
        for (let i = 0; i < listed.length && !report.offline; i += RECHECK_CHUNK) {
          if (options.yieldWhenWaited && (await othersWaitForLock())) {
            report.yielded = true;
            break;
          }
          const chunk = listed.slice(i, i + RECHECK_CHUNK);
          for (const entry of await getEntries(
            db,
            chunk.map((e) => e.id),
          )) {
            if (!entry || entry.state !== 'queued' || held.has(entry.conversationId)) continue;
            if (entry.nextAttemptAt > now()) {
              held.add(entry.conversationId);
              continue;
            }
            let ack;
            try {
              ack = await transport.send(entry);
            } catch {
              report.offline = true;
              break;
            }
            progressed = true;
            if (ack.ok) {
              acks.add(ack.message);
              report.sent++;
            } else if (isPermanentError(ack.error.code)) {
              await markFailed(db, entry.id, ack.error);
              report.failed++;
              announcer.announce({ stores: ['outbox'], conversationIds: [entry.conversationId] });
            } else {
              await markRetryAt(
                db,
                entry.id,
                ack.error,
                now() + retryDelay(entry.attempts + 1, ack.error, random),
              );
              held.add(entry.conversationId);
              report.retrying++;
              announcer.announce({ stores: ['outbox'], conversationIds: [entry.conversationId] });
            }
          }
        }
        // Every ack of this pass is written before the queue is read again (or it would be resent).
        await acks.flush();
        if (report.offline || report.yielded || !progressed) break;
      }
    } catch (err) {
      // Keep what was acknowledged: best effort, the error that stopped the drain is the one thrown.
      await acks.flush().catch(() => undefined);
      throw err;
    } finally {
      announcer.flush();
    }
    report.nextAttemptAt = report.yielded ? now() : await earliestDue(db, options.senderId, now());
    return report;
  });
}

/** How long to wait after a transient failure: the server's hint when given, else backoff. */
function retryDelay(attempt: number, error: WireError, random: () => number): number {
  const backoff = backoffDelay(attempt, { baseMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS, random });
  return Math.max(backoff, error.retryAfterMs ?? 0);
}

async function earliestDue(db: FerryDb, senderId: string, now: number): Promise<number | null> {
  let earliest: number | null = null;
  for (const e of await listEntries(db, senderId)) {
    if (e.state === 'queued' && e.nextAttemptAt > now && (earliest === null || e.nextAttemptAt < earliest))
      earliest = e.nextAttemptAt;
  }
  return earliest;
}
