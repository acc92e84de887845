/** The SQLite writer's search backlog on a real database file, driven as the writer thread drives it. */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { appendBatch } from '../../../server/store/sqlite/appendBatch.js';
import { runMigrations } from '../../../server/store/sqlite/migrations.js';
import { openDatabase } from '../../../server/store/sqlite/openDatabase.js';
import { SearchBacklog, type SearchCadence, YIELD_ROWS } from '../../../server/store/sqlite/searchBacklog.js';
import { prepareStatements } from '../../../server/store/sqlite/statements.js';
import { EARLY_ROOM_SQL } from './support/earlyData.js';

describe('SearchBacklog', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  /** A migrated database with one room, its statements and a backlog over them. */
  async function open(cadence: SearchCadence) {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-backlog-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const db = openDatabase(dir);
    cleanups.push(() => db.close());
    runMigrations(db);
    db.exec(EARLY_ROOM_SQL);
    const q = prepareStatements(db);
    const backlog = new SearchBacklog(db, q, cadence);
    /** Appends `n` messages in one transaction, as a group commit does. */
    const append = (n: number) => {
      const inputs = Array.from({ length: n }, () => ({
        id: randomUUID(),
        conversationId: 'c1',
        senderId: 'u1',
        senderName: 'old',
        text: 'grebe',
        typedAt: 1,
      }));
      db.transaction(() => appendBatch(q, inputs, Date.now(), backlog.mark)).immediate();
    };
    const indexed = () => db.prepare<[], number>('SELECT count(*) FROM message_search').pluck().get()!;
    return { db: db as Database.Database, backlog, append, indexed };
  }

  it('keeps a writer that is never idle at most one chunk past busyAfterRows, a chunk per transaction', async () => {
    const { backlog, append, indexed } = await open({
      idleAfterRows: Infinity,
      idleAfterMs: Infinity,
      busyAfterRows: 10,
      chunk: 4,
    });
    append(9);
    backlog.afterCommit(false);
    expect(indexed()).toBe(0);
    append(3);
    backlog.afterCommit(false);
    expect(indexed()).toBe(4);
    expect(backlog.mark).toBe(4);
    // 8 still wait: under busyAfterRows, and an idle moment is not due either.
    backlog.afterCommit(false);
    backlog.afterCommit(true);
    expect(indexed()).toBe(4);
    append(2);
    backlog.afterCommit(false);
    expect(indexed()).toBe(8);
    backlog.catchUp();
    expect(indexed()).toBe(14);
    expect(backlog.mark).toBe(14);
  });

  it('indexes when idle once idleAfterRows wait, one chunk at a time', async () => {
    const { backlog, append, indexed } = await open({
      idleAfterRows: 5,
      idleAfterMs: Infinity,
      busyAfterRows: Infinity,
      chunk: 3,
    });
    append(4);
    backlog.afterCommit(true);
    expect(indexed()).toBe(0);
    append(3);
    backlog.afterCommit(true);
    expect(indexed()).toBe(3);
    // 4 left: under idleAfterRows until one more comes.
    backlog.afterCommit(true);
    expect(indexed()).toBe(3);
    append(1);
    backlog.afterCommit(true);
    expect(indexed()).toBe(6);
  });

  it('starts from the mark the database holds, with what lies past it counted', async () => {
    const cadence = { idleAfterRows: 3, idleAfterMs: Infinity, busyAfterRows: Infinity, chunk: 100 };
    const { db, backlog, append, indexed } = await open(cadence);
    append(2);
    const again = new SearchBacklog(db, prepareStatements(db), cadence);
    expect(again.mark).toBe(0);
    append(1);
    again.afterCommit(true);
    expect(indexed()).toBe(3);
    expect(again.mark).toBe(3);
    expect(backlog.mark).toBe(0);
  });

  it('ends an idle run for a waiting batch after YIELD_ROWS rows, runs a busy chunk whole, and leaves the connection on FULL', async () => {
    const { db, backlog, append, indexed } = await open({
      idleAfterRows: 1,
      idleAfterMs: Infinity,
      busyAfterRows: 1,
      chunk: 100,
    });
    append(3 * YIELD_ROWS + 2);
    let asked = 0;
    const batchWaits = () => {
      asked++;
      return true;
    };
    backlog.afterCommit(true, batchWaits);
    expect(indexed()).toBe(YIELD_ROWS);
    expect(backlog.mark).toBe(YIELD_ROWS);
    expect(asked).toBe(1);
    // Nobody waits: the run goes to the end, asking every YIELD_ROWS rows.
    asked = 0;
    backlog.afterCommit(true, () => (asked++, false));
    expect(indexed()).toBe(3 * YIELD_ROWS + 2);
    expect(asked).toBe(2);
    append(3 * YIELD_ROWS);
    asked = 0;
    backlog.afterCommit(false, batchWaits);
    expect(indexed()).toBe(6 * YIELD_ROWS + 2);
    expect(asked).toBe(0);
    // Indexing commits without its own fsync; the messages' commits that follow keep theirs.
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
  });
});
