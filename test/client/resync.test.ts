/**
 * The hub's catch-up after a reconnect (shared-worker/localMirror.ts) against a fake server over
 * fake-indexeddb: many conversations caught up side by side, their pages stored together, end with
 * every conversation gapless, each entry once, its cursor at the server's newest seq and its
 * unread count right, including conversations that get live messages while catching up.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ClientEvent,
  PAGE_SIZE_MAX,
  type ConversationSummary,
  type Message,
  type User,
} from '../../contract/index';
import { listConversations, putMessages, saveConversations, type FerryDb } from '../../localdb/index';
import type { Connection } from '../../shared-worker/connection';
import { LocalMirror } from '../../shared-worker/localMirror';
import type { HubEvents } from '../../shared-worker/protocol';
import { waitUntil } from '../support/wait';
import { openDbWithRoom } from './support/localDb';
import { messageAt } from './support/messages';

const me: User = { id: 'u-resync-me', username: 'resync-me' };
const other = { id: 'u-resync-other', username: 'resync-other' };

/** The server's side: one log per conversation, answering the calls the mirror makes. */
class FakeServer {
  readonly logs = new Map<string, Message[]>();
  /** Runs before a messages:after page is read (the test appends and relays live entries there). */
  beforePage: (conversationId: string) => void = () => {};

  append(conversationId: string, from = other, deleted = false): Message {
    const log = this.logs.get(conversationId) ?? [];
    const seq = log.length + 1;
    const message = messageAt(conversationId, seq, from, {
      id: `${conversationId}-m${seq}`,
      ...(deleted ? { text: '', deleted } : {}),
    });
    log.push(message);
    this.logs.set(conversationId, log);
    return message;
  }

  summary(id: string): ConversationSummary {
    const log = this.logs.get(id) ?? [];
    const readSeq = this.readSeq(id);
    return {
      id,
      kind: 'room',
      name: id,
      inviteCode: 'x',
      lastSeq: log.length,
      lastMessage: log.at(-1) ?? null,
      createdAt: 1,
      deliveredSeq: readSeq,
      readSeq,
      unreadCount: this.unread(id),
      members: [],
      muted: false,
    };
  }

  /** Sending reads a conversation up to what was sent. */
  readSeq(id: string): number {
    return Math.max(0, ...(this.logs.get(id) ?? []).filter((m) => m.senderId === me.id).map((m) => m.seq));
  }

  /** Others' messages after this user's read. */
  unread(id: string): number {
    const readSeq = this.readSeq(id);
    return (this.logs.get(id) ?? []).filter((m) => m.senderId !== me.id && !m.deleted && m.seq > readSeq)
      .length;
  }

  async call(event: string, payload: Record<string, unknown>): Promise<unknown> {
    // Answers come back on later turns, at different times, as over a socket.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    switch (event) {
      case ClientEvent.listConversations:
        return { ok: true, conversations: [...this.logs.keys()].map((id) => this.summary(id)) };
      case ClientEvent.messagesAfter: {
        const { conversationId, afterSeq, limit } = payload as {
          conversationId: string;
          afterSeq: number;
          limit: number;
        };
        this.beforePage(conversationId);
        const log = this.logs.get(conversationId) ?? [];
        const after = log.filter((m) => m.seq > afterSeq);
        return {
          ok: true,
          messages: after.slice(0, Math.min(limit, PAGE_SIZE_MAX)),
          hasMore: after.length > limit,
          lastSeq: log.length,
        };
      }
      case ClientEvent.receipt: {
        const { conversationId, deliveredSeq } = payload as { conversationId: string; deliveredSeq: number };
        return { ok: true, receipt: { conversationId, userId: me.id, deliveredSeq, readSeq: 0 } };
      }
      default:
        return { ok: false, error: { code: 'BAD_REQUEST', message: `not faked: ${event}` } };
    }
  }
}

let db: FerryDb;
let server: FakeServer;
let changes: Array<HubEvents['changed']>;
let mirror: LocalMirror;

