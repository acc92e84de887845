/**
 * Outbox queue logic, shared by the hub (socket transport) and the Service Worker (HTTP
 * transport): every action (a message, an edit, a deletion, a reaction change) is written here
 * before any network attempt and leaves only when the server acknowledges it with a seq.
 * Layered like workbox-background-sync: this file decides, store.ts reads and writes.
 *
 * Operations on a message still in this outbox: they come after it in typing order, so they are
 * sent after it; if it fails for good they fail too, with a reason, instead of being sent to a
 * server that never heard of it; and withdrawing it (deleting it before it was sent) takes them
 * out with it, so nothing of it reaches the server.
 */
import {
  ErrorCode,
  MAX_PAYLOAD_BYTES,
  SEND_BATCH_MAX,
  isPermanentError,
  newActionId,
  type Ack,
  type EntryKind,
  type Message,
  type SendResult,
  type WireError,
} from '../contract/index';
import type { Coalescer } from '../client-kit/index';
import {
  announceChange,
  coalescedAnnouncer,
  type DbChange,
  type FerryDb,
  type OutboxAttachment,
  type OutboxEntry,
} from '../localdb/index';
import { AckWriter } from './ackWriter';
import { backoffDelay } from '../net/index';
import {
  addEntry,
  deleteEntry,
  failDependents,
  withdrawEntries,
  getEntries,
  getEntry,
  type AddedEntry,
  listEntries,
  markFailed,
  markRetryAt,
  updateEntry,
} from './store';
import { OUTBOX_LOCK } from './names';
import type { OutboxTransport } from './transport';
import { sendPayload } from './wire';

const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 60_000;
/** Entries re-read together just before sending (one small read instead of one per entry). */
const RECHECK_CHUNK = 25;
/** A batch's entries stay this far under the server's payload limit (room for its envelope). */
const BATCH_BYTES = MAX_PAYLOAD_BYTES - 1024;
/** During a drain, other contexts are told of changes at most this often. */
const ANNOUNCE_INTERVAL_MS = 75;

/** What the person did: a message (the default), or an operation on a message of the conversation. */
export type OutboxAction =
  | {
      kind?: typeof EntryKind.message;
      text: string;
      replyTo?: string;
      /** A file sent with the message (its text is the caption): uploaded first, then sent. */
      /** width/height: an image's size in pixels, so its preview takes its place at once. */
      file?: { blob: Blob; name: string; type: string; width?: number; height?: number };
    }
  | { kind: typeof EntryKind.edit; targetId: string; text: string }
  | { kind: typeof EntryKind.delete; targetId: string }
  | { kind: typeof EntryKind.reaction; targetId: string; emoji: string; on: boolean };

export type EnqueueInput = OutboxAction & { conversationId: string; senderId: string };

/** Why an operation on a message that could not be sent is not sent either. */
export const TARGET_NOT_SENT: WireError = {
  code: ErrorCode.MESSAGE_NOT_FOUND,
  message: 'Not sent: the message it changes could not be sent.',
};

/** The entry fields of an action (text '' for a deletion or a reaction change). */
function actionFields(
  action: OutboxAction,
): Pick<OutboxEntry, 'kind' | 'text' | 'replyTo' | 'targetId' | 'emoji' | 'on'> {
  switch (action.kind) {
    case 'edit':
      return { kind: 'edit', text: action.text, targetId: action.targetId };
    case 'delete':
      return { kind: 'delete', text: '', targetId: action.targetId };
    case 'reaction':
      return { kind: 'reaction', text: '', targetId: action.targetId, emoji: action.emoji, on: action.on };
    default:
      return { kind: 'message', text: action.text, ...(action.replyTo ? { replyTo: action.replyTo } : {}) };
  }
}

/** A new entry for an action, as the outbox queues it (its place in typing order not yet given). */
export function queuedEntry(input: EnqueueInput, typedAt: number): Omit<OutboxEntry, 'order'> {
  return {
    id: newActionId(),
    conversationId: input.conversationId,
    ...actionFields(input),
    senderId: input.senderId,
    typedAt,
    state: 'queued',
    attempts: 0,
    nextAttemptAt: 0,
  };
}

/**
 * Writes an action to the outbox (state 'queued') and returns its entry. Nothing is sent here. A
 * message with a file writes the file's bytes in the same transaction (all or nothing).
 */
export async function enqueue(db: FerryDb, input: EnqueueInput): Promise<OutboxEntry> {
  return (await enqueueAdded(db, input)).entry;
}

