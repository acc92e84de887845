/**
 * The SQLite writer thread: owns the only read-write connection, applies migrations, and commits
 * each batch of writes in one IMMEDIATE transaction with synchronous=FULL. A slow fsync blocks
 * this thread only; the event loop keeps serving sockets and sends the next batches meanwhile,
 * and the batches waiting when a commit ends share the next transaction (serveRequests.ts), in
 * the order they were sent.
 * If this thread dies, the store fails every pending caller (see storeThread.ts): nothing is
 * acked that this thread did not report committed.
 */
import { performance } from 'node:perf_hooks';
import { workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { AppendInput, AppendResult, CheckpointInfo, SearchIndexInfo } from '../Store.js';
import { appendBatch } from './appendBatch.js';
import { checkpoint, commitsPerCheckpoint, FIRST_CHECKPOINT_COMMITS } from './checkpoint.js';
import { passGate } from './commitGate.js';
import { IdleCadence } from './idleCadence.js';
import { isPerItemError } from './errors.js';
import type { Outcome } from '../groupCommit.js';
import { runMigrations } from './migrations.js';
import { type DatabaseSettings, openDatabase, readSettings } from './openDatabase.js';
import { SEARCH_CADENCE, type SearchCadence, SearchBacklog } from './searchBacklog.js';
import { serveRequests } from './serveRequests.js';
import { type Statements, prepareStatements } from './statements.js';
import { type CreatedEntry, errorToWire, type WireOutcome } from './wire.js';
import { applyWrite, type WriteOp } from './writes.js';

/** What the store passes to this thread. */
export interface WriterData {
  dataDir: string;
  busyTimeoutMs?: number;
  /** CommitGate cells (tests only). */
  gate?: Int32Array;
  /** Most writes in one transaction, however many batches wait (default 1,000). */
  maxBatch?: number;
  /** When new messages get their search words (tests only; default SEARCH_CADENCE). */
  searchCadence?: Partial<SearchCadence>;
  /** How long after the last checkpoint any commit makes the next one due (tests only; default 1 s). */
  checkpointIdleMs?: number;
}

/** A transaction that committed: its wall time and how many appends it held. */
export interface CommittedTransaction {
  ms: number;
  appends: number;
  /** The checkpoint the idle writer ran since the transaction before, if any (for metrics). */
  checkpoint: CheckpointInfo | null;
  /** Search indexing since the transaction before, and the rows it has yet to index (for metrics). */
  search: SearchIndexInfo | null;
}

/**
 * A committed batch: one outcome per write. The first batch of each transaction also carries the
 * transaction (so the store reports it once, before any of its callers is answered).
 */
export interface CommitReply {
  outcomes: WireOutcome[];
  transaction: CommittedTransaction | null;
}

function toWire(outcome: Outcome<unknown>): WireOutcome {
  if (!outcome.ok) return { ok: false, error: errorToWire(outcome.error) };
  const result = outcome.value as AppendResult | null;
  if (result?.status === 'created' && result.message.attachment === null) {
    const created: CreatedEntry = { createdSeq: result.message.seq, createdAt: result.message.createdAt };
    return { ok: true, value: created };
  }
  return outcome;
}

const {
  dataDir,
  busyTimeoutMs,
  gate,
  maxBatch = 1_000,
  searchCadence,
  checkpointIdleMs = 1_000,
} = workerData as WriterData;
let db: Database.Database | null = null;
let commit: ((ops: readonly WriteOp[]) => Outcome<unknown>[]) | null = null;
let search: SearchBacklog | null = null;
/** Transactions since the last checkpoint; how many make one due follows their size (checkpoint.ts). */
const checkpoints = new IdleCadence(FIRST_CHECKPOINT_COMMITS, checkpointIdleMs);
let lastCheckpoint: CheckpointInfo | null = null;

function open(): { version: number; settings: DatabaseSettings; file: string } {
  db ??= openDatabase(dataDir, busyTimeoutMs);
  const version = runMigrations(db);
  if (!commit) {
    const q = prepareStatements(db);
    search = new SearchBacklog(db, q, { ...SEARCH_CADENCE, ...searchCadence });
    // What a stop between commits and their indexing left (a few thousand rows at most).
    search.catchUp();
    commit = prepareCommit(db, q, search);
  }
  return { version, settings: readSettings(db), file: db.name };
}

/** The batch transaction: runs of appends go through appendBatch, every other write in a savepoint. */
function prepareCommit(conn: Database.Database, q: Statements, backlog: SearchBacklog) {
  const inSavepoint = conn.transaction((op: Exclude<WriteOp, { kind: 'append' }>) => applyWrite(q, op));
  const one = (op: Exclude<WriteOp, { kind: 'append' }>): Outcome<unknown> => {
    try {
      return { ok: true, value: inSavepoint(op) };
    } catch (error) {
      if (isPerItemError(error)) return { ok: false, error };
      throw error;
    }
  };
  const batch = conn.transaction((ops: readonly WriteOp[], now: number) => {
    const outcomes: Outcome<unknown>[] = [];
    for (let i = 0; i < ops.length;) {
      const op = ops[i]!;
      if (op.kind !== 'append') {
        outcomes.push(one(op));
        i++;
        continue;
      }
      // Consecutive appends share appendBatch, which writes each conversation's last seq once;
      // a later write in the batch (a receipt) then sees those seqs.
      const inputs: AppendInput[] = [];
      for (let next = ops[i]; next?.kind === 'append'; next = ops[++i]) inputs.push(next.input);
      outcomes.push(...appendBatch(q, inputs, now, backlog.mark));
    }
    if (gate) passGate(gate);
    return outcomes;
  });
  // Times never go back along rowids, even if the wall clock does: search walks rowids as time
  // order (reads.ts). Starts from the newest row, so a restart with an earlier clock holds too.
  let newest = q.newestCreatedAt.get() ?? 0;
  return (ops: readonly WriteOp[]) => {
    newest = Math.max(newest, Date.now());
    return batch.immediate(ops, newest);
  };
}

/** The waiting batches in one transaction; a failed transaction fails every batch of it. */
function commitBatches(batches: WriteOp[][]): CommitReply[] {
  if (!commit) throw new Error('SQLite writer: open the database first.');
  const ops = batches.length === 1 ? batches[0]! : batches.flat();
  const started = performance.now();
  const outcomes = commit(ops).map(toWire);
  const ms = performance.now() - started;
  const appends = ops.reduce((n, op) => (op.kind === 'append' ? n + 1 : n), 0);
  checkpoints.add();
  const transaction: CommittedTransaction = {
    ms,
    appends,
    checkpoint: lastCheckpoint,
    search: search?.report() ?? null,
  };
  lastCheckpoint = null;
  let from = 0;
  return batches.map((batch, i) => {
    const reply: CommitReply = {
      outcomes: outcomes.slice(from, from + batch.length),
      transaction: i === 0 ? transaction : null,
    };
    from += batch.length;
    return reply;
  });
}

/** Before a search: every message committed so far gets its words into the index. */
function indexSearch(): SearchIndexInfo {
  if (!search) throw new Error('SQLite writer: open the database first.');
  search.catchUp();
  return search.report();
}

serveRequests({ open, indexSearch }, () => db?.close(), {
  op: 'commit',
  run: commitBatches,
  size: (batch: WriteOp[]) => batch.length,
  maxSize: maxBatch,
  // After the acks are on their way: a batch that comes during the indexing waits for a few rows
  // of it (the idle run ends early for it, see SearchBacklog.afterCommit), then has the writer.
  // The checkpoint comes second, so it copies the index's pages too, and only if still idle: it
  // cannot stop part-way, and waits for the next idle moment instead.
  afterRun: (idle, waiting) => {
    try {
      search?.afterCommit(idle, waiting);
    } catch {
      // Nothing is lost: the messages are committed, and the next run indexes from the mark.
    }
    if (!idle || !db || !checkpoints.due() || waiting()) return;
    const commits = checkpoints.units;
    checkpoints.ran();
    try {
      const { walFrames, ...copied } = checkpoint(db);
      lastCheckpoint = copied;
      checkpoints.every = commitsPerCheckpoint(walFrames, commits, checkpoints.every);
    } catch {
      // Nothing is lost: the pages stay in the WAL, and the next checkpoint copies them.
    }
  },
});
