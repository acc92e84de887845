/** The setup of the tests that take access away (one node, or two): someone listening everywhere. */
import { expect } from 'vitest';
import { eventsPath, ServerEvent } from '../../../contract/index.js';
import { connect, createRoom, joinRoom, nextEvent, openSse, sendHttp, signUp, sseTexts } from './clients.js';

/**
 * Alice and Bob share `room` (the one access is taken from) and `other` (where markers go), made
 * through `url`. Bob listens to `room` through `listenUrl` (the same node or another) over a
 * WebSocket, a long-polling socket and an SSE feed, and every channel has heard the room.
 */
export async function bobListening(url: string, listenUrl: string = url) {
  const alice = await signUp(url);
  const bob = await signUp(url);
  const room = await createRoom(url, alice, 'secret');
  const other = await createRoom(url, alice, 'markers');
  await joinRoom(url, bob, room.inviteCode!);
  await joinRoom(url, bob, other.inviteCode!);
  const ws = await connect(listenUrl, bob.cookie, { transports: ['websocket'] });
  const polling = await connect(listenUrl, bob.cookie, { transports: ['polling'] });
  const feed = await openSse(listenUrl, eventsPath(room.id), bob.cookie);
  expect(feed.status).toBe(200);
  // Every channel hears the room before access ends.
  const heard = [ws, polling].map((s) => nextEvent(s, ServerEvent.message, (m) => m.text === 'before'));
  await sendHttp(url, alice, room.id, 'before');
  await Promise.all(heard);
  await feed.until(() => sseTexts(feed).includes('before'));
  return { alice, bob, room, other, sockets: [ws, polling], feed };
}
