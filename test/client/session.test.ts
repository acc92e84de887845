/**
 * The hub's Session at start: a user this device remembers is known before anything tells tabs
 * the status (a tab already showing them must never be told "not known yet"); with nobody
 * remembered, nobody is known until the server has been asked.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { openFerryDb, setMe, type FerryDb } from '../../localdb/index';
import type { Connection } from '../../shared-worker/connection';
import { Session } from '../../shared-worker/session';

let db: FerryDb | undefined;
let opened = 0;
afterEach(() => db?.close());

/** A session over a fresh database; records `known` each time it recounts the outbox. */
async function startSession(remembered: boolean): Promise<{ knownAtRecount: boolean[]; session: Session }> {
  const fresh = await openFerryDb(`session-test-${++opened}`);
  db = fresh;
  if (remembered) await setMe(fresh, { id: 'u1', username: 'ada' });
  const knownAtRecount: boolean[] = [];
  const connection = { start() {}, stop() {}, restart() {} } as unknown as Connection;
  const session: Session = new Session({
    getDb: () => Promise.resolve(fresh),
    connection,
    // The hub's recount ends by telling every tab the status.
    recount: async () => void knownAtRecount.push(session.known),
    accountChanged() {},
    authRequired() {},
  });
  // In Node the session check's relative fetch fails: "no answer", which changes nothing.
  await session.start();
  return { knownAtRecount, session };
}

describe('Session.start', () => {
  it('knows a remembered user before the recount tells tabs the status', async () => {
    const { knownAtRecount, session } = await startSession(true);
    expect(knownAtRecount).toEqual([true]);
    expect(session.me).toEqual({ id: 'u1', username: 'ada' });
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