/** As enqueue, also saying whether the entry was its conversation's only one (see sendAlone). */
export async function enqueueAdded(db: FerryDb, input: EnqueueInput): Promise<AddedEntry> {
  const file = (input.kind ?? 'message') === 'message' && 'file' in input ? input.file : undefined;
  const attachment: OutboxAttachment | undefined = file && {
    id: newActionId(),
    name: file.name,
    size: file.blob.size,
    type: file.type,
    ...(file.width && file.height ? { width: file.width, height: file.height } : {}),
  };
  const added = await addWithQuotaRetry(
    db,
    { ...queuedEntry(input, Date.now()), ...(attachment ? { attachment } : {}) },
    file && (await inMemory(file.blob)),
  );
  announceChange({ stores: ['outbox'], conversationIds: [added.entry.conversationId] });
  return added;
}

/**
 * Chromium refuses every write for a moment (about 100 ms) after a transaction with a large file
 * was aborted for quota, while it still counts that file: an entry without a file is tried again
 * after these pauses, so text typed right after a file that did not fit still queues.
 */
const QUOTA_RETRY_MS = [150, 400, 1_000];

function isQuotaError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'QuotaExceededError';
}

/**
 * The bytes of a picked file, read into memory before they are stored. A File is backed by the
 * disk; when Chromium aborts a transaction holding one (quota), it keeps counting the copy it
 * made against the quota afterwards, so every later write (even a short text) failed too.
 */
async function inMemory(blob: Blob): Promise<Blob> {
  if (typeof File === 'undefined' || !(blob instanceof File)) return blob;
  return new Blob([await blob.arrayBuffer()], { type: blob.type });
}

