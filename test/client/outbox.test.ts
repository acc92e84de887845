/**
 * The outbox drain (outbox/queue.ts) over fake-indexeddb, with a scripted transport and an
 * injected clock and randomness: typing order per conversation, a backing-off entry holding back
 * its conversation's later entries (and only those), operations following their message, and an
 * operation on a message refused for good failing without being sent.
 */
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  MAX_PAYLOAD_BYTES,
  MESSAGE_TEXT_MAX,
  SEND_BATCH_MAX,
  type Ack,
  type Message,
  type SendResult,
  type WireError,
} from '../../contract/index';
import { openFerryDb, type FerryDb, type OutboxEntry } from '../../localdb/index';
import {
  drainOutbox,
  enqueue,
  enqueueAdded,
  listEntries,
  sendAlone,
  withdraw,
  TARGET_NOT_SENT,
  type OutboxAction,
  type OutboxTransport,
} from '../../outbox/index';
import { saveRooms } from './support/localDb';

const ME = 'u-me';
let db: FerryDb;
let dbCount = 0;
let clock = 1_000_000;

beforeEach(async () => {
  db = await openFerryDb(`outbox-test-${++dbCount}`);
  // The user is in the conversations the entries go to: the device keeps no entry of one it left.
  await saveRooms(db, 'a', 'b');
  clock = 1_000_000;
});
afterEach(() => db.close());

/** The server's stored copy of a sent entry (seqs per conversation, in the order sent). */
function storedAs(entry: OutboxEntry, seq: number): Message {
  return {
    id: entry.id,
    conversationId: entry.conversationId,
    seq,
    senderId: entry.senderId,
    senderName: 'me',
    kind: entry.kind ?? 'message',
    text: entry.text,
    replyTo: entry.replyTo ?? null,
    targetId: entry.targetId ?? null,
    emoji: entry.emoji ?? null,
    reactionOn: entry.on ?? null,
    editedAt: null,
    deleted: false,
    reactions: [],
    attachment: null,
    typedAt: entry.typedAt,
    createdAt: clock,
  };
}

/**
 * A server that accepts everything, except what `refuse` answers with an error. `sent` lists the
 * texts (or kind:target) of every send attempt, in order.
 */
function server(refuse: (entry: OutboxEntry) => WireError | undefined = () => undefined) {
  const sent: string[] = [];
  const seqs = new Map<string, number>();
  /** What it stored, by id: a resend gets the original back (the server dedupes by id). */
  const stored = new Map<string, Message>();
  const transport: OutboxTransport = {
    send: async (entry): Promise<Ack<SendResult>> => {
      sent.push(label(entry));
      const error = refuse(entry);
      if (error) return { ok: false, error };
      const original = stored.get(entry.id);
      if (original) return { ok: true, message: original, duplicate: true };
      const seq = (seqs.get(entry.conversationId) ?? 0) + 1;
      seqs.set(entry.conversationId, seq);
      const message = storedAs(entry, seq);
      stored.set(entry.id, message);
      return { ok: true, message, duplicate: false };
    },
  };
  return { transport, sent, stored };
}

function label(entry: OutboxEntry): string {
  return (entry.kind ?? 'message') === 'message' ? entry.text : `${entry.kind}:${entry.targetId}`;
}

async function type(input: OutboxAction & { conversationId: string }): Promise<OutboxEntry> {
  return enqueue(db, { ...input, senderId: ME });
}

const drain = (transport: OutboxTransport) =>
  drainOutbox(db, transport, { senderId: ME, now: () => clock, random: () => 0 });

const UNAVAILABLE: WireError = { code: ErrorCode.UNAVAILABLE, message: 'try later' };
const FORBIDDEN: WireError = { code: ErrorCode.FORBIDDEN, message: 'no' };

