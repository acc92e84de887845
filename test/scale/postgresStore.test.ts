/**
 * The PostgreSQL store: the shared store contract on a real database (a fresh schema per test),
 * plus what only a shared database has to prove: several nodes migrating and appending at once.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { searchWords } from '../../contract/search.js';
import { createPostgresStore } from '../../server/store/postgres/index.js';
import { LATEST_VERSION, MIGRATIONS } from '../../server/store/postgres/migrations.js';
import type { AppendInput, AppendResult, CommitInfo, Store } from '../../server/store/Store.js';
import { describeStoreContract, reopenable } from '../server/store/storeContract.js';
import {
  EARLY_ROOM_SQL,
  expectEarlyMessagesTakeOperations,
  searchIds,
} from '../server/store/support/earlyData.js';
import { PG_URL, adminQuery, freshSchema, uniqueSchemaName, urlWithSchema } from './support/postgres.js';
import { waitUntil } from '../support/wait.js';

describeStoreContract('postgres', async () => {
  const { schema, drop } = await freshSchema();
  return reopenable(
    () => createPostgresStore(PG_URL, { schema }),
    drop,
    async (conversationId) =>
      (
        await adminQuery(`SELECT text, search_terms FROM "${schema}".messages WHERE conversation_id = $1`, [
          conversationId,
        ])
      ).rows.flatMap((r: { text: string; search_terms: string }) => [r.text, r.search_terms]),
  );
});

describe('PostgresStore across nodes', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  async function schemaWithCleanup(): Promise<string> {
    const schema = uniqueSchemaName();
    cleanups.push(() => adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    return schema;
  }

  /**
   * A database in a new schema as the migrations before `migration` left it, with `dataSql` run
   * in it (a server of that version wrote it).
   */
  async function schemaBefore(migration: string, dataSql: string): Promise<string> {
    const schema = await schemaWithCleanup();
    const before = MIGRATIONS.slice(
      0,
      MIGRATIONS.findIndex((m) => m.name === migration),
    );
    await adminQuery(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}";
      ${before.map((m) => m.sql).join(';\n')};
      CREATE TABLE ferry_migrations (version integer PRIMARY KEY, name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now());
      INSERT INTO ferry_migrations (version, name) VALUES ${before.map((m) => `(${m.version}, '${m.name}')`).join(', ')};
      ${EARLY_ROOM_SQL}
      ${dataSql}`);
    return schema;
  }

  async function open(
    schema: string,
    onCommit?: (info: CommitInfo) => void,
    maxBatch?: number,
  ): Promise<Store> {
    const store = await createPostgresStore(PG_URL, { schema, onCommit, maxBatch });
    cleanups.push(() => store.close());
    return store;
  }

  /** Two users in one room, and a draft maker for it. */
  async function seed(store: Store) {
    const people = [0, 1].map(() => ({ userId: randomUUID(), username: `u_${randomUUID().slice(0, 8)}` }));
    for (const p of people) {
      await store.createUser({ id: p.userId, username: p.username, passwordHash: 'h', createdAt: 1 });
    }
    const roomId = randomUUID();
    await store.createRoom({ id: roomId, name: 'room', inviteCode: randomUUID(), createdAt: 1 }, people[0]!);
    await store.addMember(roomId, people[1]!, 1);
    const draft = (who: 0 | 1, id: string = randomUUID()): AppendInput => ({
      id,
      conversationId: roomId,
      senderId: people[who]!.userId,
      senderName: people[who]!.username,
      text: `text ${id}`,
      typedAt: 1,
    });
    return { roomId, people, draft };
  }

  const seqOf = (r: AppendResult): number => (r.status === 'conflict' ? -1 : r.message.seq);

  it('applies each migration exactly once when several nodes start at the same moment', async () => {
    const schema = await schemaWithCleanup();
    const stores = await Promise.all([1, 2, 3, 4].map(() => open(schema)));
    for (const s of stores) expect(await s.migrate()).toBe(LATEST_VERSION);
    const rows = await adminQuery(`SELECT version FROM "${schema}".ferry_migrations ORDER BY version`);
    expect(rows.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('makes the messages a database already holds searchable when search arrives', async () => {
    const schema = await schemaWithCleanup();
    // A database as the first version left it, with messages in it.
    await adminQuery(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}"; ${MIGRATIONS[0]!.sql};
      CREATE TABLE ferry_migrations (version integer PRIMARY KEY, name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now());
      INSERT INTO ferry_migrations (version, name) VALUES (1, 'initial schema');
      INSERT INTO users VALUES ('u1', 'old', 'h', 1);
      INSERT INTO conversations (id, kind, name, invite_code, last_seq, created_at) VALUES ('c1', 'room', 'r', 'i', 1, 1);
      INSERT INTO members (conversation_id, user_id, joined_at) VALUES ('c1', 'u1', 1);
      INSERT INTO messages VALUES ('m1', 'c1', 1, 'u1', 'old', 'Meet at the Harbour-street gate!', 1, 1);`);
    const store = await open(schema);
    const found = await store.searchMessages({ userId: 'u1', terms: searchWords('harbour gat'), limit: 10 });
    expect(found.map((m) => m.id)).toEqual(['m1']);
  });

  it('makes the messages a database already holds entries of kind message that operations can change', async () => {
    const schema = await schemaWithCleanup();
    // A database as the second version left it, with messages in it.
    await adminQuery(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}"; ${MIGRATIONS[0]!.sql};
      ${MIGRATIONS[1]!.sql};
      CREATE TABLE ferry_migrations (version integer PRIMARY KEY, name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now());
      INSERT INTO ferry_migrations (version, name) VALUES (1, 'initial schema'), (2, 'message search');
      ${EARLY_ROOM_SQL}
      INSERT INTO messages VALUES ('m1', 'c1', 1, 'u1', 'old', 'kestrel one', 1, 1, 'kestrel one'),
                                  ('m2', 'c1', 2, 'u1', 'old', 'kestrel two', 1, 2, 'kestrel two');`);
    await expectEarlyMessagesTakeOperations(await open(schema));
  });

  it('keeps the messages a database already holds searchable when the search vector arrives', async () => {
    const schema = await schemaBefore(
      'search vector',
      `INSERT INTO messages (id, conversation_id, seq, sender_id, sender_name, text, typed_at, created_at, search_terms)
        VALUES ('m1', 'c1', 1, 'u1', 'old', 'kestrel one', 1, 1, 'kestrel one'),
               ('m2', 'c1', 2, 'u1', 'old', 'kestrel two', 1, 2, 'kestrel two');`,
    );
    const store = await open(schema);
    expect(await searchIds(store, 'kestrel')).toEqual(['m2', 'm1']);
    const index = await adminQuery(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = 'messages_search_vector'`,
      [schema],
    );
    expect(index.rows).toHaveLength(1);
    await expectEarlyMessagesTakeOperations(store);
  });

  it('stops saving up search index entries in a pending list, merging what an older database had', async () => {
    // Its message waits in the GIN index's pending list (fastupdate, GIN's default).
    const schema = await schemaBefore(
      'search index without a pending list',
      `INSERT INTO messages (id, conversation_id, seq, sender_id, sender_name, text, typed_at, created_at, search_terms)
        VALUES ('m1', 'c1', 1, 'u1', 'old', 'osprey one', 1, 1, 'osprey one');`,
    );
    const options = async () =>
      (
        await adminQuery(
          `SELECT c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = 'messages_search_vector'`,
          [schema],
        )
      ).rows[0]?.reloptions as string[] | null;
    expect((await options()) ?? []).not.toContain('fastupdate=off');
    const store = await open(schema);
    expect((await options()) ?? []).toContain('fastupdate=off');
    expect(await searchIds(store, 'osprey')).toEqual(['m1']);
  });

  it('refuses a database whose schema is newer than this server, with advice', async () => {
    const schema = await schemaWithCleanup();
    await (await open(schema)).close();
    await adminQuery(
      `INSERT INTO "${schema}".ferry_migrations (version, name) VALUES ($1, 'from the future')`,
      [LATEST_VERSION + 5],
    );
    await expect(createPostgresStore(PG_URL, { schema })).rejects.toThrow(/newer than this server.*upgrade/);
  });

  it('gives gapless, unique seqs when several nodes append to one conversation at the same time', async () => {
    const schema = await schemaWithCleanup();
    // Four nodes, one transaction in flight each: small batches make many short transactions
    // that overlap on the conversation row; a large one mixes with them.
    const nodes = [await open(schema, undefined, 1), await open(schema, undefined, 1)];
    nodes.push(await open(schema, undefined, 4), await open(schema, undefined, 64));
    const { roomId, draft } = await seed(nodes[0]!);
    const other = await nodes[0]!.createRoom(
      { id: randomUUID(), name: 'other room', inviteCode: randomUUID(), createdAt: 1 },
      { userId: draft(0).senderId, username: draft(0).senderName },
    );

    // Every 4th message goes to the other room, so batches also lock two conversation rows.
    const inputs = Array.from({ length: 800 }, (_, i) =>
      i % 4 === 3 ? { ...draft(0), conversationId: other.id } : draft(i % 2 ? 1 : 0),
    );
    // All at once: every node has a queue of its own. Every 3rd message is also sent to another
    // node at the same moment (a client retrying through another node before the first ack).
    const results = await Promise.all(
      inputs.flatMap((input, i) => {
        const targets = i % 3 === 0 ? [i % 4, (i + 1) % 4] : [i % 4];
        return targets.map(async (n) => [input.id, await nodes[n]!.appendMessage(input)] as const);
      }),
    );

    const seqById = new Map<string, number>();
    let createdCount = 0;
    for (const [id, r] of results) {
      expect(r.status).not.toBe('conflict');
      if (r.status === 'created') createdCount++;
      const known = seqById.get(id);
      if (known === undefined) seqById.set(id, seqOf(r));
      else expect(seqOf(r), `both copies of ${id} report one seq`).toBe(known);
    }
    expect(createdCount).toBe(inputs.length);

    // What the database holds: per conversation, seqs 1..n once each, every id once, last_seq = n.
    const rows = await adminQuery(
      `SELECT c.id, c.last_seq::int, count(m.id)::int AS n, count(DISTINCT m.seq)::int AS seqs,
              count(DISTINCT m.id)::int AS ids, min(m.seq)::int AS first, max(m.seq)::int AS last
         FROM "${schema}".conversations c LEFT JOIN "${schema}".messages m ON m.conversation_id = c.id
        GROUP BY c.id, c.last_seq`,
    );
    const expected = (id: string) => inputs.filter((m) => m.conversationId === id).length;
    const byRoom = new Map(rows.rows.map((r) => [r.id as string, r]));
    for (const id of [roomId, other.id]) {
      const n = expected(id);
      expect(byRoom.get(id)).toMatchObject({ last_seq: n, n, seqs: n, ids: n, first: 1, last: n });
    }
    // And each ack names the seq the database stored.
    for (const id of [roomId, other.id]) {
      for (const m of await nodes[3]!.messagesAfter(id, 0, 1000)) expect(m.seq).toBe(seqById.get(m.id));
    }
  });

  it('keeps per-sender order within a node: appends made in order get seqs in that order', async () => {
    const schema = await schemaWithCleanup();
    const [nodeA, nodeB] = [await open(schema), await open(schema)];
    const { draft } = await seed(nodeA);
    const fromA = Array.from({ length: 200 }, () => draft(0));
    const fromB = Array.from({ length: 200 }, () => draft(1));
    const [a, b] = await Promise.all([
      Promise.all(fromA.map((d) => nodeA.appendMessage(d))),
      Promise.all(fromB.map((d) => nodeB.appendMessage(d))),
    ]);
    for (const seqs of [a.map(seqOf), b.map(seqOf)]) {
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    }
  });

  it('commits concurrent appends in shared transactions and acks none before its commit', async () => {
    const schema = await schemaWithCleanup();
    const commits: (CommitInfo & { ackedBefore: number })[] = [];
    let acked = 0;
    const store = await open(schema, (info) => commits.push({ ...info, ackedBefore: acked }));
    const { draft } = await seed(store);
    commits.length = 0;
    const inputs = Array.from({ length: 300 }, () => draft(0));
    await Promise.all(inputs.map((d) => store.appendMessage(d).then(() => acked++)));
    expect(commits.length).toBeGreaterThanOrEqual(1);
    expect(commits.length).toBeLessThan(300);
    expect(commits.reduce((n, c) => n + c.messages, 0)).toBe(300);
    let committed = 0;
    for (const c of commits) {
      expect(c.ackedBefore).toBe(committed);
      committed += c.messages;
    }
  });

  it('commits a batch of plain messages as one statement, and any other batch in a transaction block', async () => {
    const store = await open(await schemaWithCleanup());
    const { roomId, people, draft } = await seed(store);
    const first = await store.appendMessage(draft(0));
    const query = vi.spyOn(pg.Client.prototype, 'query');
    cleanups.push(async () => query.mockRestore());
    /** The statements the store sent since the last mockClear (their SQL). */
    const statements = () =>
      query.mock.calls.map(([q]) => (typeof q === 'string' ? q : (q as pg.QueryConfig).text).trim());
    const ONE_STATEMENT_APPEND = /^WITH v AS [\s\S]*FOR UPDATE[\s\S]*INSERT INTO messages/;

    const plainDrafts = [draft(0), draft(1), { ...draft(0), senderMustBeMember: true }];
    const plain = await Promise.all(plainDrafts.map((d) => store.appendMessage(d)));
    expect(plain.map(seqOf)).toEqual([2, 3, 4]);
    expect(statements()).toHaveLength(1);
    expect(statements()[0]).toMatch(ONE_STATEMENT_APPEND);
    // Prepared by name: planned once per connection, not at every commit.
    expect(query.mock.calls[0]![0]).toMatchObject({ name: 'ferry-append-plain' });

    query.mockClear();
    const mixed = await Promise.all([
      store.appendMessage(draft(1)),
      store.appendMessage({ ...draft(1), replyTo: first.status === 'created' ? first.message.id : '' }),
    ]);
    expect(mixed.map(seqOf)).toEqual([5, 6]);
    expect(statements()[0]).toBe('BEGIN');
    expect(statements().at(-1)).toBe('COMMIT');

    // Plain in shape with a resend of a stored message: the primary key refuses the statement
    // whole, and the transaction that follows answers the resend as its duplicate.
    query.mockClear();
    const resent = await Promise.all([store.appendMessage(draft(0)), store.appendMessage(plainDrafts[1]!)]);
    expect(resent[0]).toMatchObject({ status: 'created', message: { seq: 7 } });
    expect(resent[1]).toMatchObject({ status: 'duplicate', message: { id: plainDrafts[1]!.id, seq: 3 } });
    expect(statements()[0]).toMatch(ONE_STATEMENT_APPEND);
    expect(statements()[1]).toBe('BEGIN');

    // Plain in shape, but one sender has left: nothing of the statement stays, and each input gets
    // its own answer from the transaction that follows it.
    await store.removeMember(roomId, people[1]!.userId);
    query.mockClear();
    const settled = await Promise.allSettled([
      store.appendMessage({ ...draft(0), senderMustBeMember: true }),
      store.appendMessage({ ...draft(1), senderMustBeMember: true }),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected']);
    expect(statements()[0]).toMatch(ONE_STATEMENT_APPEND);
    expect(statements()[1]).toBe('BEGIN');
    expect((await store.messagesAfter(roomId, 0, 10)).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  /**
   * Another node's transaction that holds the conversation and appends `message` to it as seq 1
   * (every entry bumps the conversation's last seq); `commitOnceWaitedFor` commits it only once
   * a batch of this node waits on it.
   */
  async function otherNodeAppending(schema: string, roomId: string, message: AppendInput) {
    const other = new pg.Client({ connectionString: urlWithSchema(schema) });
    await other.connect();
    cleanups.push(() => other.end());
    await other.query('BEGIN');
    await other.query('SELECT id FROM conversations WHERE id = $1 FOR UPDATE', [roomId]);
    await other.query(
      `INSERT INTO messages (id, conversation_id, seq, sender_id, sender_name, kind, text, deleted, typed_at, created_at, search_terms)
       VALUES ($1, $2, 1, $3, $4, 'message', $5, false, 1, 1, '')`,
      [message.id, roomId, message.senderId, message.senderName, message.text],
    );
    await other.query('UPDATE conversations SET last_seq = 1 WHERE id = $1', [roomId]);
    const otherPid = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    return {
      async commitOnceWaitedFor(): Promise<void> {
        await waitUntil('the batch waiting for the conversation', async () => {
          const { rows } = await adminQuery(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
            [otherPid],
          );
          return (rows[0] as { n: number }).n > 0;
        });
        await other.query('COMMIT');
      },
    };
  }

  it('sees what another node committed to the conversation while its batch waited for it', async () => {
    const schema = await schemaWithCleanup();
    const store = await open(schema);
    const { roomId, draft } = await seed(store);
    const theirs = draft(1);
    const other = await otherNodeAppending(schema, roomId, theirs);

    // A reply to that message, read by this batch only after the lock: it must find it.
    const reply = store.appendMessage({ ...draft(0), replyTo: theirs.id });
    reply.catch(() => undefined);
    await other.commitOnceWaitedFor();
    const result = await reply;
    expect(result.status).toBe('created');
    expect(seqOf(result)).toBe(2);
  });

  it('answers a resend as a duplicate when another node committed it while this batch waited for the conversation', async () => {
    const schema = await schemaWithCleanup();
    const store = await open(schema);
    const { roomId, draft } = await seed(store);
    // The same message reached both nodes (a resend); this node's batch waits for the other's
    // commit, then must find it (the lock's wait came after the batch's statement began).
    const resent = draft(1);
    const other = await otherNodeAppending(schema, roomId, resent);

    const batch = Promise.all([store.appendMessage(draft(0)), store.appendMessage(resent)]);
    batch.catch(() => undefined);
    await other.commitOnceWaitedFor();
    const [mine, again] = await batch;
    expect(mine).toMatchObject({ status: 'created', message: { seq: 2 } });
    expect(again).toMatchObject({ status: 'duplicate', message: { id: resent.id, seq: 1 } });
    expect((await store.messagesAfter(roomId, 0, 10)).map((m) => m.seq)).toEqual([1, 2]);
  });

  it('refuses, in the commit, the entries of senders that must be members and are not, without using up a seq', async () => {
    const store = await open(await schemaWithCleanup());
    const { roomId, people, draft } = await seed(store);
    const stranger = { userId: randomUUID(), username: `u_${randomUUID().slice(0, 8)}` };
    await store.createUser({
      id: stranger.userId,
      username: stranger.username,
      passwordHash: 'h',
      createdAt: 1,
    });
    const strangers = (): AppendInput => ({
      ...draft(0),
      senderId: stranger.userId,
      senderName: stranger.username,
      senderMustBeMember: true,
    });
    await store.removeMember(roomId, people[1]!.userId);
    // One tick: members and non-members share a batch, each gets its own answer.
    const settled = await Promise.allSettled([
      store.appendMessage({ ...draft(0), senderMustBeMember: true }),
      store.appendMessage(strangers()),
      store.appendMessage({ ...draft(1), senderMustBeMember: true }), // has left
      store.appendMessage({ ...draft(0), conversationId: randomUUID(), senderMustBeMember: true }),
      store.appendMessage({ ...draft(0), senderMustBeMember: true }),
    ]);
    expect(store.checksMembershipOnAppend).toBe(true);
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    for (const refused of [settled[1], settled[2], settled[3]])
      expect(refused).toMatchObject({ status: 'rejected', reason: { code: 'FORBIDDEN' } });
    expect((await store.messagesAfter(roomId, 0, 10)).map((m) => [m.seq, m.senderId])).toEqual([
      [1, people[0]!.userId],
      [2, people[0]!.userId],
    ]);
  });

  it('fails only the bad input of a batch, without using up a seq', async () => {
    const store = await open(await schemaWithCleanup());
    const { roomId, draft } = await seed(store);
    const settled = await Promise.allSettled([
      store.appendMessage(draft(0)),
      store.appendMessage({ ...draft(0), senderId: randomUUID() }), // no such user
      store.appendMessage({ ...draft(0), text: 'nul \u0000 inside' }), // PostgreSQL text cannot hold it
      store.appendMessage(draft(1)),
    ]);
    expect(settled[0]).toMatchObject({ status: 'fulfilled', value: { message: { seq: 1 } } });
    expect(settled[1]).toMatchObject({
      status: 'rejected',
      reason: { code: 'INTERNAL', cause: { code: '23503' } },
    });
    expect(settled[2]).toMatchObject({ status: 'rejected', reason: { code: 'BAD_REQUEST' } });
    expect(settled[3]).toMatchObject({ status: 'fulfilled', value: { message: { seq: 2 } } });
    expect((await store.messagesAfter(roomId, 0, 10)).map((m) => m.seq)).toEqual([1, 2]);
  });

  it('rejects every append of a batch whose connection dies with UNAVAILABLE, and stores none of them', async () => {
    const schema = await schemaWithCleanup();
    const store = await open(schema);
    const { roomId, draft } = await seed(store);

    // Another session holds the conversation row, so the batch waits on its lock; then the
    // batch's backend is terminated, as when PostgreSQL restarts mid-transaction.
    const pg = await import('pg');
    const holder = new pg.default.Client({ connectionString: PG_URL });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM "${schema}".conversations WHERE id = $1 FOR UPDATE`, [roomId]);

    const inputs = Array.from({ length: 10 }, () => draft(0));
    const settled = Promise.allSettled(inputs.map((d) => store.appendMessage(d)));
    const waiting = async () =>
      (
        await adminQuery(
          `SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%' AND pid <> $1`,
          [(await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid],
        )
      ).rows as { pid: number }[];
    let blocked: { pid: number }[] = [];
    for (let i = 0; i < 500 && blocked.length === 0; i++) {
      blocked = await waiting();
      if (blocked.length === 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(blocked.length, 'the batch is waiting for the row lock').toBeGreaterThan(0);
    for (const { pid } of blocked) await adminQuery('SELECT pg_terminate_backend($1)', [pid]);

    for (const s of await settled)
      expect(s).toMatchObject({ status: 'rejected', reason: { code: 'UNAVAILABLE' } });
    await holder.query('ROLLBACK');
    expect(await store.messagesAfter(roomId, 0, 100)).toEqual([]);
    const retried = await Promise.all(inputs.map((d) => store.appendMessage(d)));
    expect(retried.map(seqOf)).toEqual(inputs.map((_, i) => i + 1));
  });

  it('commits queued appends on close, then refuses new work with UNAVAILABLE', async () => {
    const schema = await schemaWithCleanup();
    const store = await open(schema);
    const { roomId, draft } = await seed(store);
    const pending = Array.from({ length: 5 }, () => store.appendMessage(draft(0)));
    await store.close();
    await store.close();
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual(Array(5).fill('created'));
    await expect(store.appendMessage(draft(0))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(store.getConversation(roomId)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const reopened = await open(schema);
    expect((await reopened.messagesAfter(roomId, 0, 10)).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
  });
});
