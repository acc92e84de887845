/**
 * Where something between the browser and the server refuses WebSocket (a proxy that drops the
 * upgrade), the hub falls back to long-polling and messages still go both ways: the fallback is
 * Ferry's own build of engine.io's polling transport (web/build/engineTransports.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  createRoom,
  ferrySuite,
  inviteLink,
  joinByInvite,
  newUser,
  openOnlineTab,
  ownMessageStatus,
  sendMessage,
  waitForText,
} from './support/index';

const suite = ferrySuite();

describe('a network that refuses WebSocket', () => {
  it('connects over long-polling and delivers both ways', async () => {
    // Like a proxy that does not pass upgrades: the connection is cut before socket.io sees it.
    let refused = 0;
    const refuse = (_req: IncomingMessage, socket: Duplex) => {
      refused++;
      socket.destroy();
    };
    suite.ferry.app.server.prependListener('upgrade', refuse);
    try {
      const alice = await newUser(suite.browser, suite.ferry, 'alice');
      const bob = await newUser(suite.browser, suite.ferry, 'bob');
      const a = await openOnlineTab(alice.context, suite.ferry);
      const b = await openOnlineTab(bob.context, suite.ferry);

      await createRoom(a, 'Polling');
      await joinByInvite(b, await inviteLink(a), 'Polling');
      await sendMessage(a, 'Over long-polling');
      await b.getByRole('article', { name: /alice.*Over long-polling/ }).waitFor();
      await waitForText(ownMessageStatus(a, 'Polling', 'Over long-polling'), /^Read$/);
      await sendMessage(b, 'Heard you');
      await a.getByRole('article', { name: /bob.*Heard you/ }).waitFor();

      // WebSocket was tried first, and every socket the server holds is on long-polling.
      expect(refused).toBeGreaterThan(0);
      const transports = [...suite.ferry.app.io.sockets.sockets.values()].map((s) => s.conn.transport.name);
      expect(transports.length).toBeGreaterThanOrEqual(2);
      expect(new Set(transports)).toEqual(new Set(['polling']));
      await alice.context.close();
      await bob.context.close();
    } finally {
      suite.ferry.app.server.off('upgrade', refuse);
    }
  });
});
