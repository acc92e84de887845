/**
 * The last step of draining sockets on shutdown: close each connection only once what was queued
 * on it (the acks of the handlers that just finished) is written.
 */
import type { FerryIo } from './types.js';

/**
 * Closes this node's connections, each once its queued packets are written: engine.io's close()
 * without `discard` waits for its write buffer to drain, where io.close() discards it. Clients
 * see a transport close and reconnect (to another node, or to this one restarted).
 */
export async function closeConnections(io: FerryIo, timeoutMs: number): Promise<void> {
  const closed = [...io.of('/').sockets.values()].map(({ conn }) => {
    if (conn.readyState === 'closed') return Promise.resolve();
    const gone = new Promise<void>((resolve) => conn.once('close', () => resolve()));
    conn.close();
    return gone;
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(closed),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
  ]);
  clearTimeout(timer);
}