describe('drainOutbox', () => {
  it('sends every entry in typing order and empties the outbox', async () => {
    await type({ conversationId: 'a', text: 'a1' });
    await type({ conversationId: 'b', text: 'b1' });
    await type({ conversationId: 'a', text: 'a2' });
    const { transport, sent } = server();
    const report = await drain(transport);
    expect(sent).toEqual(['a1', 'b1', 'a2']);
    expect(report).toMatchObject({ sent: 3, failed: 0, retrying: 0, offline: false, nextAttemptAt: null });
    expect(await listEntries(db, ME)).toEqual([]);
    expect((await db.getAll('messages')).map((m) => m.text).sort()).toEqual(['a1', 'a2', 'b1']);
  });

  it('holds back the later entries of a conversation whose entry backs off, not other conversations', async () => {
    await type({ conversationId: 'a', text: 'a1' });
    await type({ conversationId: 'a', text: 'a2' });
    await type({ conversationId: 'b', text: 'b1' });
    let flaky = true;
    const { transport, sent } = server((entry) => (flaky && entry.text === 'a1' ? UNAVAILABLE : undefined));

    const first = await drain(transport);
    expect(sent).toEqual(['a1', 'b1']);
    // Backoff with random() = 0: half of the first delay (1 s).
    expect(first).toMatchObject({ sent: 1, retrying: 1, nextAttemptAt: clock + 500 });
    const waiting = await listEntries(db, ME);
    expect(waiting.map((e) => [e.text, e.attempts, e.error?.code])).toEqual([
      ['a1', 1, ErrorCode.UNAVAILABLE],
      ['a2', 0, undefined],
    ]);

    // Not due yet: nothing is sent, not even a2 behind it.
    clock += 499;
    await drain(transport);
    expect(sent).toEqual(['a1', 'b1']);

    flaky = false;
    clock += 1;
    const second = await drain(transport);
    expect(sent).toEqual(['a1', 'b1', 'a1', 'a2']);
    expect(second).toMatchObject({ sent: 2, retrying: 0, nextAttemptAt: null });
  });

  it('waits at least as long as the server asks', async () => {
    await type({ conversationId: 'a', text: 'a1' });
    const { transport } = server(() => ({ ...UNAVAILABLE, retryAfterMs: 7_000 }));
    expect((await drain(transport)).nextAttemptAt).toBe(clock + 7_000);
  });

  it('sends an operation after the message it changes, even a message of the same drain', async () => {
    const message = await type({ conversationId: 'a', text: 'hello' });
    await type({ conversationId: 'a', kind: 'reaction', targetId: message.id, emoji: '👍', on: true });
    await type({ conversationId: 'a', kind: 'edit', targetId: message.id, text: 'hello!' });
    const { transport, sent } = server();
    await drain(transport);
    expect(sent).toEqual(['hello', `reaction:${message.id}`, `edit:${message.id}`]);
  });

  it('fails the operations on a message refused for good without sending them; the conversation goes on', async () => {
    const message = await type({ conversationId: 'a', text: 'refused' });
    await type({ conversationId: 'a', kind: 'edit', targetId: message.id, text: 'changed' });
    await type({ conversationId: 'a', text: 'later' });
    const { transport, sent } = server((entry) => (entry.text === 'refused' ? FORBIDDEN : undefined));
    const report = await drain(transport);
    expect(sent).toEqual(['refused', 'later']);
    expect(report).toMatchObject({ sent: 1, failed: 2 });
    const left = await listEntries(db, ME);
    expect(left.map((e) => [label(e), e.state, e.error])).toEqual([
      ['refused', 'failed', FORBIDDEN],
      [`edit:${message.id}`, 'failed', TARGET_NOT_SENT],
    ]);
  });

  it('counts each operation on a message refused for good once, however many wait in the same drain', async () => {
    const message = await type({ conversationId: 'a', text: 'refused' });
    await type({ conversationId: 'a', kind: 'edit', targetId: message.id, text: 'changed' });
    await type({ conversationId: 'a', kind: 'reaction', targetId: message.id, emoji: '👍', on: true });
    await type({ conversationId: 'a', kind: 'delete', targetId: message.id });
    const { transport, sent } = server((entry) => (entry.text === 'refused' ? FORBIDDEN : undefined));
    const report = await drain(transport);
    expect(sent).toEqual(['refused']);
    // The message and its three operations: four entries failed, each counted once.
    expect(report).toMatchObject({ sent: 0, failed: 4, retrying: 0 });
    const left = await listEntries(db, ME);
    expect(left.map((e) => e.state)).toEqual(['failed', 'failed', 'failed', 'failed']);
  });

  it('fails an operation queued later on a message that already failed, without sending it', async () => {
    const message = await type({ conversationId: 'a', text: 'refused' });
    const { transport, sent } = server((entry) => (entry.text === 'refused' ? FORBIDDEN : undefined));
    await drain(transport);
    await type({ conversationId: 'a', kind: 'delete', targetId: message.id });
    const report = await drain(transport);
    expect(sent).toEqual(['refused']);
    expect(report).toMatchObject({ sent: 0, failed: 1 });
  });

  it('stops at once when the server cannot be reached, leaving the entry as it was', async () => {
    await type({ conversationId: 'a', text: 'a1' });
    await type({ conversationId: 'b', text: 'b1' });
    const sent: string[] = [];
    const offline: OutboxTransport = {
      send: async (entry) => {
        sent.push(entry.text);
        throw new Error('offline');
      },
    };
    const report = await drain(offline);
    expect(report.offline).toBe(true);
    expect(sent).toEqual(['a1']);
    expect((await listEntries(db, ME)).map((e) => [e.text, e.attempts, e.state])).toEqual([
      ['a1', 0, 'queued'],
      ['b1', 0, 'queued'],
    ]);
  });

  it('sends only the signed-in account’s entries', async () => {
    await enqueue(db, { conversationId: 'a', text: 'theirs', senderId: 'u-other' });
    await type({ conversationId: 'a', text: 'mine' });
    const { transport, sent } = server();
    await drain(transport);
    expect(sent).toEqual(['mine']);
    expect((await listEntries(db, 'u-other')).map((e) => e.text)).toEqual(['theirs']);
  });
});

