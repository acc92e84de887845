/**
 * Leave racing connect: a user leaves a room while one of their sockets connects and an SSE feed
 * of the room opens. However the two interleave, once both are done no channel of that user may
 * hear the room and no send into it may be accepted. Run against a server whose store is wrapped
 * with `raceHooks(store)`, so some rounds force the worst interleavings (the leave committing
 * inside the handshake's read of the user's conversations, or inside the feed's checks) and the
 * others let them race freely.
 */
import { eventsPath, leavePath, ServerEvent } from '../../../contract/index.js';
import type { FerryIo } from '../../../server/app.js';
import type { Store } from '../../../server/store/Store.js';
import { storeWith } from './app.js';
import {
  collect,
  connect,
  createRoom,
  http,
  joinRoom,
  nextEvent,
  openSse,
  sendAccepted,
  sendHttp,
  signUp,
  type TestUser,
} from './clients.js';
import { waitUntil } from '../../support/wait.js';

/** One-shot pauses inside a real store's reads, for the forced rounds. */
export interface RaceHooks {
  /** Runs `during` after the next read of `userId`'s conversation ids, before it returns. */
  duringConversationRead(userId: string, during: () => Promise<void>): void;
  /** Runs `during` inside the next read of `conversationId` (the SSE route reads it after its check). */
  duringConversationLookup(conversationId: string, during: () => Promise<void>): void;
}

/** Wraps a real store so a race round can force where the leave lands. */
export function raceHooks(real: Store): { store: Store; hooks: RaceHooks } {
  const reads = new Map<string, () => Promise<void>>();
  const lookups = new Map<string, () => Promise<void>>();
  const store = storeWith(real, {
    async listUserConversationIds(userId: string) {
      const ids = await real.listUserConversationIds(userId);
      const during = reads.get(userId);
      reads.delete(userId);
      if (during) await during();
      return ids;
    },
    async getConversation(conversationId: string) {
      const during = lookups.get(conversationId);
      lookups.delete(conversationId);
      if (during) await during();
      return real.getConversation(conversationId);
    },
  });
  return {
    store,
    hooks: {
      duringConversationRead: (userId, during) => void reads.set(userId, during),
      duringConversationLookup: (conversationId, during) => void lookups.set(conversationId, during),
    },
  };
}

export interface RaceResult {
  rounds: number;
  /** Messages of the left room that reached a socket or feed opened during the leave. */
  received: number;
  /** Sends into the left room that were accepted after the leave. */
  accepted: number;
  /** SSE feeds still open on the left room after everything settled. */
  openFeeds: number;
  /** One line per leak: round, how it was forced, transport, channel. */
  leaks: string[];
}

async function post(url: string, path: string, user: TestUser) {
  const res = await http(url, path, { method: 'POST', cookie: user.cookie, body: {} });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${res.text}`);
  return res;
}

/**
 * Runs `rounds` rounds of leave racing connect on the server at `url`; every third round lets
 * them race freely, the others force the leave inside the handshake or the SSE route.
 */
export async function runLeaveRace(
  url: string,
  io: FerryIo,
  hooks: RaceHooks,
  rounds: number,
): Promise<RaceResult> {
  const alice = await signUp(url);
  const bob = await signUp(url);
  const room = await createRoom(url, alice, 'left behind');
  const markers = await createRoom(url, alice, 'markers');
  await joinRoom(url, bob, markers.inviteCode!);
  const result: RaceResult = { rounds, received: 0, accepted: 0, openFeeds: 0, leaks: [] };
  const say = (conversationId: string, text: string) => sendHttp(url, alice, conversationId, text);

  for (let round = 0; round < rounds; round++) {
    try {
      await joinRoom(url, bob, room.inviteCode!);
      const leave = () => post(url, leavePath(room.id), bob).then(() => undefined);
      const transports = round % 2 === 0 ? ['websocket'] : ['polling'];
      let leaving: Promise<void>;
      const mode = round % 3;
      if (mode === 1) {
        // The leave commits and is announced while the handshake holds a stale list of rooms.
        let started!: () => void;
        leaving = new Promise((resolve) => (started = resolve));
        hooks.duringConversationRead(bob.id, async () => {
          await leave();
          started();
        });
      } else if (mode === 2) {
        // The leave commits and is announced between the feed's membership check and its start.
        let started!: () => void;
        leaving = new Promise((resolve) => (started = resolve));
        hooks.duringConversationLookup(room.id, async () => {
          await leave();
          started();
        });
      } else {
        leaving = leave();
      }
      const [socket, feed] = await Promise.all([
        connect(url, bob.cookie, { transports: [...transports] }),
        openSse(url, eventsPath(room.id), bob.cookie),
        leaving,
      ]);
      // A socket whose memberships changed during its handshake reads them again after connecting:
      // the marker proves something only once the socket is in the markers room.
      await waitUntil(
        'the socket to join its rooms',
        () => io.of('/').sockets.get(socket.id!)?.rooms.has(`conv:${markers.id}`) === true,
        { timeoutMs: undefined },
      );
      const heard = collect(socket, ServerEvent.message);
      await say(room.id, `secret ${round}`);
      const marker = nextEvent(socket, ServerEvent.message, (m) => m.text === `marker ${round}`);
      await say(markers.id, `marker ${round}`);
      await marker;
      const where = `round ${round} (${['free', 'during handshake', 'during SSE checks'][mode]}, ${transports[0]})`;
      if (heard.items.some((m) => m.conversationId === room.id)) {
        result.received += 1;
        result.leaks.push(`${where}: the socket heard the room`);
      }
      if (await sendAccepted(socket, room.id, 'after leaving')) {
        result.accepted += 1;
        result.leaks.push(`${where}: a send was accepted`);
      }
      // A feed that was opened is closed by now (the leave's announcement or its own re-check
      // closes it); one that opened after the leave was refused.
      if (feed.status === 200) {
        await feed.until(() => feed.ended()).catch(() => undefined);
        if (!feed.ended()) {
          result.openFeeds += 1;
          result.leaks.push(`${where}: the SSE feed stayed open`);
        }
        if (feed.events.some((e) => e.event === 'message')) {
          result.received += 1;
          result.leaks.push(`${where}: the SSE feed heard the room`);
        }
      }
      feed.close();
      heard.stop();
      socket.close();
    } catch (err) {
      const mode = ['free', 'during handshake', 'during SSE checks'][round % 3];
      throw new Error(`leave race, round ${round} (${mode}): ${(err as Error).message}`, { cause: err });
    }
  }
  return result;
}
