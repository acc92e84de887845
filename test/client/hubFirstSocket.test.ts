/**
 * The hub's first socket (shared-worker/hub.ts): with a remembered user it waits, saying
 * "connecting", for a go-ahead: a tab opened on a conversation has it on screen (contentShown), a
 * tab draws nothing from this device (hello without hold), a tab needs the server (any other
 * request), or the outbox holds something. Each test turns the one-second fallback off (its timer
 * is made on a fake clock that never moves), so only the go-ahead under test can start the socket.
 * The server is a port nothing listens on: an attempt ends "offline" at once.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionState } from '../../shared-worker/protocol';
import { openFerryDb, setMe, type FerryDb } from '../../localdb/index';
import { enqueue } from '../../outbox/index';
import { Hub } from '../../shared-worker/hub';
import type { HubToTab, TabToHub } from '../../shared-worker/protocol';
import { waitUntil } from '../support/wait';

let opened = 0;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn();
});

/** A hub for a remembered user (with `queued` messages in the outbox) and one tab attached to it. */
async function startHub(queued = 0) {
  const db: FerryDb = await openFerryDb(`hub-first-socket-${++opened}`);
  await setMe(db, { id: 'u1', username: 'ada' });
  for (let i = 0; i < queued; i++) await enqueue(db, { conversationId: 'c1', text: `m${i}`, senderId: 'u1' });
  // The fallback's timer is made now, on a clock that never moves; everything after runs on time.
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  let hub: Hub;
  try {
    hub = new Hub({ getDb: () => Promise.resolve(db), url: 'http://127.0.0.1:9', sole: true });
  } finally {
    vi.useRealTimers();
  }
  const received: HubToTab[] = [];
  const send = hub.attach({ post: (m) => void received.push(m), close() {} });
  cleanups.push(() => {
    hub.close();
    db.close();
  });
  const states = (): ConnectionState[] =>
    received.flatMap((m) => (m.kind === 'event' && m.event === 'status' ? [m.payload.connection] : []));
  /** The socket was tried: "connecting", then "offline" once the attempt failed. */
  const tried = () => states().indexOf('offline', states().indexOf('connecting')) > 0;
  const answered = (id: number) => received.some((m) => m.kind === 'response' && m.id === id);
  const request = (message: TabToHub) => send(message);
  return { states, tried, answered, request };
}

describe('the hub’s first socket', () => {
  it('waits while a tab opened on a conversation draws it, and starts once it is shown', async () => {
    const tab = await startHub();
    tab.request({ kind: 'request', id: 1, method: 'hello', params: { tabId: 't1', hold: true } });
    await waitUntil('hello answered', () => tab.answered(1));
    expect(tab.states().at(-1)).toBe('connecting');
    tab.request({ kind: 'request', id: 2, method: 'contentShown', params: {} });
    await waitUntil('the socket tried', () => tab.tried());
  });

  it('starts at a hello from a tab that draws nothing from this device', async () => {
    const tab = await startHub();
    tab.request({ kind: 'request', id: 1, method: 'hello', params: { tabId: 't1' } });
    await waitUntil('the socket tried', () => tab.tried());
  });

  it('starts when a tab needs the server, before its first content', async () => {
    const tab = await startHub();
    tab.request({ kind: 'request', id: 1, method: 'hello', params: { tabId: 't1', hold: true } });
    tab.request({ kind: 'request', id: 2, method: 'markRead', params: { conversationId: 'c1', seq: 1 } });
    await waitUntil('the socket tried', () => tab.tried());
  });

  it('starts at once when the outbox holds something to send', async () => {
    const tab = await startHub(1);
    await waitUntil('the socket tried', () => tab.tried());
  });
});
