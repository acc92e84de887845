/**
 * Leave racing connect on PostgreSQL (where every read is a network round trip, so the windows
 * are wide): 120 rounds, none of which may leave a socket or an SSE feed of the user hearing the
 * room, or let a send into it through.
 */
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { createPostgresStore } from '../../server/store/postgres/index.js';
import { makeTempDir, testConfig } from '../server/support/app.js';
import { closeAllSockets } from '../server/support/clients.js';
import { raceHooks, runLeaveRace } from '../server/support/leaveRace.js';
import { PG_URL, freshSchema } from './support/postgres.js';

describe('leaving while a socket connects (PostgreSQL)', () => {
  it('leaks nothing in 120 rounds', async () => {
    const db = await freshSchema();
    const dataDir = await makeTempDir();
    const { store, hooks } = raceHooks(await createPostgresStore(PG_URL, { schema: db.schema }));
    const app = await createApp({ config: testConfig(dataDir, { SEND_BURST: '100000' }), store });
    try {
      const { url } = await app.listen(0, '127.0.0.1');
      const result = await runLeaveRace(url, app.io, hooks, 120);
      console.log(`leave race (PostgreSQL): ${JSON.stringify(result)}`);
      expect(result).toEqual({ rounds: 120, received: 0, accepted: 0, openFeeds: 0, leaks: [] });
    } finally {
      closeAllSockets();
      await app.close();
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
