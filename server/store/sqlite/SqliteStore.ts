/** The embedded default store: one SQLite file in WAL mode, durable commits, group-committed appends. */
import type Database from 'better-sqlite3';
import { ErrorCode } from '../../../contract/errors.js';
import type { Message } from '../../../contract/index.js';
import { StoreError, conversationMissingError, storeClosedError } from '../errors.js';
import type {
  AppendInput,
  AppendResult,
  ConversationRecord,
  MemberRecord,
  SessionRecord,
  Store,
  StoreOptions,
  UserConversation,
  UserRecord,
} from '../Store.js';
import { appendBatch } from './appendBatch.js';
import { GroupCommit } from './groupCommit.js';
import { runMigrations } from './migrations.js';
import { type DatabaseSettings, openDatabase, readSettings } from './openDatabase.js';
import { type ConversationWithLastRow, type Statements, prepareStatements } from './statements.js';

export interface SqliteStoreOptions extends StoreOptions {
  /** How long a write waits for another connection's lock (default 5 s). */
  busyTimeoutMs?: number;
}

type Person = { userId: string; username: string };

/** SQLite implementation of Store. Call migrate() before anything else (createSqliteStore does). */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  /** Absolute path of the database file. */
  readonly file: string;
  readonly #db: Database.Database;
  readonly #appends: GroupCommit<AppendInput, AppendResult>;
  #q: Statements | null = null;
  #closed = false;

  constructor(dataDir: string, options: SqliteStoreOptions = {}) {
    this.#db = openDatabase(dataDir, options.busyTimeoutMs);
    this.file = this.#db.name;
    const commitBatch = this.#db.transaction((inputs: readonly AppendInput[]) =>
      // Not #ready(): close() flushes the queue after marking the store closed.
      appendBatch(this.#q!, inputs, Date.now()),
    );
    this.#appends = new GroupCommit((inputs) => commitBatch.immediate(inputs), {
      onCommit: options.onCommit,
      batchError: toBatchError,
    });
  }

  async migrate(): Promise<number> {
    if (this.#closed) throw storeClosedError();
    const version = runMigrations(this.#db);
    this.#q ??= prepareStatements(this.#db);
    return version;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Commit whatever is queued so every caller still waiting gets its ack.
    this.#appends.flush();
    this.#db.close();
  }

  /** The pragmas in force on this connection. */
  settings(): DatabaseSettings {
    this.#ready();
    return readSettings(this.#db);
  }

  async createUser(user: UserRecord): Promise<'created' | 'taken'> {
    const q = this.#ready();
    const result = q.insertUser.run({ ...user, username: user.username.toLowerCase() });
    return result.changes === 1 ? 'created' : 'taken';
  }

  async getUserByUsername(username: string): Promise<UserRecord | null> {
    return this.#ready().userByUsername.get(username.toLowerCase()) ?? null;
  }

  async getUserById(id: string): Promise<UserRecord | null> {
    return this.#ready().userById.get(id) ?? null;
  }

  async createSession(session: SessionRecord): Promise<void> {
    this.#ready().insertSession.run(session);
  }

  async getSession(tokenHash: string, now: number): Promise<SessionRecord | null> {
    return this.#ready().liveSession.get(tokenHash, now) ?? null;
  }

  async deleteSession(tokenHash: string): Promise<void> {
    this.#ready().deleteSession.run(tokenHash);
  }

  async createRoom(
    room: { id: string; name: string; inviteCode: string; createdAt: number },
    creator: Person,
  ): Promise<ConversationRecord> {
    const q = this.#ready();
    return this.#write(() => {
      q.insertRoom.run({ ...room, kind: 'room', directKey: null });
      q.insertMember.run(creator.userId, room.createdAt, room.id);
      return q.conversationById.get(room.id)!;
    });
  }

  async getOrCreateDirect(
    input: { id: string; createdAt: number },
    a: Person,
    b: Person,
  ): Promise<{ conversation: ConversationRecord; created: boolean }> {
    const q = this.#ready();
    const directKey = [a.userId, b.userId].sort().join(':');
    return this.#write(() => {
      const inserted = q.insertDirect.run({
        id: input.id,
        kind: 'direct',
        name: null,
        inviteCode: null,
        directKey,
        createdAt: input.createdAt,
      });
      const conversation = q.conversationByDirectKey.get(directKey)!;
      // Starting a direct conversation again brings back a person who had left it.
      q.insertMember.run(a.userId, input.createdAt, conversation.id);
      q.insertMember.run(b.userId, input.createdAt, conversation.id);
      return { conversation, created: inserted.changes === 1 };
    });
  }

  async getConversation(id: string): Promise<ConversationRecord | null> {
    return this.#ready().conversationById.get(id) ?? null;
  }

  async getConversationByInvite(inviteCode: string): Promise<ConversationRecord | null> {
    return this.#ready().conversationByInvite.get(inviteCode) ?? null;
  }

  async addMember(
    conversationId: string,
    user: Person,
    joinedAt: number,
  ): Promise<{ member: MemberRecord; added: boolean }> {
    const q = this.#ready();
    return this.#write(() => {
      const inserted = q.insertMember.run(user.userId, joinedAt, conversationId);
      const member = q.member.get(conversationId, user.userId);
      if (!member) throw conversationMissingError();
      return { member, added: inserted.changes === 1 };
    });
  }

  async removeMember(conversationId: string, userId: string): Promise<boolean> {
    return this.#ready().deleteMember.run(conversationId, userId).changes === 1;
  }

  async getMember(conversationId: string, userId: string): Promise<MemberRecord | null> {
    return this.#ready().member.get(conversationId, userId) ?? null;
  }

  async listMembers(conversationId: string): Promise<MemberRecord[]> {
    return this.#ready().membersOf.all(conversationId);
  }

  async listUserConversations(userId: string): Promise<UserConversation[]> {
    const q = this.#ready();
    // One read transaction: the list and its members come from the same snapshot.
    const [rows, members] = this.#db.transaction(() => [
      q.userConversations.all(userId),
      q.membersOfUserConversations.all(userId),
    ])() as [ConversationWithLastRow[], MemberRecord[]];
    const byConversation = new Map<string, MemberRecord[]>();
    for (const m of members) {
      const list = byConversation.get(m.conversationId);
      if (list) list.push(m);
      else byConversation.set(m.conversationId, [m]);
    }
    return rows.map((row) => ({
      conversation: {
        id: row.id,
        kind: row.kind,
        name: row.name,
        inviteCode: row.inviteCode,
        lastSeq: row.lastSeq,
        createdAt: row.createdAt,
      },
      members: byConversation.get(row.id) ?? [],
      lastMessage: lastMessageOf(row),
    }));
  }

  async listUserConversationIds(userId: string): Promise<string[]> {
    return this.#ready().userConversationIds.all(userId);
  }

  async appendMessage(input: AppendInput): Promise<AppendResult> {
    this.#ready();
    return this.#appends.submit(input);
  }

  async getMessage(id: string): Promise<Message | null> {
    return this.#ready().messageById.get(id) ?? null;
  }

  async messagesAfter(conversationId: string, afterSeq: number, limit: number): Promise<Message[]> {
    return this.#ready().messagesAfter.all(conversationId, afterSeq, pageLimit(limit));
  }

  async messagesBefore(conversationId: string, beforeSeq: number | null, limit: number): Promise<Message[]> {
    const before = beforeSeq ?? Number.MAX_SAFE_INTEGER;
    return this.#ready().messagesBefore.all(conversationId, before, pageLimit(limit)).reverse();
  }

  async updateReceipt(
    conversationId: string,
    userId: string,
    receipt: { deliveredSeq?: number; readSeq?: number },
  ): Promise<MemberRecord | null> {
    const q = this.#ready();
    return this.#write(() => {
      if (!q.member.get(conversationId, userId)) return null;
      const lastSeq = q.lastSeq.get(conversationId) ?? 0;
      const clamp = (seq: number | undefined) => Math.min(Math.max(seq ?? 0, 0), lastSeq);
      const read = clamp(receipt.readSeq);
      // Read implies delivered.
      const delivered = Math.max(clamp(receipt.deliveredSeq), read);
      q.raiseReceipts.run(delivered, read, conversationId, userId);
      return q.member.get(conversationId, userId)!;
    });
  }

  /** Statements, or a clear error when the store is closed or not migrated yet. */
  #ready(): Statements {
    if (this.#closed) throw storeClosedError();
    if (!this.#q) throw new Error('SqliteStore: call migrate() before using the store.');
    return this.#q;
  }

  /** Runs fn in a write transaction; IMMEDIATE takes the write lock up front (no upgrade deadlock). */
  #write<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }
}

function lastMessageOf(row: ConversationWithLastRow): Message | null {
  if (row.mId === null) return null;
  return {
    id: row.mId,
    conversationId: row.id,
    seq: row.mSeq!,
    senderId: row.mSenderId!,
    senderName: row.mSenderName!,
    text: row.mText!,
    typedAt: row.mTypedAt!,
    createdAt: row.mCreatedAt!,
  };
}

function pageLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
}

/** What every caller of a failed append batch receives: nothing of the batch was stored. */
function toBatchError(error: unknown): StoreError {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  if (/^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CANTOPEN|PROTOCOL)/.test(code)) {
    const message = 'The message store is busy. Your message was not saved yet; try again in a moment.';
    return new StoreError(ErrorCode.UNAVAILABLE, message, { retryAfterMs: 1_000, cause: error });
  }
  const message = 'The server could not save your message. It was not saved; try again.';
  return new StoreError(ErrorCode.INTERNAL, message, { cause: error });
}
