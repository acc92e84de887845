/** The SQLite store's own guarantees on real temp files (the shared contract: sqliteStoreContract.test.ts). */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../../contract/index.js';
import {
  CommitGate,
  LATEST_VERSION,
  MIGRATIONS,
  SqliteStore,
  type SqliteStoreOptions,
  createSqliteStore,
} from '../../../server/store/sqlite/index.js';
import { runMigrations } from '../../../server/store/sqlite/migrations.js';
import type {
  AppendInput,
  CheckpointInfo,
  CommitInfo,
  SearchIndexInfo,
  Store,
} from '../../../server/store/Store.js';
import { CHECKPOINT_WAL_PAGES, FIRST_CHECKPOINT_COMMITS } from '../../../server/store/sqlite/checkpoint.js';
import { WRITER_CHECKPOINT_PAGES } from '../../../server/store/sqlite/openDatabase.js';

import { EARLY_ROOM_SQL, expectEarlyMessagesTakeOperations, searchIds } from './support/earlyData.js';
import { waitUntil } from '../../support/wait.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD_SCRIPT = fileURLToPath(new URL('./support/appendUntilKilled.ts', import.meta.url));

/** SQLite's default page size, which Ferry keeps. */
const PAGE_BYTES = 4096;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'ferry-sqlite-'));
}

