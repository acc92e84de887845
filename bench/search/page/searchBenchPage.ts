/**
 * Bench-only page (built by vite for the search scenario, never shipped): fills IndexedDB through
 * localdb's putMessages and builds, saves, reloads and queries the device's real search index
 * (localdb/searchIndex.ts), exactly the module the hub runs. Driven from bench/scenarios/search.ts.
 */
import { plainMessageFields, type Message } from '../../../contract/index';
import {
  lazyFerryDb,
  loadSearchIndex,
  putMessages,
  saveConversations,
  type SearchIndex,
} from '../../../localdb/index';
import { corpus } from '../corpus';

const DB = 'ferry-search-bench';
const getDb = lazyFerryDb(DB);
const bytes = (s: string) => new TextEncoder().encode(s).length;

/** The messages' JSON bytes so far (as stored: one Message object each). */
let messageBytes = 0;
let index: SearchIndex | null = null;

const api = {
  /** Stores `count` messages in pages of `page` (as sync stores them), over `conversations`. */
  async fill(
    count: number,
    page: number,
    conversations: number,
    seed: number,
  ): Promise<{ ms: number; bytes: number }> {
    const c = corpus(seed);
    const db = await getDb();
    const seqs = new Array<number>(conversations).fill(0);
    // Listed first, as the hub lists them before any page: the device keeps no entry of a
    // conversation it is not in.
    await saveConversations(
      db,
      seqs.map((_, conv) => ({
        id: `c-${conv}`,
        kind: 'room' as const,
        name: `Room ${conv}`,
        inviteCode: `invite-${conv}`,
        lastSeq: 0,
        lastMessage: null,
        createdAt: Date.UTC(2026, 0, 1),
        deliveredSeq: 0,
        readSeq: 0,
        unreadCount: 0,
        members: [],
        muted: false,
      })),
    );
    const t0 = performance.now();
    const start = Date.UTC(2026, 0, 1);
    for (let done = 0; done < count;) {
      const batch: Message[] = [];
      // One page per conversation at a time, as a catch-up would store it.
      const conv = Math.floor(done / page) % conversations;
      for (let i = 0; i < page && done < count; i++, done++) {
        const seq = ++seqs[conv];
        const m: Message = {
          id: `m-${conv}-${seq}`,
          conversationId: `c-${conv}`,
          seq,
          senderId: `u-${(seq * 7 + conv) % 20}`,
          senderName: `user${(seq * 7 + conv) % 20}`,
          ...plainMessageFields(),
          text: c.text(),
          typedAt: start + done * 1000,
          createdAt: start + done * 1000 + 50,
        };
        messageBytes += bytes(JSON.stringify(m));
        batch.push(m);
      }
      await putMessages(db, batch, { meId: 'u-0' });
    }
    return { ms: performance.now() - t0, bytes: messageBytes };
  },

  /** A new index over what is stored (no saved index yet): read every message, index it. */
  async build(): Promise<{ ms: number }> {
    const { SearchIndex } = await loadSearchIndex();
    const t0 = performance.now();
    index = new SearchIndex(getDb);
    // search() queues behind the load: it resolves once the index is built.
    await index.search('warmup', { limit: 1 });
    return { ms: performance.now() - t0 };
  },

  /** Saves the index as the hub does; returns the saved JSON's size. */
  async save(): Promise<{ ms: number; bytes: number; documents: number }> {
    const t0 = performance.now();
    await index!.flush();
    const ms = performance.now() - t0;
    const saved = await (await getDb()).get('search', 'messages');
    if (!saved) throw new Error('no saved index');
    const documents = (JSON.parse(saved.json) as { documentCount: number }).documentCount;
    return { ms, bytes: bytes(saved.json), documents };
  },

  /** A fresh instance loading the saved index (the hub's start), ready for the first search. */
  async reload(): Promise<{ ms: number }> {
    const { SearchIndex } = await loadSearchIndex();
    const t0 = performance.now();
    index = new SearchIndex(getDb);
    await index.search('warmup', { limit: 1 });
    const ms = performance.now() - t0;
    // The load schedules a reconcile a moment later (nothing to find here): cancel it, so it
    // does not run in the middle of the timed queries.
    await index.flush();
    return { ms };
  },

  /** Times each query `rounds` times (the hub's limit of 50 results); ms per query and hits. */
  async query(
    queries: string[],
    rounds: number,
  ): Promise<{ samples: number[]; hits: Record<string, number> }> {
    const samples: number[] = [];
    const hits: Record<string, number> = {};
    for (let r = 0; r < rounds; r++)
      for (const q of queries) {
        const t0 = performance.now();
        const found = await index!.search(q, { limit: 50 });
        samples.push(performance.now() - t0);
        hits[q] = found.length;
      }
    return { samples, hits };
  },
};

(globalThis as unknown as { __searchBench: typeof api }).__searchBench = api;
