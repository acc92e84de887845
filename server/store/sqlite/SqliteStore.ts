/**
 * The embedded default store: one SQLite file in WAL mode, durable commits, group-committed writes.
 *
 * Nothing here waits on the disk on the event loop. Three connections share the file:
 * - the writer thread (writerWorker.ts) makes every write, in pipelined group commits;
 * - the reader thread (readerWorker.ts) runs the reads that can return many rows: catch-up and
 *   history pages, member lists, a user's conversation list;
 * - the event loop keeps a read-only connection for point reads by key (a user, a session, a
 *   conversation, a membership): one index lookup in pages WAL keeps in memory, cheaper than a
 *   trip to another thread, and never an fsync.
 * A read that follows an acked write sees it: the writer acks only after COMMIT has returned.
 */
import type Database from 'better-sqlite3';
import { join } from 'node:path';
import { ErrorCode } from '../../../contract/errors.js';
import type { Message } from '../../../contract/index.js';
import { StoreError, notSavedError, storeClosedError } from '../errors.js';
import { FileBlobStore } from './fileBlobs.js';
import { toAttachmentRecord, toMessageOrNull } from './messageRows.js';
import type {
  AppendInput,
  AppendResult,
  AttachmentRecord,
  ConversationRecord,
  MemberRecord,
  MessageSearch,
  PushSubscriptionRecord,
  SearchIndexInfo,
  SessionRecord,
  Store,
  StoreOptions,
  UserConversation,
  UserRecord,
  UserRef,
} from '../Store.js';
import { newEntry } from '../entries.js';
import { GroupCommit, type Outcome } from '../groupCommit.js';
import { DATABASE_FILE, type DatabaseSettings, openReadOnly } from './openDatabase.js';
import type { ReadOps, ReadResults } from './reads.js';
import { type ReadStatements, prepareReads } from './statements.js';
import { StoreThread } from './storeThread.js';
import { errorFromWire, isCreatedEntry } from './wire.js';
import type { ReaderData } from './readerWorker.js';
import type { CommitReply, WriterData } from './writerWorker.js';
import type { SearchCadence } from './searchBacklog.js';
import type { WriteOp, WriteResults } from './writes.js';

export interface SqliteStoreOptions extends StoreOptions {
  /** How long a write waits for another connection's lock (default 5 s). */
  busyTimeoutMs?: number;
  /** Most writes in one commit (default 1,000). */
  maxBatch?: number;
  /** Test hook: the writer waits at this gate before every commit, like a slow fsync (commitGate.ts). */
  commitGate?: { readonly cells: Int32Array };
  /** Test hook: when the writer indexes new messages for search (searchBacklog.ts). */
  searchCadence?: Partial<SearchCadence>;
  /** Test hook: how long after the last checkpoint any commit makes the next one due (default 1 s). */
  checkpointIdleMs?: number;
}

