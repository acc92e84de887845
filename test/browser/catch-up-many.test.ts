/**
 * A device away while messages arrive in many conversations catches all of them up once back,
 * with messages still arriving live meanwhile: every conversation ends in IndexedDB gapless, each
 * entry once, its cursor at the server's newest seq, and its unread count right, stored and shown.
 */
import { describe, expect, it } from 'vitest';
import { HttpPath, type ConversationSummary } from '../../contract/index';
import { DB_NAME } from '../../localdb/index';
import {
  api,
  conversationLabels,
  ferrySuite,
  newUser,
  openOnlineTab,
  sendViaApi,
  sharedRoom,
  signUp,
  socketCount,
  waitOnline,
  waitUntil,
} from './support/index';

const ROOMS = 30;
const MISSED_EACH = 12;
// Bob sends hundreds of messages within seconds: his send rate is not what is tested here.
const suite = ferrySuite({ env: { SEND_RATE_PER_SECOND: '1000', SEND_BURST: '1000' } });

/** Each conversation's stored seqs, cursor and unread count, as the device holds them. */
function deviceConversations(dbName: string) {
  return new Promise<Array<{ id: string; seqs: number[]; syncedSeq: number; unreadCount: number }>>(
    (resolve, reject) => {
      const open = indexedDB.open(dbName);
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const tx = db.transaction(['conversations', 'messages']);
        const rows = tx.objectStore('conversations').getAll();
        const entries = tx.objectStore('messages').getAll();
        tx.oncomplete = () => {
          db.close();
          resolve(
            (rows.result as Array<{ id: string; syncedSeq: number; unreadCount: number }>).map((c) => ({
              id: c.id,
              syncedSeq: c.syncedSeq,
              unreadCount: c.unreadCount,
              seqs: (entries.result as Array<{ conversationId: string; seq: number }>)
                .filter((m) => m.conversationId === c.id)
                .map((m) => m.seq)
                .sort((a, b) => a - b),
            })),
          );
        };
        tx.onerror = () => reject(tx.error);
      };
    },
  );
}

describe('catching up many conversations after time away', () => {
  it('ends with every conversation gapless and counted right, live messages arriving meanwhile included', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'many-away');
    const bob = await signUp(suite.ferry, 'many-sender');
    const rooms: ConversationSummary[] = [];
    for (let i = 0; i < ROOMS; i++)
      rooms.push(await sharedRoom(suite.ferry, bob, alice, `Away ${String(i + 1).padStart(2, '0')}`));
    const page = await openOnlineTab(alice.context, suite.ferry);
    await waitUntil('every room listed', async () => (await conversationLabels(page)).length === ROOMS);

    // Away: the server refuses Alice's device and drops its socket; Bob writes in every room.
    let holdAlice = true;
    suite.ferry.app.io.use((socket, next) =>
      holdAlice && socket.data.user?.id === alice.user.id ? next(new Error('held by the test')) : next(),
    );
    for (const socket of await suite.ferry.app.io.fetchSockets())
      if (socket.data.user?.id === alice.user.id) socket.disconnect(true);
    await waitUntil('Alice to be away', async () => (await socketCount(suite.ferry, alice.user.id)) === 0);
    for (let n = 0; n < MISSED_EACH; n++)
      await Promise.all(rooms.map((room) => sendViaApi(suite.ferry, bob.cookie, room.id, `Missed ${n + 1}`)));

    // Back, while Bob goes on writing: these reach her live, during her catch-up.
    holdAlice = false;
    const live = (async () => {
      for (let n = 0; n < 3; n++)
        await Promise.all(
          [rooms[0]!, rooms[ROOMS - 1]!].map((room) =>
            sendViaApi(suite.ferry, bob.cookie, room.id, `Live ${n + 1}`),
          ),
        );
    })();
    await waitOnline(page, 60_000);
    await live;

    const listed = await api<{ conversations: ConversationSummary[] }>(
      suite.ferry,
      'GET',
      HttpPath.conversations,
      undefined,
      alice.cookie,
    );
    if (!listed.body.ok) throw new Error('listing failed');
    const truth = new Map(listed.body.conversations.map((c) => [c.id, c]));
    const unreadShown = (labels: string[], name: string) =>
      Number(/(\d+) unread/.exec(labels.find((l) => l.includes(name)) ?? '')?.[1] ?? 0);
    const device = await waitUntil(
      'every conversation caught up, counted right in the store and in the list',
      async () => {
        const held = await page.evaluate(deviceConversations, DB_NAME);
        const labels = await conversationLabels(page);
        const right = held.every((c) => {
          const server = truth.get(c.id)!;
          return (
            c.syncedSeq === server.lastSeq &&
            c.unreadCount === server.unreadCount &&
            unreadShown(labels, server.name) === server.unreadCount
          );
        });
        return held.length === ROOMS && right && held;
      },
      { timeoutMs: 60_000 },
    );
    for (const c of device) {
      const lastSeq = truth.get(c.id)!.lastSeq;
      // Each entry once, none missing.
      expect(c.seqs).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    }
    expect(truth.get(rooms[0]!.id)!.unreadCount).toBe(MISSED_EACH + 3);
    await alice.context.close();
  });
});