beforeEach(async () => {
  db = await openDbWithRoom(me.id, 'c-000');
  server = new FakeServer();
  changes = [];
  const connection = { call: (event: string, payload: unknown) => server.call(event, payload as never) };
  mirror = new LocalMirror({
    getDb: () => Promise.resolve(db),
    connection: connection as unknown as Connection,
    me: () => me,
    notify: (change) => changes.push(change),
  });
});
afterEach(() => db.close());

const ids = (n: number) => Array.from({ length: n }, (_, i) => `c-${String(i).padStart(3, '0')}`);

/** The device as the test expects it: every conversation holding 1…lastSeq once, counted right. */
async function deviceMatchesServer(): Promise<boolean> {
  const conversations = await listConversations(db);
  if (conversations.length !== server.logs.size) return false;
  for (const c of conversations) {
    const log = server.logs.get(c.id)!;
    const stored = await db.getAllFromIndex(
      'messages',
      'by-conv-seq',
      IDBKeyRange.bound([c.id, -Infinity], [c.id, Infinity]),
    );
    if (stored.map((m) => m.seq).join() !== log.map((m) => m.seq).join()) return false;
    if (c.syncedSeq !== log.length || c.lastSeq !== log.length) return false;
    if (c.unreadCount !== server.unread(c.id)) return false;
  }
  return true;
}

// fake-indexeddb stores thousands of messages here: slow beside other test files, not stuck.
/** Every conversation's delivered receipt sent (once the catch-up ended) and its answer stored. */
async function deliveredStored(): Promise<boolean> {
  return (await listConversations(db)).every((c) => c.deliveredSeq === c.syncedSeq);
}

describe('catching up many conversations after a reconnect', { timeout: 30_000 }, () => {
  it('ends gapless, each entry once, with cursors and unread counts right, storing pages of many conversations together', async () => {
    // Synced before going away: five messages each (one of them this user's own).
    for (const id of ids(30)) for (let i = 0; i < 5; i++) server.append(id, i === 2 ? me : other);
    await saveConversations(
      db,
      [...server.logs.keys()].map((id) => server.summary(id)),
      { complete: true },
    );
    await putMessages(db, [...server.logs.values()].flat(), { meId: me.id });
    // Away: most conversations get more, one more than a page.
    for (const [n, id] of ids(30).entries()) {
      const more = n === 7 ? PAGE_SIZE_MAX + 30 : n % 5 === 0 ? 0 : 20 + n;
      // Some pages hold this user's own message (sent from another device) and deleted ones.
      for (let i = 0; i < more; i++) server.append(id, n % 3 === 0 && i === 10 ? me : other, i % 7 === 3);
    }
    changes = [];

    await mirror.resync();

    expect(await deviceMatchesServer()).toBe(true);
    // Pages of several conversations went into one transaction (one change names them all).
    expect(
      Math.max(...changes.map((c) => (c.stores.includes('messages') ? (c.conversationIds?.length ?? 0) : 0))),
    ).toBeGreaterThan(1);
    await waitUntil('the delivered receipts to be stored', deliveredStored);
  });

  it('loses and doubles nothing when live messages arrive during the catch-up', async () => {
    for (const id of ids(40)) for (let i = 0; i < 3; i++) server.append(id);
    await saveConversations(
      db,
      [...server.logs.values()].map((log) => server.summary(log[0]!.conversationId)),
      {
        complete: true,
      },
    );
    await putMessages(db, [...server.logs.values()].flat(), { meId: me.id });
    for (const id of ids(40)) for (let i = 0; i < 30; i++) server.append(id);
    // While its page is being read, a conversation gets a new message, relayed live (it reaches
    // the mirror before the page does); another conversation's live message arrives before its
    // catch-up has even started, leaving a hole below it.
    let relayed = false;
    server.beforePage = (conversationId) => {
      if (relayed) return;
      relayed = true;
      mirror.onLiveMessage(server.append(conversationId));
      mirror.onLiveMessage(server.append('c-039'));
    };

    await mirror.resync();

    expect(relayed).toBe(true);
    // The live messages' stores and the catch-ups their gaps started run on in their chains.
    await waitUntil('the device to hold every conversation as the server does', deviceMatchesServer);
    await waitUntil('the delivered receipts to be stored', deliveredStored);
  });
});
