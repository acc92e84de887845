/**
 * The hub's unsent count (shared-worker/outboxCount.ts) over fake-indexeddb: it counts the
 * signed-in account's entries only, and a burst of refreshes reads the outbox twice, not per call;
 * it stays true while a drain of many entries acknowledges them and after it, and on a device whose
 * outbox was written before the sender index existed.
 */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { plainMessageFields, type Ack, type SendResult, type User } from '../../contract/index';
import { openFerryDb, type OutboxEntry } from '../../localdb/index';
import { drainOutbox, enqueue, nextOrder, queuedEntry, type OutboxTransport } from '../../outbox/index';
import { OutboxCount } from '../../shared-worker/outboxCount';

describe('OutboxCount', () => {
  it('counts the signed-in account’s entries; a burst of refreshes shares one more recount', async () => {
    const db = await openFerryDb('outbox-count-test');
    await enqueue(db, { conversationId: 'a', text: 'mine', senderId: 'u-me' });
    await enqueue(db, { conversationId: 'a', text: 'theirs', senderId: 'u-other' });
    let me: User | null = { id: 'u-me', username: 'me' };
    let counts = 0;
    const count = new OutboxCount({ getDb: async () => db, me: () => me, counted: () => counts++ });

    await Promise.all([count.refresh(), count.refresh(), count.refresh(), count.refresh()]);
    expect(count.value).toBe(1);
    expect(counts).toBe(2);

    await enqueue(db, { conversationId: 'b', text: 'mine too', senderId: 'u-me' });
    await count.refresh();
    expect(count.value).toBe(2);

    me = null;
    await count.refresh();
    expect(count.value).toBe(0);
    db.close();
  });
});

/** A server that acknowledges every entry (seq in sending order); offline after `upTo` sends. */
function acking(upTo = Infinity): OutboxTransport & { sent: number } {
  const transport = {
    sent: 0,
    send: async (entry: OutboxEntry): Promise<Ack<SendResult>> => {
      if (transport.sent >= upTo) throw new Error('offline');
      const seq = ++transport.sent;
      const message = {
        id: entry.id,
        conversationId: entry.conversationId,
        seq,
        senderId: entry.senderId,
        senderName: 'me',
        ...plainMessageFields(),
        text: entry.text,
        typedAt: entry.typedAt,
        createdAt: entry.typedAt,
      };
      return { ok: true, message, duplicate: false };
    },
  };
  return transport;
}

describe('OutboxCount during a drain', () => {
  it('is the number still unsent after part of a long replay, and 0 once it is all acknowledged', async () => {
    const db = await openFerryDb('outbox-count-drain-test');
    const me: User = { id: 'u-me', username: 'me' };
    for (let i = 0; i < 130; i++) await enqueue(db, { conversationId: 'a', text: `m${i}`, senderId: me.id });
    await enqueue(db, { conversationId: 'a', text: 'theirs', senderId: 'u-other' });
    const count = new OutboxCount({ getDb: async () => db, me: () => me, counted: () => {} });
    await count.refresh();
    expect(count.value).toBe(130);

    const offlineAfter70 = acking(70);
    expect((await drainOutbox(db, offlineAfter70, { senderId: me.id })).offline).toBe(true);
    await count.refresh();
    expect(count.value).toBe(60);

    const report = await drainOutbox(db, acking(), { senderId: me.id });
    expect(report.sent).toBe(60);
    await count.refresh();
    expect(count.value).toBe(0);
    db.close();
  });

  it('counts the entries of an outbox written before the sender index existed (schema 4)', async () => {
    const name = 'outbox-count-upgrade-test';
    const old = await openDB(name, 4, {
      upgrade(raw) {
        const outbox = raw.createObjectStore('outbox', { keyPath: 'id' });
        outbox.createIndex('by-order', 'order');
        outbox.createIndex('by-conv-order', ['conversationId', 'order']);
      },
    });
    const typedAt = Date.now();
    for (const [i, senderId] of ['u-me', 'u-me', 'u-other', 'u-me'].entries())
      await old.put('outbox', {
        ...queuedEntry({ conversationId: 'a', text: `m${i}`, senderId }, typedAt),
        order: nextOrder(typedAt) + i,
      });
    old.close();

    const db = await openFerryDb(name);
    const count = new OutboxCount({
      getDb: async () => db,
      me: () => ({ id: 'u-me', username: 'me' }),
      counted: () => {},
    });
    await count.refresh();
    expect(count.value).toBe(3);
    db.close();
  });
});