async function addWithQuotaRetry(
  db: FerryDb,
  entry: Omit<OutboxEntry, 'order'>,
  blob: Blob | undefined,
): Promise<AddedEntry> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await addEntry(db, entry, blob);
    } catch (err) {
      const pause = QUOTA_RETRY_MS[attempt];
      if (blob || pause === undefined || !isQuotaError(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/**
 * Puts a failed (or waiting) entry back in the queue for an immediate attempt. Operations that
 * failed only because this message could not be sent go back with it (they follow it in order).
 */
export async function retry(db: FerryDb, id: string): Promise<void> {
  const requeue = ({ error: _error, ...e }: OutboxEntry): OutboxEntry => ({
    ...e,
    state: 'queued',
    attempts: 0,
    nextAttemptAt: 0,
  });
  const entry = await updateEntry(db, id, requeue);
  if (!entry) return;
  for (const dependent of await listEntries(db, entry.senderId, entry.conversationId))
    if (
      dependent.targetId === id &&
      dependent.state === 'failed' &&
      dependent.error?.code === TARGET_NOT_SENT.code
    )
      await updateEntry(db, dependent.id, requeue);
  announceChange({ stores: ['outbox'], conversationIds: [entry.conversationId] });
}

/**
 * Deletes an entry that was not sent (the user gave up on it), with the operations on it still
 * here: they could never succeed without it.
 */
export async function discard(db: FerryDb, id: string): Promise<void> {
  const entry = await getEntry(db, id);
  if (!entry) return;
  if ((entry.kind ?? 'message') === 'message') await withdrawEntries(db, entry.conversationId, id);
  else await deleteEntry(db, id);
  announceChange({ stores: ['outbox'], conversationIds: [entry.conversationId] });
}

/**
 * Withdraws a message still in the outbox (queued or failed): removes it and every operation on
 * it, and makes replies to it plain messages, in one transaction, so nothing of it reaches the
 * server. Returns false when it is not in the outbox (it was sent: delete it with an operation).
 */
export async function withdraw(db: FerryDb, conversationId: string, messageId: string): Promise<boolean> {
  const withdrawn = await withdrawEntries(db, conversationId, messageId);
  if (withdrawn) announceChange({ stores: ['outbox'], conversationIds: [conversationId] });
  return withdrawn;
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

/** The AckWriter of a drain (or of sendAlone), telling other contexts through `announcer`. */
function ackWriter(db: FerryDb, options: DrainOptions, announcer: Coalescer<DbChange>): AckWriter {
  return new AckWriter(
    db,
    options.senderId,
    (batch) => {
      const conversationIds = [...new Set(batch.map((m) => m.conversationId))];
      announcer.push({ stores: ['outbox', 'messages', 'conversations'], conversationIds });
      options.onAcked?.(batch);
    },
    // Deleted by the person while already on its way: it reached the server, so it is deleted
    // for everyone there too (the next pass sends the deletion).
    async (withdrawn) => {
      for (const m of withdrawn)
        await enqueue(db, {
          kind: 'delete',
          targetId: m.id,
          conversationId: m.conversationId,
          senderId: options.senderId,
        });
    },
  );
}

/**
 * Sends an entry just queued at once, outside the drain and its lock, when it was added alone in
 * its conversation (AddedEntry.alone) and carries no file: a Send skips the lock and the outbox
 * read a drain starts with. Resolves true once its ack is stored; false when it was not sent or
 * not accepted (then the drain that follows treats it like any other entry: retry, backoff,
 * failure). Never throws for the network.
 *
 * Crash-safe and exactly-once like the drain: the entry was durably in the outbox before this
 * runs and leaves it only in its ack's transaction (AckWriter); a crash in between leaves it
 * queued, it is sent again, and the server answers with the original (it dedupes by id).
 * In order: nothing of its conversation was unacknowledged when it was added, and anything typed
 * after it there is not alone, so it goes through a drain, which lists this entry first while it
 * is still in the outbox (the caller starts its own drain only once this settled; another
 * context's drain resends it first and gets the original back).
 */
export async function sendAlone(
  db: FerryDb,
  transport: OutboxTransport,
  added: AddedEntry,
  options: DrainOptions,
): Promise<boolean> {
  const { entry, alone } = added;
  if (!alone || entry.attachment || entry.state !== 'queued' || entry.senderId !== options.senderId)
    return false;
  let ack;
  try {
    ack = await transport.send(entry);
  } catch {
    return false;
  }
  if (!ack.ok) return false;
  const announcer = coalescedAnnouncer(ANNOUNCE_INTERVAL_MS, options.now);
  const acks = ackWriter(db, options, announcer);
  acks.add(ack.message);
  try {
    await acks.flush();
  } finally {
    announcer.flush();
  }
  return true;
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
 * Sends queued entries in typing order. Per conversation, order is kept strictly: one request is
 * in flight at a time, and an entry that must wait (backing off) holds back that conversation's
 * later entries, while other conversations go on. Where the transport sends batches, runs of
 * entries without a file go as one request (one round trip and one commit for up to
 * SEND_BATCH_MAX): the server stores a batch in order in one commit and stops at the first entry
 * it refuses before storing, so a later entry is never stored without an earlier one. Permanent
 * rejections mark the entry 'failed' (it does not hold others back: the user decides with
 * Retry/Delete). Acks are written in batches while the next entries are sent (see AckWriter); all
 * are written before the queue is read again and before the lock is freed. Entries added while
 * draining are picked up before the lock is freed.
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
    const announcer = coalescedAnnouncer(ANNOUNCE_INTERVAL_MS, now);
    const acks = ackWriter(db, options, announcer);
    /** Messages refused for good during this drain: operations on them are not sent. */
    const refused = new Set<string>();
    /**
     * Operations already failed (and counted) with their message: the chunk being sent may still
     * hold them as read before, queued, and they must not be failed and counted a second time.
     */
    const failedWithTarget = new Set<string>();
    const failDependentsOf = async (entry: OutboxEntry): Promise<void> => {
      refused.add(entry.id);
      const failed = await failDependents(db, entry.conversationId, entry.id, TARGET_NOT_SENT);
      for (const dependent of failed) failedWithTarget.add(dependent.id);
      report.failed += failed.length;
    };
    let progressed!: boolean;
    let held = new Set<string>();
    /** Entries gathered to go in one batch (transport.sendBatch), in typing order. */
    let batch: OutboxEntry[] = [];
    let batchBytes = 0;
    /** Off once the server refused a batch as an event it does not know (an older server). */
    let batching = transport.sendBatch !== undefined;

    /** What the server answered for one entry: stored, refused for good, or to be tried later. */
    const settle = async (entry: OutboxEntry, ack: Ack<SendResult>): Promise<void> => {
      if (ack.ok) {
        acks.add(ack.message);
        report.sent++;
        return;
      }
      // Already failed with its message, or behind an entry of its conversation that waits: it is
      // sent again after that one, untouched.
      if (failedWithTarget.has(entry.id) || held.has(entry.conversationId)) return;
      if (isPermanentError(ack.error.code)) {
        await markFailed(db, entry.id, ack.error);
        report.failed++;
        if ((entry.kind ?? 'message') === 'message') await failDependentsOf(entry);
      } else {
        await markRetryAt(db, entry.id, ack.error, now() + retryDelay(entry.attempts + 1, ack.error, random));
        held.add(entry.conversationId);
        report.retrying++;
      }
      announcer.push({ stores: ['outbox'], conversationIds: [entry.conversationId] });
    };

    /** True when `entry`, of `bytes` in a batch, can go in the batch being gathered. */
    const fitsBatch = (entry: OutboxEntry, bytes: number): boolean =>
      batching && !entry.attachment && batch.length < SEND_BATCH_MAX && batchBytes + bytes <= BATCH_BYTES;

    /** Sends one entry (its file first); false when the server could not be reached. */
    const sendOne = async (entry: OutboxEntry): Promise<boolean> => {
      let ack;
      try {
        // A message's file first (in this conversation's order: nothing typed after it
        // overtakes it), then the message naming it.
        // The upload code (tus) is fetched with the first file to send, not with the app;
        // failing to fetch it stops the drain like being offline does.
        const upload = entry.attachment
          ? await (
              await import('./upload')
            ).uploadAttachment(db, entry, {
              onProgress: async (uploaded) => {
                await updateEntry(db, entry.id, (e) =>
                  e.attachment ? { ...e, attachment: { ...e.attachment, uploaded } } : e,
                );
                announcer.push({ stores: ['outbox'], conversationIds: [entry.conversationId] });
              },
            })
          : ({ ok: true } as const);
        if (!upload.ok && upload.withdrawn) {
          progressed = true;
          return true;
        }
        ack = upload.ok ? await transport.send(entry) : upload;
      } catch {
        report.offline = true;
        return false;
      }
      progressed = true;
      await settle(entry, ack);
      return true;
    };

    /**
     * Sends the gathered entries as one batch. The server answers each in order and stops at
     * the first it refuses before storing; an entry it did not try keeps its conversation waiting
     * for the next pass, so nothing later of that conversation overtakes it. A batch refused
     * whole is sent again entry by entry.
     */
    const sendGathered = async (): Promise<void> => {
      if (batch.length === 0 || report.offline) return;
      const entries = batch;
      batch = [];
      batchBytes = 0;
      let answer;
      try {
        answer = await transport.sendBatch!(entries);
      } catch {
        report.offline = true;
        return;
      }
      progressed = true;
      if (!answer.ok) {
        if (answer.error.code === ErrorCode.UNKNOWN_EVENT) batching = false;
        for (const entry of entries) {
          if (held.has(entry.conversationId) || failedWithTarget.has(entry.id)) continue;
          if (!(await sendOne(entry))) return;
        }
        return;
      }
      for (const [i, entry] of entries.entries()) {
        const ack = answer.results[i];
        if (ack) await settle(entry, ack);
        else held.add(entry.conversationId);
      }
    };

    try {
      for (;;) {
        progressed = false;
        held = new Set<string>();
        // The queue is read once per pass; each later chunk is read again as the chunk before it
        // starts being sent, since another context may have discarded or retried an entry
        // meanwhile. Read then, not just before its turn, the read waits behind the ack writes
        // while sends go on, instead of holding the next send until they commit. (An entry
        // withdrawn after that read is sent and then deleted with an operation, see AckWriter;
        // its dependents failed meanwhile are skipped through failedWithTarget and refused.) The
        // first chunk was read just now: a message typed while idle goes out a round trip sooner.
        const listed = await listEntries(db, options.senderId);
        const reread = (from: number): Promise<Array<OutboxEntry | undefined>> | undefined => {
          if (from >= listed.length) return undefined;
          const read = getEntries(
            db,
            listed.slice(from, from + RECHECK_CHUNK).map((e) => e.id),
          );
          // A drain that stops before this chunk does not wait for its read (nor its failure).
          read.catch(() => undefined);
          return read;
        };
        let nextChunk = reread(RECHECK_CHUNK);
        for (let i = 0; i < listed.length && !report.offline; i += RECHECK_CHUNK) {
          if (options.yieldWhenWaited && (await othersWaitForLock())) {
            await sendGathered();
            report.yielded = true;
            break;
          }
          const current = i === 0 ? listed.slice(0, RECHECK_CHUNK) : ((await nextChunk) ?? []);
          if (i > 0) nextChunk = reread(i + RECHECK_CHUNK);
          for (const entry of current) {
            if (!entry) continue;
            const bytes = batching && !entry.attachment ? payloadBytes(entry) : 0;
            // What was gathered goes first when this entry cannot join it: its answers may hold
            // this entry's conversation or fail the message this entry acts on.
            if (batch.length > 0 && !fitsBatch(entry, bytes)) await sendGathered();
            if (report.offline) break;
            if (entry.state !== 'queued' || held.has(entry.conversationId)) continue;
            if (failedWithTarget.has(entry.id)) continue;
            if (entry.nextAttemptAt > now()) {
              held.add(entry.conversationId);
              continue;
            }
            // An operation on a message of this outbox that failed for good is not sent.
            if (
              entry.targetId &&
              (refused.has(entry.targetId) || (await getEntry(db, entry.targetId))?.state === 'failed')
            ) {
              await markFailed(db, entry.id, TARGET_NOT_SENT);
              report.failed++;
              progressed = true;
              announcer.push({ stores: ['outbox'], conversationIds: [entry.conversationId] });
              continue;
            }
            if (batching && !entry.attachment) {
              batch.push(entry);
              batchBytes += bytes;
            } else if (!(await sendOne(entry))) break;
          }
        }
        await sendGathered();
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

const utf8 = new TextEncoder();

/** An entry's share of a batch as the server measures payloads: its JSON in UTF-8, and a comma. */
function payloadBytes(entry: OutboxEntry): number {
  return utf8.encode(JSON.stringify(sendPayload(entry))).length + 1;
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