/** SQLite implementation of Store. Call migrate() before anything else (createSqliteStore does). */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  // One node reads memberships from the socket's rooms, and any other read is a local point read.
  readonly checksMembershipOnAppend = false;
  readonly blobs: FileBlobStore;
  /** Path of the database file. */
  readonly file: string;
  readonly #options: SqliteStoreOptions;
  readonly #writer: StoreThread;
  readonly #writes: GroupCommit<WriteOp, unknown>;
  #reader: StoreThread | null = null;
  #db: Database.Database | null = null;
  #q: ReadStatements | null = null;
  #settings: DatabaseSettings | null = null;
  #closed = false;
  #closing: Promise<void> | null = null;
  #failure: StoreError | null = null;
  /** Rows the writer had not indexed for search as of its latest report (unknown at first). */
  #searchBehind = Infinity;

  constructor(dataDir: string, options: SqliteStoreOptions = {}) {
    this.#options = options;
    this.file = join(dataDir, DATABASE_FILE);
    this.blobs = new FileBlobStore(join(dataDir, 'blobs'));
    const data: WriterData = {
      dataDir,
      busyTimeoutMs: options.busyTimeoutMs,
      gate: options.commitGate?.cells,
      maxBatch: options.maxBatch,
      searchCadence: options.searchCadence,
      checkpointIdleMs: options.checkpointIdleMs,
    };
    this.#writer = new StoreThread('writerWorker', data, (error) => this.#fail(error));
    this.#writes = new GroupCommit((ops) => this.#commit(ops), {
      batchError: toBatchError,
      maxBatch: options.maxBatch,
      // The writer thread takes batches in the order they were posted and merges those that wait
      // (writerWorker.ts), so a batch need not wait for the answer to the one before to leave:
      // that round trip through the event loop is off the path between an append and its commit.
      maxInFlight: BATCHES_IN_FLIGHT,
    });
  }

  async migrate(): Promise<number> {
    if (this.#closed) throw storeClosedError();
    const opened = await this.#writer.call<{ version: number; settings: DatabaseSettings }>('open');
    this.#settings = opened.settings;
    if (!this.#db) {
      const busyTimeoutMs = this.#options.busyTimeoutMs;
      this.#db = openReadOnly(this.file, busyTimeoutMs);
      this.#q = prepareReads(this.#db);
      const data: ReaderData = { file: this.file, busyTimeoutMs };
      this.#reader = new StoreThread('readerWorker', data, (error) => this.#fail(error));
    }
    return opened.version;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      // Commit whatever is queued so every caller still waiting gets its ack.
      await this.#writes.drain();
      await this.#reader?.stop();
      this.#db?.close();
      // The writer closes last: the last connection to close checkpoints the WAL.
      await this.#writer.stop();
    })();
    return this.#closing;
  }

  /** The pragmas in force on the writing connection. */
  settings(): DatabaseSettings {
    this.#ready();
    return this.#settings!;
  }

  async createUser(user: UserRecord): Promise<'created' | 'taken'> {
    return this.#write({ kind: 'createUser', user });
  }

  async getUserByUsername(username: string): Promise<UserRecord | null> {
    return this.#ready().userByUsername.get(username.toLowerCase()) ?? null;
  }

  async getUserById(id: string): Promise<UserRecord | null> {
    return this.#ready().userById.get(id) ?? null;
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.#write({ kind: 'createSession', session });
  }

  async getSession(tokenHash: string, now: number): Promise<SessionRecord | null> {
    return this.#ready().liveSession.get(tokenHash, now) ?? null;
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.#write({ kind: 'deleteSession', tokenHash });
  }

  async createRoom(
    room: { id: string; name: string; inviteCode: string; createdAt: number },
    creator: UserRef,
  ): Promise<ConversationRecord> {
    return this.#write({ kind: 'createRoom', room, creator });
  }

  async getOrCreateDirect(
    input: { id: string; createdAt: number },
    a: UserRef,
    b: UserRef,
  ): Promise<{ conversation: ConversationRecord; created: boolean }> {
    return this.#write({ kind: 'getOrCreateDirect', input, a, b });
  }

  async getConversation(id: string): Promise<ConversationRecord | null> {
    return this.#ready().conversationById.get(id) ?? null;
  }

  async getConversationByInvite(inviteCode: string): Promise<ConversationRecord | null> {
    return this.#ready().conversationByInvite.get(inviteCode) ?? null;
  }

  async addMember(
    conversationId: string,
    user: UserRef,
    joinedAt: number,
  ): Promise<{ member: MemberRecord; added: boolean }> {
    return this.#write({ kind: 'addMember', conversationId, user, joinedAt });
  }

  async removeMember(conversationId: string, userId: string): Promise<boolean> {
    return this.#write({ kind: 'removeMember', conversationId, userId });
  }

  async getMember(conversationId: string, userId: string): Promise<MemberRecord | null> {
    return this.#ready().member.get(conversationId, userId) ?? null;
  }

  async listMembers(conversationId: string): Promise<MemberRecord[]> {
    return this.#read('listMembers', { conversationId });
  }

  async listUserConversations(userId: string): Promise<UserConversation[]> {
    return this.#read('listUserConversations', { userId });
  }

  async listUserConversationIds(userId: string): Promise<string[]> {
    return this.#ready().userConversationIds.all(userId);
  }

  async appendMessage(input: AppendInput): Promise<AppendResult> {
    return this.#write({ kind: 'append', input });
  }

  appendMessages(inputs: readonly AppendInput[]): Promise<AppendResult>[] {
    try {
      this.#ready();
    } catch (err) {
      return inputs.map(() => Promise.reject(err));
    }
    const ops = inputs.map((input): WriteOp => ({ kind: 'append', input }));
    return this.#writes.submitGroup(ops) as Promise<AppendResult>[];
  }

  async getMessage(id: string): Promise<Message | null> {
    const q = this.#ready();
    return toMessageOrNull(q, q.messageById.get(id));
  }

  async lastMessage(conversationId: string): Promise<Message | null> {
    const q = this.#ready();
    return toMessageOrNull(q, q.lastMessage.get(conversationId));
  }

  async countUnread(conversationId: string, userId: string): Promise<number> {
    return this.#ready().countUnread.get(conversationId, userId) ?? 0;
  }

  async messagesAfter(conversationId: string, afterSeq: number, limit: number): Promise<Message[]> {
    return this.#read('messagesAfter', { conversationId, afterSeq, limit });
  }

  async messagesBefore(conversationId: string, beforeSeq: number | null, limit: number): Promise<Message[]> {
    return this.#read('messagesBefore', { conversationId, beforeSeq, limit });
  }

  async searchMessages(search: MessageSearch): Promise<Message[]> {
    this.#ready();
    // The writer indexes behind its commits: first every message committed so far, so the search
    // finds each one acked before it. Every ack comes after its commit's report, so a report of
    // none behind means no acked message waits (the round trip is skipped).
    if (this.#searchBehind > 0) this.#searchIndexed(await this.#writer.call<SearchIndexInfo>('indexSearch'));
    return this.#read('searchMessages', search);
  }

  async updateReceipt(
    conversationId: string,
    userId: string,
    receipt: { deliveredSeq?: number; readSeq?: number },
  ): Promise<MemberRecord | null> {
    return this.#write({ kind: 'updateReceipt', conversationId, userId, receipt });
  }

  async savePushSubscription(subscription: PushSubscriptionRecord): Promise<void> {
    await this.#write({ kind: 'push', op: { kind: 'saveSubscription', subscription } });
  }

  async deletePushSubscription(endpoint: string, userId?: string): Promise<boolean> {
    const op = { kind: 'deleteSubscription', endpoint, userId: userId ?? null } as const;
    return (await this.#write({ kind: 'push', op })) === true;
  }

  async listPushSubscriptions(userIds: readonly string[]): Promise<PushSubscriptionRecord[]> {
    return this.#ready().pushSubscriptionsOf(userIds);
  }

  async setMuted(conversationId: string, userId: string, muted: boolean): Promise<boolean> {
    const op = { kind: 'setMuted', conversationId, userId, muted } as const;
    return (await this.#write({ kind: 'push', op })) === true;
  }

  async mutedConversationIds(userId: string): Promise<string[]> {
    return this.#ready().mutedConversationIds(userId);
  }

  async mutedMembers(conversationId: string, userIds: readonly string[]): Promise<string[]> {
    return this.#ready().mutedMembers(conversationId, userIds);
  }

  async createAttachment(record: AttachmentRecord): Promise<'created' | 'exists'> {
    return this.#write({ kind: 'createAttachment', record });
  }

  async getAttachment(id: string): Promise<AttachmentRecord | null> {
    const row = this.#ready().attachmentById.get(id);
    return row ? toAttachmentRecord(row) : null;
  }

  async attachmentBytes(userId: string): Promise<number> {
    return this.#ready().attachmentBytes.get(userId) ?? 0;
  }

  async blobReferences(sha256: string): Promise<number> {
    return this.#ready().blobReferences.get(sha256) ?? 0;
  }

  async deleteUnsentAttachments(before: number): Promise<AttachmentRecord[]> {
    return this.#write({ kind: 'deleteUnsentAttachments', before });
  }

  /** Read statements, or a clear error when the store is closed, broken or not migrated yet. */
  #ready(): ReadStatements {
    if (this.#failure) throw this.#failure;
    if (this.#closed) throw storeClosedError();
    if (!this.#q) throw new Error('SqliteStore: call migrate() before using the store.');
    return this.#q;
  }

  /** Queues a write for the next group commit; resolves once it is durable. */
  #write<K extends WriteOp['kind']>(op: Extract<WriteOp, { kind: K }>): Promise<WriteResults[K]> {
    this.#ready();
    return this.#writes.submit(op) as Promise<WriteResults[K]>;
  }

  /** Runs a read that may return many rows on the reader thread. */
  #read<K extends keyof ReadOps>(op: K, args: ReadOps[K]): Promise<ReadResults[K]> {
    this.#ready();
    return this.#reader!.call<ReadResults[K]>(op, args);
  }

  /**
   * One batch on the writer thread; reports its transaction to onCommit before any of its callers
   * is answered (the transaction's first batch carries it, and batches are answered in order).
   */
  async #commit(ops: readonly WriteOp[]): Promise<Outcome<unknown>[]> {
    const reply = await this.#writer.call<CommitReply>('commit', ops);
    const transaction = reply.transaction;
    try {
      if (transaction && transaction.appends > 0)
        this.#options.onCommit?.({ messages: transaction.appends, ms: transaction.ms });
      const copied = transaction?.checkpoint;
      if (copied && copied.pages > 0) this.#options.onCheckpoint?.(copied);
      if (transaction?.search) this.#searchIndexed(transaction.search);
    } catch {
      // Metrics must never turn a committed batch into a failure.
    }
    return reply.outcomes.map((o, i) => {
      if (!o.ok) return { ok: false, error: errorFromWire(o.error) };
      const op = ops[i]!;
      if (!isCreatedEntry(o.value) || op.kind !== 'append') return o;
      const message = newEntry(op.input, o.value.createdSeq, o.value.createdAt);
      return { ok: true, value: { status: 'created', message } satisfies AppendResult };
    });
  }

  /** Keeps the writer's latest search indexing report, and passes it on for metrics. */
  #searchIndexed(info: SearchIndexInfo): void {
    this.#searchBehind = info.behind;
    try {
      this.#options.onSearchIndex?.(info);
    } catch {
      // Metrics must never fail a commit or a search.
    }
  }

  /** A store thread died: refuse all further work, and tell the owner once. */
  #fail(error: StoreError): void {
    if (this.#failure || this.#closed) return;
    this.#failure = error;
    this.#options.onFailure?.(error);
  }
}

/**
 * Batches posted to the writer and not yet answered. Enough that the writer always finds the next
 * batch waiting; a bound so a stalled disk keeps the backlog here, where later inputs join it.
 */
const BATCHES_IN_FLIGHT = 8;

/** What every caller of a failed append batch receives: nothing of the batch was stored. */
function toBatchError(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  if (/^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CANTOPEN|PROTOCOL)/.test(code)) {
    const message = 'The message store is busy. Your message was not saved yet; try again in a moment.';
    return new StoreError(ErrorCode.UNAVAILABLE, message, { retryAfterMs: 1_000, cause: error });
  }
  return notSavedError(error);
}
