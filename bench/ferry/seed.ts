/**
 * Fills a stopped Ferry node's store directly (the search scenario's approach): rooms between two
 * users and messages appended through Store.appendMessage with many in flight, so group commit
 * batches them and every seq, receipt and search row is written as in production.
 */
import { randomUUID } from 'node:crypto';
import { createStore } from '../../server/store/createStore.js';
import type { Store } from '../../server/store/Store.js';
import { corpus } from '../search/corpus.js';
import type { BenchUser } from './api.js';
import { newActionId } from '../../contract/index.js';

/** Appends in flight at once while seeding. */
const IN_FLIGHT = 1000;

export interface SeedPlan {
  /** DATA_DIR of the (stopped) node: its SQLite file. */
  dataDir: string;
  /** Creator and member of every room (the device's user). */
  owner: BenchUser;
  /** The other member, who sent every seeded message. */
  sender: BenchUser;
  /** Messages to seed in each room, one room per entry. */
  messages: number[];
  name(i: number): string;
  /** The owner has read every seeded message (a device in use), rather than none of them. */
  read?: boolean;
  signal?: AbortSignal;
}

/** Creates the rooms and their messages; returns the rooms' ids, in plan order. */
export async function seedRooms(plan: SeedPlan): Promise<string[]> {
  const store = await createStore({ dataDir: plan.dataDir, databaseUrl: null });
  try {
    const now = Date.now();
    const owner = { userId: plan.owner.user.id, username: plan.owner.user.username };
    const sender = { userId: plan.sender.user.id, username: plan.sender.user.username };
    const rooms: string[] = [];
    for (let i = 0; i < plan.messages.length; i++) {
      const id = randomUUID();
      await store.createRoom({ id, name: plan.name(i), inviteCode: randomUUID(), createdAt: now }, owner);
      await store.addMember(id, sender, now);
      rooms.push(id);
    }
    // Appends room after room, a window of them in flight: each room's seqs in send order.
    const jobs: Array<[string, number]> = rooms.flatMap((id, i) =>
      Array.from({ length: plan.messages[i] }, (_, n) => [id, n] as [string, number]),
    );
    const text = corpus(3);
    let next = 0;
    const lane = async () => {
      while (next < jobs.length && !plan.signal?.aborted) {
        const [conversationId, n] = jobs[next++];
        const r = await store.appendMessage({
          id: newActionId(),
          conversationId,
          senderId: sender.userId,
          senderName: sender.username,
          text: `${n + 1}. ${text.text()}`,
          typedAt: now + n,
        });
        if (r.status !== 'created') throw new Error(`append refused: ${r.status}`);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    if (plan.signal?.aborted) throw new Error('stopped while seeding');
    if (plan.read)
      for (const [i, id] of rooms.entries())
        await store.updateReceipt(id, owner.userId, { readSeq: plan.messages[i] });
    return rooms;
  } finally {
    await store.close();
  }
}

/** Every stored entry of a conversation, ascending by seq (read from the store directly). */
export async function readRoom(
  dataDir: string,
  conversationId: string,
): Promise<Awaited<ReturnType<Store['messagesAfter']>>> {
  const store = await createStore({ dataDir, databaseUrl: null });
  try {
    const out: Awaited<ReturnType<Store['messagesAfter']>> = [];
    for (;;) {
      const page = await store.messagesAfter(conversationId, out.at(-1)?.seq ?? 0, 10_000);
      out.push(...page);
      if (page.length < 10_000) return out;
    }
  } finally {
    await store.close();
  }
}
