/**
 * The hub's Session at start: a user this device remembers is known before anything tells tabs
 * the status (a tab already showing them must never be told "not known yet"); with nobody
 * remembered, nobody is known until the server has been asked. Its first socket waits for the
 * hub's go-ahead (a tab's first content on screen, among others: shared-worker/hub.ts), and the
 * connection says "connecting" meanwhile.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { openFerryDb, setMe, type FerryDb } from '../../localdb/index';
import { Connection } from '../../shared-worker/connection';
import type { ConnectionState } from '../../shared-worker/protocol';
import { Session } from '../../shared-worker/session';
import { waitUntil } from '../support/wait';

let db: FerryDb | undefined;
let opened = 0;
afterEach(() => db?.close());

/**
 * A session over a fresh database; records `known` each time it recounts the outbox, and what it
 * asks of the connection. `firstContent` stands for a tab's first content on screen.
 */
async function startSession(
  remembered: boolean,
  { firstContent = Promise.resolve() }: { firstContent?: Promise<void> } = {},
): Promise<{ knownAtRecount: boolean[]; session: Session; asked: string[] }> {
  const fresh = await openFerryDb(`session-test-${++opened}`);
  db = fresh;
  if (remembered) await setMe(fresh, { id: 'u1', username: 'ada' });
  const knownAtRecount: boolean[] = [];
  const asked: string[] = [];
  const connection = {
    start: () => void asked.push('start'),
    stop: () => void asked.push('stop'),
    restart: () => void asked.push('restart'),
    startAfter: (when: Promise<unknown>) => {
      asked.push('startAfter');
      void when.then(() => asked.push('connect'));
    },
  } as unknown as Connection;
  const session: Session = new Session({
    getDb: () => Promise.resolve(fresh),
    connection,
    // The hub's recount ends by telling every tab the status.
    recount: async () => void knownAtRecount.push(session.known),
    firstContent,
    accountChanged() {},
    authRequired() {},
  });
  // In Node the session check's relative fetch fails: "no answer", which changes nothing.
  await session.start();
  return { knownAtRecount, session, asked };
}

describe('Session.start', () => {
  it('knows a remembered user before the recount tells tabs the status', async () => {
    const { knownAtRecount, session } = await startSession(true);
    expect(knownAtRecount).toEqual([true]);
    expect(session.me).toEqual({ id: 'u1', username: 'ada' });
    session.close();
  });

  it('holds its first socket back until the hub says it may start', async () => {
    let shown!: () => void;
    const { session, asked } = await startSession(true, {
      firstContent: new Promise<void>((resolve) => (shown = resolve)),
    });
    await Promise.resolve();
    expect(asked).toEqual(['startAfter']);
    shown();
    await waitUntil('the socket to start', () => asked.includes('connect'));
    session.close();
  });

  it('knows nobody until the server was asked, when nobody is remembered', async () => {
    const { knownAtRecount, session } = await startSession(false);
    expect(knownAtRecount).toEqual([false]);
    expect(session.known).toBe(true);
    expect(session.me).toBeNull();
    session.close();
  });
});

describe('Connection.startAfter', () => {
  /** A connection to a port nothing listens on: an attempt ends offline at once. */
  function deadConnection() {
    const states: ConnectionState[] = [];
    const connection = new Connection({
      url: 'http://127.0.0.1:9',
      onState: (state) => void states.push(state),
      onConnected() {},
      onAuthFailed() {},
      bind() {},
    });
    return { connection, states };
  }

  it('says "connecting" at once, and connects once what it waits for has happened', async () => {
    const { connection, states } = deadConnection();
    let shown!: () => void;
    connection.startAfter(new Promise<void>((resolve) => (shown = resolve)));
    expect(connection.state).toBe('connecting');
    shown();
    await waitUntil('the attempt to fail', () => states.includes('offline'));
    connection.stop();
  });

  it('connects to nothing when stop() came first', async () => {
    const { connection } = deadConnection();
    const shown = Promise.resolve();
    connection.startAfter(shown);
    connection.stop();
    await shown;
    await Promise.resolve();
    // An attempt would have said "connecting" again.
    expect(connection.state).toBe('offline');
  });
});
