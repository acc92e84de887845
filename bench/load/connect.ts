/** Opening socket.io-client connections the way a load generator needs them. */
import { io, type Socket } from 'socket.io-client';
import type { HandshakeAuth } from '../../contract/index.js';
import type { ConnSpec } from './types.js';

/** Load clients take live messages compact and batched, as Ferry's hub does (the baseline ignores it). */
export const LOAD_AUTH: HandshakeAuth = { batch: true };

/**
 * Opens one WebSocket-only connection (no polling: no sticky sessions needed, and the cost
 * measured is the relay's, not the upgrade's). Rejects on a connect error or after `timeoutMs`.
 */
export function connect(spec: ConnSpec, timeoutMs = 20_000): Promise<Socket> {
  const socket = io(spec.url, {
    transports: ['websocket'],
    extraHeaders: spec.headers,
    auth: LOAD_AUTH,
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
  });
  return new Promise<Socket>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`connect to ${spec.url} timed out`)), timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      socket.close();
      reject(e);
    };
    socket.once('connect_error', (e) => fail(e));
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('connect_error');
      if (!spec.joinRoom) return resolve(socket);
      socket
        .timeout(timeoutMs)
        .emit('join', { conversationId: spec.joinRoom }, (err: Error | null) =>
          err ? fail(err) : resolve(socket),
        );
    });
  });
}

/** Opens `specs` with at most `concurrency` handshakes in flight; returns the sockets that opened. */
export async function connectAll(
  specs: ConnSpec[],
  concurrency: number,
): Promise<{ sockets: Socket[]; failed: number; firstError?: string }> {
  const sockets: Socket[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const lane = async () => {
    while (next < specs.length) {
      const spec = specs[next++];
      try {
        sockets.push(await connect(spec));
      } catch (e) {
        failed++;
        firstError ??= (e as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, lane));
  return { sockets, failed, firstError };
}