/** Errors the server gives an entry inside the commit: the batch goes on after them. */
const IN_COMMIT = new Set<string>([ErrorCode.ID_CONFLICT, ErrorCode.MESSAGE_NOT_FOUND]);

/**
 * The same scripted server with message:send-batch answered as the real one answers it: each
 * entry in order, stopping after the first refused before it could be stored (any error but
 * IN_COMMIT's); `commitFails` makes the batch's commit fail, answering each entry it held with
 * that error. `batches` lists each batch's labels.
 */
function batchingServer(
  refuse: (entry: OutboxEntry) => WireError | undefined = () => undefined,
  commitFails: () => WireError | undefined = () => undefined,
) {
  const base = server(refuse);
  const batches: string[][] = [];
  const transport: OutboxTransport = {
    ...base.transport,
    sendBatch: async (entries) => {
      batches.push(entries.map(label));
      const failed = commitFails();
      const results: Ack<SendResult>[] = [];
      for (const entry of entries) {
        const early = refuse(entry);
        if (early && !IN_COMMIT.has(early.code)) {
          base.sent.push(label(entry));
          results.push({ ok: false, error: early });
          break;
        }
        results.push(failed ? { ok: false, error: failed } : await base.transport.send(entry));
      }
      return { ok: true, results };
    },
  };
  return { ...base, transport, batches };
}