describe('SqliteStore', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  async function openStore(options: SqliteStoreOptions = {}, dataDir?: string) {
    const dir = dataDir ?? (await tempDir());
    if (!dataDir) cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const store = await createSqliteStore(dir, options);
    cleanups.push(() => store.close());
    return { store, dir };
  }

  /** A user and a room they created, ready for appends. */
  async function seed(store: Store, rooms = 1) {
    const user = { userId: randomUUID(), username: `u_${randomUUID().slice(0, 8)}` };
    await store.createUser({ id: user.userId, username: user.username, passwordHash: 'h', createdAt: 1 });
    const roomIds: string[] = [];
    for (let i = 0; i < rooms; i++) {
      const id = randomUUID();
      await store.createRoom({ id, name: `room ${i}`, inviteCode: randomUUID(), createdAt: 1 }, user);
      roomIds.push(id);
    }
    const draft = (roomId = roomIds[0]!, id = randomUUID()): AppendInput => ({
      id,
      conversationId: roomId,
      senderId: user.userId,
      senderName: user.username,
      text: `text of ${id}`,
      typedAt: 1,
    });
    return { user, roomIds, draft };
  }

  it('creates the data directory and ferry.db with WAL, synchronous=FULL and foreign keys on', async () => {
    const root = await tempDir();
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const dataDir = join(root, 'not', 'yet', 'there');
    const { store } = await openStore({}, dataDir);
    expect(store.file).toBe(join(dataDir, 'ferry.db'));
    expect(existsSync(store.file)).toBe(true);
    expect(store.settings()).toEqual({
      journalMode: 'wal',
      synchronous: 2,
      foreignKeys: true,
      secureDelete: true,
      busyTimeoutMs: 5000,
      // The reader thread checkpoints; the writer only if those stop keeping up.
      walAutocheckpoint: WRITER_CHECKPOINT_PAGES,
    });
  });

  it('checkpoints between commits once their acks are out, when the WAL holds about CHECKPOINT_WAL_PAGES, so it starts over without a commit copying it', async () => {
    const checkpoints: CheckpointInfo[] = [];
    // By the count of transactions only: on a slow machine a second passes between checkpoints
    // before the WAL fills, and the idle writer's timed checkpoint (IdleCadence) would copy less.
    const { store } = await openStore({
      onCheckpoint: (info) => checkpoints.push(info),
      checkpointIdleMs: Infinity,
    });
    const { roomIds, draft } = await seed(store, 4);
    const walPages = () => statSync(`${store.file}-wal`).size / PAGE_BYTES;
    let largestWal = 0;
    // One transaction each, spread over several rooms and indexes, as sends of separate people are.
    for (let i = 0; i < 1_500; i++) {
      await store.appendMessage(draft(roomIds[i % roomIds.length]));
      largestWal = Math.max(largestWal, walPages());
    }
    const copied = checkpoints.reduce((sum, c) => sum + c.pages, 0);
    // The WAL stayed a fraction of what passed through it, below where a commit would have
    // checkpointed inside itself: the idle writer copied it back and it started over.
    expect(copied).toBeGreaterThan(3 * largestWal);
    expect(largestWal).toBeLessThan(WRITER_CHECKPOINT_PAGES);
    // Each checkpoint (after the first, which measures how many pages a commit writes) waited
    // for the WAL to grow towards the target instead of running every few commits.
    const later = checkpoints.slice(1, -1).map((c) => c.pages);
    expect(later.length).toBeGreaterThan(0);
    expect(Math.min(...later)).toBeGreaterThan(CHECKPOINT_WAL_PAGES / 2);
  });

  it("keeps checkpointing at the WAL's size after a reader's snapshot held most of it back from a checkpoint", async () => {
    let appended = 0;
    /** How many appends had returned when each checkpoint was reported. */
    const at: number[] = [];
    // Checkpoints by the count of transactions only, so the machine's speed does not matter here.
    const { store } = await openStore({ onCheckpoint: () => at.push(appended), checkpointIdleMs: Infinity });
    const { roomIds, draft } = await seed(store, 4);
    const append = async () => {
      await store.appendMessage(draft(roomIds[appended % roomIds.length]));
      appended++;
    };
    const untilCheckpoint = async () => {
      const seen = at.length;
      for (let i = 0; at.length === seen && i < 5_000; i++) await append();
      expect(at.length).toBe(seen + 1);
    };
    // The cadence has measured the transactions by its second checkpoint, whose report came with
    // a commit that started the WAL over.
    await untilCheckpoint();
    await untilCheckpoint();
    const usual = at[1]! - at[0]!;
    expect(usual).toBeGreaterThan(FIRST_CHECKPOINT_COMMITS);
    // A reader's snapshot from the WAL's first frames holds back every later one from the next
    // checkpoint: it copies a few pages of a WAL as large as usual.
    const reader = new Database(store.file, { readonly: true });
    try {
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) FROM messages').get();
      await untilCheckpoint();
    } finally {
      reader.close();
    }
    // The next interval follows the WAL's size, not the few pages that checkpoint could copy
    // (those would have stretched it to 1,000 transactions).
    await untilCheckpoint();
    expect(at[3]! - at[2]!).toBeLessThan(2 * usual);
  });

  it('leaves no copy of the text of a message deleted for everyone, or of its edits, in the database file', async () => {
    const { store, dir } = await openStore();
    const { user, roomIds } = await seed(store);
    const entry = {
      conversationId: roomIds[0]!,
      senderId: user.userId,
      senderName: user.username,
      typedAt: 1,
    };
    // Enough rows that pages are shared, as in a real conversation.
    for (let i = 0; i < 50; i++)
      await store.appendMessage({ ...entry, id: randomUUID(), text: `platypus kept ${i}` });
    const m = randomUUID();
    await store.appendMessage({ ...entry, id: m, text: 'QuokkaSecret first words' });
    await store.appendMessage({
      ...entry,
      id: randomUUID(),
      kind: 'edit',
      targetId: m,
      text: 'WombatSecret second',
    });
    await store.appendMessage({ ...entry, id: randomUUID(), kind: 'delete', targetId: m, text: '' });
    await store.close();
    const bytes = Buffer.concat(
      (await readdir(dir)).filter((f) => f.startsWith('ferry.db')).map((f) => readFileSync(join(dir, f))),
    );
    expect(bytes.includes('platypus kept 49')).toBe(true);
    // Case-sensitive: the rows held these spellings; the search index holds lower-case words,
    // which the store contract proves are no longer found (FTS5 may keep a word it no longer links
    // to any row until its segments merge).
    expect(bytes.includes('QuokkaSecret')).toBe(false);
    expect(bytes.includes('WombatSecret')).toBe(false);
  });

  describe('search indexing behind the commits', () => {
    /** The writer indexes only when a search asks (or at its start). */
    const ON_SEARCH_ONLY = { idleAfterRows: Infinity, idleAfterMs: Infinity, busyAfterRows: Infinity };

    /** The search mark, the newest messages rowid and the rows the FTS5 table holds, from the file. */
    function indexState(file: string): { mark: number; newest: number; indexed: number } {
      const db = new Database(file, { readonly: true });
      try {
        const one = (sql: string) => db.prepare<[], number>(sql).pluck().get()!;
        return {
          mark: one('SELECT indexed_rowid FROM search_progress'),
          newest: one('SELECT coalesce(max(rowid), 0) FROM messages'),
          indexed: one('SELECT count(*) FROM message_search'),
        };
      } finally {
        db.close();
      }
    }

    it('acks a message before its search words are written, and a search still finds every acked one', async () => {
      const reports: SearchIndexInfo[] = [];
      const { store } = await openStore({
        searchCadence: ON_SEARCH_ONLY,
        onSearchIndex: (info) => reports.push(info),
      });
      const { user, draft } = await seed(store);
      for (let i = 0; i < 5; i++) await store.appendMessage({ ...draft(), text: `osprey ${i}` });
      const acked = indexState(store.file);
      expect(acked.indexed).toBe(0);
      expect(acked.mark).toBeLessThan(acked.newest);
      expect(reports.at(-1)).toMatchObject({ rows: 0, behind: 5 });

      const found = await store.searchMessages({ userId: user.userId, terms: ['osprey'], limit: 10 });
      expect(found.map((m) => m.text).sort()).toEqual([
        'osprey 0',
        'osprey 1',
        'osprey 2',
        'osprey 3',
        'osprey 4',
      ]);
      const searched = indexState(store.file);
      expect(searched).toEqual({ mark: searched.newest, newest: acked.newest, indexed: 5 });
      expect(reports.at(-1)).toMatchObject({ rows: 5, behind: 0 });
      // Nothing was committed since: the next search does not ask the writer (no new report).
      const reported = reports.length;
      expect(await store.searchMessages({ userId: user.userId, terms: ['osprey'], limit: 10 })).toHaveLength(
        5,
      );
      expect(reports).toHaveLength(reported);
      await store.appendMessage({ ...draft(), text: 'osprey 5' });
      expect(await store.searchMessages({ userId: user.userId, terms: ['osprey'], limit: 10 })).toHaveLength(
        6,
      );
      expect(reports.at(-1)).toMatchObject({ rows: 1, behind: 0 });
    });

    it('gives a message edited or deleted before or after its indexing only its latest words', async () => {
      const { store } = await openStore({ searchCadence: ON_SEARCH_ONLY });
      const { user, draft } = await seed(store);
      const find = async (word: string) =>
        (await store.searchMessages({ userId: user.userId, terms: [word], limit: 10 })).map((m) => m.id);
      const edited = draft();
      const deleted = draft();
      await store.appendMessage({ ...edited, text: 'heron alpha' });
      await store.appendMessage({ ...deleted, text: 'heron gamma' });
      await store.appendMessage({ ...draft(), kind: 'edit', targetId: edited.id, text: 'heron beta' });
      await store.appendMessage({ ...draft(), kind: 'delete', targetId: deleted.id, text: '' });
      expect(indexState(store.file).indexed).toBe(0);
      expect(await find('alpha')).toEqual([]);
      expect(await find('beta')).toEqual([edited.id]);
      expect(await find('gamma')).toEqual([]);

      // Both targets are behind the mark now: the operations change their words themselves (a
      // search indexes only the rows past the mark, and these operations hold no words).
      const kept = draft();
      await store.appendMessage({ ...kept, text: 'heron delta' });
      expect(await find('delta')).toEqual([kept.id]);
      await store.appendMessage({ ...draft(), kind: 'edit', targetId: edited.id, text: 'heron epsilon' });
      await store.appendMessage({ ...draft(), kind: 'delete', targetId: kept.id, text: '' });
      const state = indexState(store.file);
      expect(state.mark).toBeLessThan(state.newest);
      expect(state.indexed).toBe(1);
      expect(await find('beta')).toEqual([]);
      expect(await find('epsilon')).toEqual([edited.id]);
      expect(await find('delta')).toEqual([]);
      expect(await find('heron')).toEqual([edited.id]);
    });

    it('indexes at its next start what a stop between the commits and their indexing left behind', async () => {
      const { store, dir } = await openStore({ searchCadence: ON_SEARCH_ONLY });
      const { user, draft } = await seed(store);
      for (let i = 0; i < 3; i++) await store.appendMessage({ ...draft(), text: `plover ${i}` });
      await store.close();
      const left = indexState(store.file);
      expect(left.indexed).toBe(0);
      expect(left.mark).toBeLessThan(left.newest);

      const reopened = await createSqliteStore(dir, { searchCadence: ON_SEARCH_ONLY });
      cleanups.push(() => reopened.close());
      expect(indexState(reopened.file)).toEqual({ mark: left.newest, newest: left.newest, indexed: 3 });
      const found = await reopened.searchMessages({ userId: user.userId, terms: ['plover'], limit: 10 });
      expect(found).toHaveLength(3);
    });

    it('indexes on its own once enough messages wait, without a search', async () => {
      const { store } = await openStore({ searchCadence: { ...ON_SEARCH_ONLY, idleAfterRows: 3 } });
      const { draft } = await seed(store);
      await store.appendMessage(draft());
      await store.appendMessage(draft());
      expect(indexState(store.file).indexed).toBe(0);
      await store.appendMessage(draft());
      // The idle writer indexes once the third ack is posted.
      await waitUntil('the idle writer indexed three messages', () => indexState(store.file).indexed === 3);
      const state = indexState(store.file);
      expect(state.mark).toBe(state.newest);
    });
  });

  describe('migrations', () => {
    it('applies each migration once and reports the schema version, also after reopening', async () => {
      const { store, dir } = await openStore();
      expect(await store.migrate()).toBe(LATEST_VERSION);
      await store.close();
      const reopened = await createSqliteStore(dir);
      cleanups.push(() => reopened.close());
      expect(await reopened.migrate()).toBe(LATEST_VERSION);
      await reopened.close();

      const db = new Database(join(dir, 'ferry.db'));
      cleanups.push(() => db.close());
      const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
      expect(rows).toEqual(MIGRATIONS.map((m) => m.version));

      let applied = 0;
      const next = {
        version: LATEST_VERSION + 1,
        name: 'test: add a table',
        up: (d: Database.Database) => {
          applied++;
          d.exec('CREATE TABLE extra (x INTEGER)');
        },
      };
      expect(runMigrations(db, [...MIGRATIONS, next])).toBe(LATEST_VERSION + 1);
      expect(runMigrations(db, [...MIGRATIONS, next])).toBe(LATEST_VERSION + 1);
      expect(applied).toBe(1);
    });

    it('rolls back a failing migration and leaves the version where it was', async () => {
      const { store, dir } = await openStore();
      await store.close();
      const db = new Database(join(dir, 'ferry.db'));
      cleanups.push(() => db.close());
      const broken = {
        version: LATEST_VERSION + 1,
        name: 'test: fails half way',
        up: (d: Database.Database) => {
          d.exec('CREATE TABLE half_done (x INTEGER)');
          throw new Error('boom');
        },
      };
      expect(() => runMigrations(db, [...MIGRATIONS, broken])).toThrow('boom');
      expect(runMigrations(db)).toBe(LATEST_VERSION);
      const table = db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get();
      expect(table).toBeUndefined();
    });

    /** A store opened on a database the first `versions` migrations made, holding `sql`'s rows. */
    async function openEarly(versions: number, sql: string): Promise<Store> {
      const dir = await tempDir();
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const db = new Database(join(dir, 'ferry.db'));
      runMigrations(db, MIGRATIONS.slice(0, versions));
      db.exec(sql);
      db.close();
      const store = await createSqliteStore(dir);
      cleanups.push(() => store.close());
      return store;
    }

    it('indexes the messages a database already holds when search arrives', async () => {
      const store = await openEarly(
        1,
        `${EARLY_ROOM_SQL}
        INSERT INTO messages VALUES ('m1', 'c1', 1, 'u1', 'old', '我们明天在北京见面吧', 1, 1),
                                    ('m2', 'c1', 2, 'u1', 'old', 'Harbour street', 1, 2);`,
      );
      expect(await searchIds(store, '北京')).toEqual(['m1']);
      expect(await searchIds(store, 'harb')).toEqual(['m2']);
    });

    it('makes the messages a database already holds entries of kind message that operations can change', async () => {
      const store = await openEarly(
        2,
        `${EARLY_ROOM_SQL}
        INSERT INTO messages VALUES ('m1', 'c1', 1, 'u1', 'old', 'kestrel one', 1, 1),
                                    ('m2', 'c1', 2, 'u1', 'old', 'kestrel two', 1, 2);
        INSERT INTO message_search (rowid, terms) SELECT rowid, text FROM messages;`,
      );
      await expectEarlyMessagesTakeOperations(store);
    });

    it('indexes the shown messages a database already holds with their conversation and sender when search scopes arrive', async () => {
      const store = await openEarly(
        MIGRATIONS.findIndex((m) => m.name === 'search scopes'),
        `${EARLY_ROOM_SQL}
        INSERT INTO users VALUES ('u2', 'other', 'h', 1);
        INSERT INTO members (conversation_id, user_id, joined_at) VALUES ('c1', 'u2', 1);
        INSERT INTO messages (id, conversation_id, seq, sender_id, sender_name, text, typed_at, created_at, deleted)
          VALUES ('m1', 'c1', 1, 'u1', 'old', 'kestrel one', 1, 1, 0),
                 ('m2', 'c1', 2, 'u2', 'other', 'kestrel two', 1, 2, 0),
                 ('m3', 'c1', 3, 'u2', 'other', 'kestrel three', 1, 3, 1);
        INSERT INTO message_search (rowid, terms) SELECT rowid, text FROM messages WHERE deleted = 0;`,
      );
      expect(await searchIds(store, 'kestrel')).toEqual(['m2', 'm1']);
      const filtered = await store.searchMessages({
        userId: 'u1',
        terms: ['kestrel'],
        conversationId: 'c1',
        senderId: 'u2',
        limit: 10,
      });
      expect(filtered.map((m) => m.id)).toEqual(['m2']);
    });

    it('refuses a database written by a newer schema, with advice', async () => {
      const { store, dir } = await openStore();
      await store.close();
      const db = new Database(join(dir, 'ferry.db'));
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        LATEST_VERSION + 5,
        'from the future',
        1,
      );
      db.close();
      await expect(createSqliteStore(dir)).rejects.toThrow(/newer Ferry/);
    });
  });

  describe('group commit', () => {
    it('commits concurrent appends in shared transactions and acks each only once it is committed', async () => {
      const commits: (CommitInfo & { ackedBefore: number })[] = [];
      let acked = 0;
      const { store } = await openStore({
        onCommit: (info) => commits.push({ ...info, ackedBefore: acked }),
      });
      const { draft, roomIds } = await seed(store);
      commits.length = 0;
      // Another connection sees only committed rows: what it sees at ack time is durable.
      const observer = new Database(store.file, { readonly: true });
      cleanups.push(() => observer.close());
      const committedSeq = observer
        .prepare<[string], number>('SELECT seq FROM messages WHERE id = ?')
        .pluck();
      const seenAtAck: (number | undefined)[] = [];

      const inputs = Array.from({ length: 300 }, () => draft());
      const append = (input: AppendInput) =>
        store.appendMessage(input).then((result) => {
          acked++;
          seenAtAck.push(committedSeq.get(input.id));
          return result;
        });
      // Half in this turn, half in a later one: two batches, which the writer may take as one
      // transaction if the second is waiting when it begins.
      const first = inputs.slice(0, 150).map(append);
      await new Promise((resolve) => setImmediate(resolve));
      const second = inputs.slice(150).map(append);
      const results = await Promise.all([...first, ...second]);

      expect(commits.length).toBeGreaterThanOrEqual(1);
      expect(commits.length).toBeLessThan(300);
      expect(Math.max(...commits.map((c) => c.messages))).toBeGreaterThan(1);
      expect(commits.reduce((n, c) => n + c.messages, 0)).toBe(300);
      // onCommit runs before any ack of its batch.
      let committed = 0;
      for (const c of commits) {
        expect(c.ackedBefore).toBe(committed);
        expect(c.ms).toBeGreaterThanOrEqual(0);
        committed += c.messages;
      }
      expect(seenAtAck).toEqual(inputs.map((_, i) => i + 1));
      // Appends made in order get seqs in that order (per-conversation order is the order typed).
      expect(results.map((r) => (r.status === 'created' ? r.message.seq : -1))).toEqual(
        inputs.map((_, i) => i + 1),
      );
      expect((await store.getConversation(roomIds[0]!))?.lastSeq).toBe(300);
    });

    it('fails only the bad input of a batch, without using up a seq', async () => {
      const { store } = await openStore();
      const { draft, roomIds } = await seed(store);
      const settled = await Promise.allSettled([
        store.appendMessage(draft()),
        store.appendMessage({ ...draft(), senderId: randomUUID() }), // no such user
        store.appendMessage(draft()),
      ]);
      expect(settled[0]).toMatchObject({ status: 'fulfilled', value: { message: { seq: 1 } } });
      expect(settled[1]).toMatchObject({
        status: 'rejected',
        reason: { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' },
      });
      expect(settled[2]).toMatchObject({ status: 'fulfilled', value: { message: { seq: 2 } } });
      expect((await store.messagesAfter(roomIds[0]!, 0, 10)).map((m) => m.seq)).toEqual([1, 2]);
    });

    it('rejects every append of a batch whose transaction fails, and stores none of them', async () => {
      const commits: CommitInfo[] = [];
      const { store } = await openStore({ busyTimeoutMs: 20, onCommit: (c) => commits.push(c) });
      const { draft, roomIds } = await seed(store);
      commits.length = 0;

      // Another connection holds the write lock, so the batch cannot begin its transaction.
      const locker = new Database(store.file);
      cleanups.push(() => locker.close());
      locker.exec('BEGIN IMMEDIATE');
      const inputs = Array.from({ length: 10 }, () => draft());
      // Two turns: two batches, sent one behind the other; the writer may take them as one.
      const attempts = inputs.slice(0, 5).map((input) => store.appendMessage(input));
      await new Promise((resolve) => setImmediate(resolve));
      attempts.push(...inputs.slice(5).map((input) => store.appendMessage(input)));
      const settled = await Promise.allSettled(attempts);
      for (const s of settled)
        expect(s).toMatchObject({ status: 'rejected', reason: { code: 'UNAVAILABLE' } });
      expect(commits).toEqual([]);
      locker.exec('ROLLBACK');

      expect(await store.messagesAfter(roomIds[0]!, 0, 100)).toEqual([]);
      expect((await store.getConversation(roomIds[0]!))?.lastSeq).toBe(0);
      const retried = await Promise.all(inputs.map((input) => store.appendMessage(input)));
      expect(retried.map((r) => r.status)).toEqual(inputs.map(() => 'created'));
      expect(retried.map((r) => (r.status === 'created' ? r.message.seq : 0))).toEqual(
        inputs.map((_, i) => i + 1),
      );
    });

    it('commits queued appends on close, then refuses new work with UNAVAILABLE', async () => {
      const { store, dir } = await openStore();
      const { draft, roomIds } = await seed(store);
      const pending = Array.from({ length: 5 }, () => store.appendMessage(draft()));
      await store.close();
      await store.close();
      const results = await Promise.all(pending);
      expect(results.map((r) => r.status)).toEqual(['created', 'created', 'created', 'created', 'created']);
      await expect(store.appendMessage(draft())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(store.getConversation(roomIds[0]!)).rejects.toMatchObject({ code: 'UNAVAILABLE' });

      const reopened = await createSqliteStore(dir);
      cleanups.push(() => reopened.close());
      expect((await reopened.messagesAfter(roomIds[0]!, 0, 10)).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    });
  });

  describe('off the event loop', () => {
    /**
     * A seeded store whose commits wait at a shut gate, its commits recorded, and `holdFirst`:
     * appends `inputs` and resolves once their batch waits at the gate.
     */
    async function gatedStore(options: SqliteStoreOptions = {}) {
      const gate = new CommitGate();
      const commits: CommitInfo[] = [];
      const { store } = await openStore({ ...options, commitGate: gate, onCommit: (c) => commits.push(c) });
      const seeded = await seed(store);
      commits.length = 0;
      gate.shut();
      const arrived = gate.arrivals;
      const holdFirst = async (inputs: readonly AppendInput[]) => {
        const acks = inputs.map((input) => store.appendMessage(input));
        await waitUntil('the first batch to reach the gate', () => gate.arrivals > arrived, {
          timeoutMs: undefined,
        });
        return acks;
      };
      return { gate, commits, store, arrived, holdFirst, ...seeded };
    }

    it('gathers the next batch while one is being made durable, then commits it in arrival order', async () => {
      const { gate, commits, store, arrived, holdFirst, draft, roomIds } = await gatedStore();
      const roomId = roomIds[0]!;
      const inputs = Array.from({ length: 9 }, () => draft());
      const acks = await holdFirst(inputs.slice(0, 3));
      // The event loop is free while the writer waits, and readers see only committed rows.
      expect(await store.messagesAfter(roomId, 0, 10)).toEqual([]);
      expect(await store.messagesBefore(roomId, null, 10)).toEqual([]);
      expect((await store.getConversation(roomId))?.lastSeq).toBe(0);
      expect((await store.listUserConversations(inputs[0]!.senderId))[0]?.lastMessage).toBeNull();
      // Sends from two later turns gather behind it.
      acks.push(...inputs.slice(3, 7).map((input) => store.appendMessage(input)));
      await new Promise((resolve) => setImmediate(resolve));
      acks.push(...inputs.slice(7).map((input) => store.appendMessage(input)));
      // One more turn, so that the second turn's sends are posted too before the gate opens: the
      // writer merges the batches waiting when it is done with the first, and a busy machine could
      // otherwise let it finish before this thread posted them.
      await new Promise((resolve) => setImmediate(resolve));
      expect(gate.arrivals).toBe(arrived + 1);

      gate.open();
      const results = await Promise.all(acks);
      expect(commits.map((c) => c.messages)).toEqual([3, 6]);
      expect(results.map((r) => (r.status === 'created' ? r.message.seq : -1))).toEqual(
        inputs.map((_, i) => i + 1),
      );
      expect((await store.messagesAfter(roomId, 0, 10)).map((m) => m.id)).toEqual(inputs.map((i) => i.id));
    });

    it('lets the next batch leave while one is on the disk, so the writer begins it without waiting for the event loop', async () => {
      const { gate, commits, store, arrived, holdFirst, draft } = await gatedStore();
      const inputs = Array.from({ length: 4 }, () => draft());
      const acks = await holdFirst(inputs.slice(0, 1));
      acks.push(...inputs.slice(1).map((input) => store.appendMessage(input)));
      // One turn later the second batch has been posted to the writer.
      await new Promise((resolve) => setImmediate(resolve));
      gate.open();
      // The event loop stays busy here, so it cannot hear of the first commit: the writer reaches
      // the second batch's commit on its own.
      const until = Date.now() + 30_000;
      while (gate.arrivals < arrived + 2 && Date.now() < until);
      expect(gate.arrivals).toBe(arrived + 2);

      const results = await Promise.all(acks);
      expect(commits.map((c) => c.messages)).toEqual([1, 3]);
      expect(results.map((r) => (r.status === 'created' ? r.message.seq : -1))).toEqual([1, 2, 3, 4]);
    });

    it('sends a backlog bigger than maxBatch as several batches in a row, in order', async () => {
      const { gate, commits, store, holdFirst, draft } = await gatedStore({ maxBatch: 4 });
      const inputs = Array.from({ length: 11 }, () => draft());
      const acks = await holdFirst(inputs.slice(0, 1));
      acks.push(...inputs.slice(1).map((input) => store.appendMessage(input)));
      gate.open();
      const results = await Promise.all(acks);
      expect(commits.map((c) => c.messages)).toEqual([1, 4, 4, 2]);
      expect(results.map((r) => (r.status === 'created' ? r.message.seq : -1))).toEqual(
        inputs.map((_, i) => i + 1),
      );
    });

    it('fails every caller when the writer thread dies mid-commit, stores none of it, and refuses further work', async () => {
      const gate = new CommitGate();
      const failures: Error[] = [];
      const { store, dir } = await openStore({ commitGate: gate, onFailure: (e) => failures.push(e) });
      const { draft, roomIds } = await seed(store);
      const roomId = roomIds[0]!;

      gate.shut();
      const arrived = gate.arrivals;
      const committing = Array.from({ length: 5 }, () => store.appendMessage(draft()));
      await waitUntil('the batch to reach the gate', () => gate.arrivals > arrived, { timeoutMs: undefined });
      const gathering = Array.from({ length: 3 }, () => store.appendMessage(draft()));
      gate.crash();

      const settled = await Promise.allSettled([...committing, ...gathering]);
      for (const s of settled)
        expect(s).toMatchObject({ status: 'rejected', reason: { code: 'UNAVAILABLE' } });
      expect(failures).toHaveLength(1);
      await expect(store.appendMessage(draft())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(store.getConversation(roomId)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(store.messagesAfter(roomId, 0, 10)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await store.close();

      const reopened = await createSqliteStore(dir);
      cleanups.push(() => reopened.close());
      expect(await reopened.messagesAfter(roomId, 0, 100)).toEqual([]);
      expect((await reopened.getConversation(roomId))?.lastSeq).toBe(0);
    });
  });

  it('keeps every acked message exactly once, with no gap, when the process is killed mid-burst', async () => {
    const dataDir = await tempDir();
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const setup = new SqliteStore(dataDir);
    await setup.migrate();
    const { user, roomIds } = await seed(setup, 3);
    await setup.close();

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD_SCRIPT, dataDir, user.userId, user.username, ...roomIds],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );

    const sent = new Map<string, number>(); // id -> room index
    const acked = new Map<string, number>(); // id -> seq
    const KILL_AFTER_ACKS = 1_000;
    for await (const line of createInterface({ input: child.stdout })) {
      const [kind, id, value] = line.split(' ');
      if (kind === 'SENT') sent.set(id!, Number(value));
      if (kind === 'ACK') acked.set(id!, Number(value));
      if (acked.size === KILL_AFTER_ACKS) child.kill('SIGKILL');
    }
    const exit = await closed;
    expect(exit, `child exited on its own; stderr:\n${stderr}`).toEqual({ code: null, signal: 'SIGKILL' });
    expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);

    const store = await createSqliteStore(dataDir);
    cleanups.push(() => store.close());
    const storedBefore = await readAll(store, roomIds);
    for (const [id, seq] of acked) expect(storedBefore.get(id)?.seq, `acked ${id}`).toBe(seq);
    for (const id of storedBefore.keys()) expect(sent.has(id), `stored ${id} was never sent`).toBe(true);

    // Clients resend everything they did not see acked, with the same ids.
    const unacked = [...sent].filter(([id]) => !acked.has(id));
    for (const [id, room] of unacked) {
      const result = await store.appendMessage({
        id,
        conversationId: roomIds[room]!,
        senderId: user.userId,
        senderName: user.username,
        text: id,
        typedAt: 1,
      });
      expect(result.status).toBe(storedBefore.has(id) ? 'duplicate' : 'created');
    }
    const storedAfter = await readAll(store, roomIds);
    expect(storedAfter.size).toBe(sent.size);
    for (const [id, seq] of acked) expect(storedAfter.get(id)?.seq).toBe(seq);
    console.log(
      `crash test: ${sent.size} sent, ${acked.size} acked before SIGKILL, ` +
        `${storedBefore.size - acked.size} committed but unacked, ${sent.size - storedBefore.size} lost unacked (resent)`,
    );
  });
});

/** Every message of the rooms by id, after checking each room's seqs run 1..n with no gap or repeat. */
async function readAll(store: Store, roomIds: string[]): Promise<Map<string, Message>> {
  const byId = new Map<string, Message>();
  for (const roomId of roomIds) {
    const messages: Message[] = [];
    for (let page = await store.messagesAfter(roomId, 0, 500); page.length > 0;) {
      messages.push(...page);
      page = await store.messagesAfter(roomId, page.at(-1)!.seq, 500);
    }
    expect(messages.map((m) => m.seq)).toEqual(messages.map((_, i) => i + 1));
    expect((await store.getConversation(roomId))?.lastSeq).toBe(messages.length);
    for (const m of messages) {
      expect(byId.has(m.id), `message ${m.id} stored twice`).toBe(false);
      byId.set(m.id, m);
    }
  }
  return byId;
}
