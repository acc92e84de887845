/**
 * The hub's handling of a relayed message (shared-worker/serverEvents.ts): it crosses each tab's
 * port once, as one `live` event that both shows it at once and says whether it is an arrival to
 * notify (someone else's, first delivery), instead of one event per consumer. Receipts arriving
 * while others are stored are stored together, each still checked by the gap rule.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ServerEvent, type Message, type Receipt, type User } from '../../contract/index';
import { getConversation, saveConversations } from '../../localdb/index';
import type { FerrySocket } from '../../shared-worker/connection';
import type { LocalMirror } from '../../shared-worker/localMirror';
import type { HubPort } from '../../shared-worker/ports';
import type { HubEvents, HubToTab } from '../../shared-worker/protocol';
import type { Handlers } from '../../shared-worker/requests';
import { bindServerEvents } from '../../shared-worker/serverEvents';
import { Tabs } from '../../shared-worker/tabs';
import { waitUntil } from '../support/wait';
import { openDbWithRoom } from './support/localDb';
import { messageAt } from './support/messages';

const me: User = { id: 'u-events-me', username: 'events-me' };
const other = { id: 'u-events-other', username: 'events-other' };

function fakePort(): HubPort & { received: HubToTab[] } {
  const port = { received: [] as HubToTab[], post: (m: HubToTab) => port.received.push(m), close: () => {} };
  return port;
}

let tabs: Tabs | undefined;
afterEach(() => tabs?.clear());

/** Two tabs served by the hub, and a socket whose server events the test plays. */
function setup() {
  const served = new Tabs({ handlers: {} as Handlers, ready: Promise.resolve(), tabAdded() {}, noTabs() {} });
  tabs = served;
  const ports = [fakePort(), fakePort()];
  for (const port of ports) served.attach(port);
  const handlers = new Map<string, (...payloads: unknown[]) => void>();
  const socket = {
    on: (event: string, fn: (...payloads: unknown[]) => void) => handlers.set(event, fn),
  };
  const stored: Message[] = [];
  const mirror = { onLiveMessage: (m: Message) => stored.push(m) } as unknown as LocalMirror;
  bindServerEvents(socket as unknown as FerrySocket, {
    getDb: () => Promise.reject(new Error('not used')),
    mirror,
    me: () => me,
    notify() {},
    emit: (event, payload) => served.emit(event, payload),
  });
  const relay = (...messages: Message[]) => handlers.get(ServerEvent.message)!(...messages);
  const events = (port: HubToTab[]) => port.flatMap((m) => (m.kind === 'event' ? [m] : []));
  return { ports, relay, stored, events };
}

describe('a relayed message reaching the tabs', () => {
  it('crosses each port once, as an arrival when it is someone else’s', () => {
    const { ports, relay, stored, events } = setup();
    const message = messageAt('c1', 1, other);
    relay(message);
    expect(stored).toEqual([message]);
    for (const port of ports)
      expect(events(port.received)).toEqual([
        { kind: 'event', event: 'live', payload: { message, arrival: true } },
      ]);
  });

  it('takes every message of an event that carries a commit’s several, in their order', () => {
    const { ports, relay, stored, events } = setup();
    const batch = [messageAt('c1', 1, other), messageAt('c1', 2, me), messageAt('c1', 3, other)];
    relay(...batch);
    expect(stored).toEqual(batch);
    for (const port of ports)
      expect(events(port.received).map((e) => e.kind === 'event' && e.payload)).toEqual([
        { message: batch[0], arrival: true },
        { message: batch[1], arrival: false },
        { message: batch[2], arrival: true },
      ]);
  });

  it('is shown but not an arrival when it is this user’s own (another device) or a repeat', () => {
    const { ports, relay, events } = setup();
    const own = messageAt('c1', 1, me);
    const theirs = messageAt('c1', 2, other);
    relay(own);
    relay(theirs);
    relay(theirs);
    for (const port of ports)
      expect(events(port.received).map((e) => e.kind === 'event' && e.payload)).toEqual([
        { message: own, arrival: false },
        { message: theirs, arrival: true },
        { message: theirs, arrival: false },
      ]);
  });

  it('stores an edit without telling tabs it live (its `changed` re-reads it)', () => {
    const { ports, relay, stored, events } = setup();
    relay(messageAt('c1', 3, other, { kind: 'edit' } as Partial<Message>));
    expect(stored).toHaveLength(1);
    for (const port of ports) expect(events(port.received)).toEqual([]);
  });
});

describe('receipts reaching the hub', () => {
  it('stores the receipts that arrive during a write together in the next one, each checked for a gap', async () => {
    const db = await openDbWithRoom(me.id, 'c1');
    try {
      const c1 = (await getConversation(db, 'c1'))!;
      await saveConversations(db, [{ ...c1, id: 'c2', kind: 'room', members: [], unreadCount: 0 }]);
      const handlers = new Map<string, (payload: unknown) => void>();
      const socket = { on: (event: string, fn: (payload: unknown) => void) => handlers.set(event, fn) };
      const learned: Array<[string, number]> = [];
      const mirror = {
        learned: (id: string, seq: number) => learned.push([id, seq]),
      } as unknown as LocalMirror;
      const changes: Array<HubEvents['changed']> = [];
      bindServerEvents(socket as unknown as FerrySocket, {
        getDb: () => Promise.resolve(db),
        mirror,
        me: () => me,
        notify: (change) => changes.push(change),
        emit() {},
      });
      const receipt = (conversationId: string, deliveredSeq: number): Receipt => ({
        conversationId,
        userId: me.id,
        deliveredSeq,
        readSeq: 0,
      });
      // Three at once, as a catch-up's delivered receipts come back: the first is being stored
      // when the other two arrive.
      for (const r of [receipt('c1', 4), receipt('c2', 7), receipt('c1', 5)])
        handlers.get(ServerEvent.receipt)!(r);
      await waitUntil('the receipts to be checked', () => learned.length === 3 && learned);
      expect(learned).toEqual([
        ['c1', 4],
        ['c2', 7],
        ['c1', 5],
      ]);
      expect(changes.map((c) => c.conversationIds)).toEqual([['c1'], ['c2', 'c1']]);
      expect((await getConversation(db, 'c1'))?.deliveredSeq).toBe(5);
      expect((await getConversation(db, 'c2'))?.deliveredSeq).toBe(7);
    } finally {
      db.close();
    }
  });
});