describe('drainOutbox with batches', () => {
  it('sends the queue as batches in typing order, at most SEND_BATCH_MAX entries each', async () => {
    const texts = Array.from({ length: SEND_BATCH_MAX + 10 }, (_, i) => `${i % 3 ? 'a' : 'b'}${i}`);
    for (const text of texts) await type({ conversationId: text[0]!, text });
    const { transport, batches, sent } = batchingServer();
    const report = await drain(transport);
    expect(batches.map((b) => b.length)).toEqual([SEND_BATCH_MAX, 10]);
    expect(batches.flat()).toEqual(texts);
    expect(sent).toEqual(texts);
    expect(report).toMatchObject({ sent: texts.length, failed: 0, retrying: 0 });
    expect(await listEntries(db, ME)).toEqual([]);
  });

  it('starts a new batch before the payload limit', async () => {
    // Three texts of MESSAGE_TEXT_MAX three-byte characters: about 12 KB each, so five fit in
    // 64 KB and the sixth starts the next batch.
    const long = (n: number) => `${n}${'語'.repeat(MESSAGE_TEXT_MAX - 1)}`;
    for (let n = 0; n < 6; n++) await type({ conversationId: 'a', text: long(n) });
    const { transport, batches } = batchingServer();
    await drain(transport);
    expect(batches.map((b) => b.length)).toEqual([5, 1]);
    for (const batch of batches) {
      const bytes = new TextEncoder().encode(JSON.stringify({ entries: batch })).length;
      expect(bytes).toBeLessThan(MAX_PAYLOAD_BYTES);
    }
  });

  it('holds the conversation of an entry the server did not try, sending it next pass in its place', async () => {
    // b1 is refused in the first batch: a2…a{max-1} are not tried, and the a-entries of the
    // second batch must not overtake them.
    const texts = ['a0', 'b1', ...Array.from({ length: SEND_BATCH_MAX + 5 }, (_, i) => `a${i + 2}`), 'b2'];
    for (const text of texts) await type({ conversationId: text[0]!, text });
    let limited = true;
    const { transport, batches, stored } = batchingServer((entry) =>
      limited && entry.text === 'b1' ? { ...UNAVAILABLE, retryAfterMs: 5_000 } : undefined,
    );
    const first = await drain(transport);
    expect(batches[0]).toEqual(texts.slice(0, SEND_BATCH_MAX));
    // The next pass starts again from a2, in typing order; b waits for b1's backoff.
    expect(batches.slice(1).flat()).toEqual(texts.filter((t) => t.startsWith('a')).slice(1));
    expect(first).toMatchObject({ retrying: 1, nextAttemptAt: clock + 5_000 });
    expect((await listEntries(db, ME)).map((e) => [e.text, e.attempts])).toEqual([
      ['b1', 1],
      ['b2', 0],
    ]);

    limited = false;
    clock += 5_000;
    await drain(transport);
    expect(batches.at(-1)).toEqual(['b1', 'b2']);
    for (const conversation of ['a', 'b']) {
      const seqs = texts
        .filter((t) => t.startsWith(conversation))
        .map((text) => [...stored.values()].find((m) => m.text === text)?.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
  });

  it('backs off only the first entry of each conversation when the batch’s commit fails', async () => {
    for (const text of ['a1', 'a2', 'b1']) await type({ conversationId: text[0]!, text });
    let failing = true;
    const { transport, sent } = batchingServer(undefined, () => (failing ? UNAVAILABLE : undefined));
    const report = await drain(transport);
    expect(report).toMatchObject({ sent: 0, retrying: 2, failed: 0 });
    expect((await listEntries(db, ME)).map((e) => [e.text, e.attempts, e.state])).toEqual([
      ['a1', 1, 'queued'],
      ['a2', 0, 'queued'],
      ['b1', 1, 'queued'],
    ]);
    expect(sent).toEqual([]);
    failing = false;
    clock += 60_000;
    await drain(transport);
    expect(sent).toEqual(['a1', 'a2', 'b1']);
    expect(await listEntries(db, ME)).toEqual([]);
  });

  it('fails an operation answered in the same batch as its refused message once, with the message', async () => {
    const message = await type({ conversationId: 'a', text: 'taken id' });
    await type({ conversationId: 'a', kind: 'edit', targetId: message.id, text: 'changed' });
    await type({ conversationId: 'a', text: 'later' });
    const conflict: WireError = { code: ErrorCode.ID_CONFLICT, message: 'id used' };
    const { transport, batches, sent } = batchingServer((entry) =>
      entry.text === 'taken id' ? conflict : entry.kind === 'edit' ? TARGET_NOT_SENT : undefined,
    );
    const report = await drain(transport);
    expect(batches).toEqual([['taken id', `edit:${message.id}`, 'later']]);
    expect(sent).toEqual(['taken id', `edit:${message.id}`, 'later']);
    expect(report).toMatchObject({ sent: 1, failed: 2, retrying: 0 });
    expect((await listEntries(db, ME)).map((e) => [label(e), e.state, e.error?.code])).toEqual([
      ['taken id', 'failed', ErrorCode.ID_CONFLICT],
      [`edit:${message.id}`, 'failed', TARGET_NOT_SENT.code],
    ]);
  });

  it('sends entry by entry, and no more batches, when the server does not know batches', async () => {
    const texts = Array.from({ length: SEND_BATCH_MAX + 2 }, (_, i) => `${i % 2 ? 'a' : 'b'}${i}`);
    for (const text of texts) await type({ conversationId: text[0]!, text });
    const { transport: single, sent } = server();
    let batchCalls = 0;
    const transport: OutboxTransport = {
      ...single,
      sendBatch: async () => {
        batchCalls++;
        return { ok: false, error: { code: ErrorCode.UNKNOWN_EVENT, message: 'unknown' } };
      },
    };
    const report = await drain(transport);
    expect(batchCalls).toBe(1);
    expect(sent).toEqual(texts);
    expect(report).toMatchObject({ sent: texts.length, failed: 0 });
  });

  it('stops when the batch cannot reach the server, leaving every entry as it was', async () => {
    for (const text of ['a1', 'b1']) await type({ conversationId: text[0]!, text });
    const { transport: single } = server();
    const transport: OutboxTransport = {
      ...single,
      sendBatch: async () => {
        throw new Error('offline');
      },
    };
    const report = await drain(transport);
    expect(report.offline).toBe(true);
    expect((await listEntries(db, ME)).map((e) => [e.text, e.attempts, e.state])).toEqual([
      ['a1', 0, 'queued'],
      ['b1', 0, 'queued'],
    ]);
  });
});

describe('sendAlone (a Send goes out at once, outside the drain)', () => {
  const options = { senderId: ME, now: () => clock };
  const typeAdded = (input: OutboxAction & { conversationId: string }) =>
    enqueueAdded(db, { ...input, senderId: ME });

  it('sends an entry queued alone in its conversation at once and stores its ack', async () => {
    await type({ conversationId: 'b', text: 'other conversation' });
    const added = await typeAdded({ conversationId: 'a', text: 'a1' });
    expect(added.alone).toBe(true);
    const { transport, sent } = server();
    expect(await sendAlone(db, transport, added, options)).toBe(true);
    expect(sent).toEqual(['a1']);
    expect((await listEntries(db, ME)).map((e) => e.text)).toEqual(['other conversation']);
    expect((await db.get('messages', added.entry.id))?.seq).toBe(1);
  });

  it('leaves an entry queued behind another of its conversation to the drain, which keeps the order', async () => {
    await type({ conversationId: 'a', text: 'a1' });
    const added = await typeAdded({ conversationId: 'a', text: 'a2' });
    expect(added.alone).toBe(false);
    const { transport, sent } = server();
    expect(await sendAlone(db, transport, added, options)).toBe(false);
    expect(sent).toEqual([]);
    await drain(transport);
    expect(sent).toEqual(['a1', 'a2']);
  });

  it('leaves an entry the server did not accept queued as it was, for the drain', async () => {
    const added = await typeAdded({ conversationId: 'a', text: 'a1' });
    let flaky = true;
    const { transport, sent } = server(() => (flaky ? UNAVAILABLE : undefined));
    expect(await sendAlone(db, transport, added, options)).toBe(false);
    expect((await listEntries(db, ME)).map((e) => [e.text, e.state, e.attempts])).toEqual([
      ['a1', 'queued', 0],
    ]);
    flaky = false;
    await drain(transport);
    expect(sent).toEqual(['a1', 'a1']);
    expect(await listEntries(db, ME)).toEqual([]);
  });

  it('stores an entry sent at once and by a drain at the same time once, and deletes nothing', async () => {
    const added = await typeAdded({ conversationId: 'a', text: 'a1' });
    const { transport, sent } = server();
    await Promise.all([sendAlone(db, transport, added, options), drain(transport)]);
    expect(sent).toEqual(['a1', 'a1']);
    expect(await listEntries(db, ME)).toEqual([]);
    expect((await db.getAll('messages')).map((m) => [m.text, m.seq])).toEqual([['a1', 1]]);
    // Nothing was taken for a message withdrawn while on its way: no deletion is sent.
    await drain(transport);
    expect(sent).toEqual(['a1', 'a1']);
  });
});

describe('acks of a drain', () => {
  it('deletes, with an operation, a message withdrawn while it was on its way', async () => {
    const message = await type({ conversationId: 'a', text: 'oops' });
    const { transport: accepting, sent } = server();
    const transport: OutboxTransport = {
      send: async (entry) => {
        if (entry.id === message.id) await withdraw(db, 'a', message.id);
        return accepting.send(entry);
      },
    };
    await drain(transport);
    expect(sent).toEqual(['oops', `delete:${message.id}`]);
    expect(await listEntries(db, ME)).toEqual([]);
  });

  it('stores a long replay in typing order, every entry once', async () => {
    const typed: string[] = [];
    for (let i = 0; i < 60; i++) typed.push((await type({ conversationId: 'a', text: `m${i}` })).text);
    const { transport, sent } = server();
    await drain(transport);
    expect(sent).toEqual(typed);
    const stored = (await db.getAll('messages')).sort((x, y) => x.seq - y.seq);
    expect(stored.map((m) => m.text)).toEqual(typed);
    expect(await listEntries(db, ME)).toEqual([]);
  });
});
