/**
 * The hub's unsent count (shared-worker/outboxCount.ts) over fake-indexeddb: it counts the
 * signed-in account's entries only, and a burst of refreshes reads the outbox twice, not per call.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { User } from '../../contract/index';
import { openFerryDb } from '../../localdb/index';
import { enqueue } from '../../outbox/index';
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
