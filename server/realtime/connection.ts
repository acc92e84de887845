/**
 * Socket lifecycle: the handshake authenticates from the session cookie (refused with data
 * {code: 'UNAUTHENTICATED'} otherwise); a connected socket joins `user:<id>` and one `conv:<id>`
 * room per conversation, every event goes through dispatch, presence follows connections, and the
 * socket is disconnected when its session expires. drain() is the socket half of a graceful close.
 */
import type { Logger } from 'pino';
import { ErrorCode, type WireError } from '../../contract/errors.js';
import type { AuthService } from '../auth/AuthService.js';
import { readSessionToken } from '../auth/cookie.js';
import { hashSessionToken } from '../auth/tokens.js';
import type { Domain } from '../domain/index.js';
import { serverRestarting } from '../errors.js';
import type { Store } from '../store/Store.js';
import { closeConnections } from './closeConnections.js';
import { dispatch } from './dispatch.js';
import { InFlight } from './inFlight.js';
import { conversationIdsOf, convRoom, sessionRoom, userRoom } from './rooms.js';
import { disconnectAtSessionEnd } from './sessionExpiry.js';
import type { FerryIo, FerrySocket } from './types.js';

export interface RealtimeDeps {
  auth: AuthService;
  store: Store;
  domain: Domain;
  logger: Logger;
}

export interface Realtime {
  /**
   * Refuses new sockets and events (UNAVAILABLE), waits until the running handlers have
   * answered, then closes this node's connections once their answers are written, all within
   * about `timeoutMs`. io.close() afterwards cuts whatever is left.
   */
  drain(timeoutMs: number): Promise<void>;
}

/** socket.io sends `message` and `data` of a middleware error to the client's connect_error. */
function handshakeError(error: WireError): Error & { data: WireError } {
  return Object.assign(new Error(error.message), { data: error });
}

/** Installs the handshake check and the connection handler on `io`. */
export function attachRealtime(io: FerryIo, deps: RealtimeDeps): Realtime {
  const { auth, store, domain, logger } = deps;
  const inFlight = new InFlight();

  // The cookie is all we need from the upgrade request; dropping the request object afterwards
  // saves memory per connection (see notes/realtime-server.md).
  const cookies = new WeakMap<object, string | undefined>();
  io.engine.on('connection', (raw: { request: { headers: { cookie?: string } } | null }) => {
    cookies.set(raw, raw.request?.headers.cookie);
    raw.request = null;
  });

  io.use((socket, next) => {
    if (inFlight.draining) return next(handshakeError(serverRestarting().toWire()));
    const token = readSessionToken(cookies.get(socket.conn));
    auth
      .currentSession(token)
      .then(async (session) => {
        if (!session || !token) {
          return next(
            handshakeError({
              code: ErrorCode.UNAUTHENTICATED,
              message: 'You are not signed in (no valid session cookie). Sign in, then connect again.',
            }),
          );
        }
        const { user, expiresAt } = session;
        socket.data.user = user;
        socket.data.sessionHash = hashSessionToken(token);
        socket.data.sessionExpiresAt = expiresAt;
        socket.data.conversationIds = await store.listUserConversationIds(user.id);
        next();
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'socket handshake failed');
        next(
          handshakeError({
            code: ErrorCode.UNAVAILABLE,
            message: 'The server cannot check your session right now. It will retry shortly.',
            retryAfterMs: 2_000,
          }),
        );
      });
  });

  io.on('connection', (socket: FerrySocket) => {
    const { user, conversationIds, sessionHash } = socket.data;
    // Joined before any event is handled, so membership checks by room see every conversation.
    void socket.join([userRoom(user.id), sessionRoom(sessionHash), ...conversationIds.map(convRoom)]);
    // A room joined between the handshake's read and now moved only the sockets already in
    // user:<id>; read once more so this socket is not left out of it.
    store.listUserConversationIds(user.id).then(
      (ids) => {
        const missing = ids.filter((id) => !socket.rooms.has(convRoom(id)));
        if (missing.length > 0 && socket.connected) void socket.join(missing.map(convRoom));
      },
      (err: unknown) => logger.warn({ err, userId: user.id }, 'reading conversations on connect failed'),
    );
    const ctx = { socket, user, domain };
    socket.onAny((event: string, ...args: unknown[]) => dispatch(ctx, { logger, inFlight }, event, args));
    disconnectAtSessionEnd(socket, socket.data.sessionExpiresAt);

    domain.presence.connected(user, conversationIds).catch((err: unknown) => {
      logger.warn({ err, userId: user.id }, 'presence update on connect failed');
    });
    socket.on('disconnecting', () => {
      const rooms = conversationIdsOf(socket.rooms);
      domain.presence.disconnected(user, rooms).catch((err: unknown) => {
        logger.warn({ err, userId: user.id }, 'presence update on disconnect failed');
      });
    });
    socket.on('error', (err) => logger.debug({ err, userId: user.id }, 'socket error'));
  });
  return {
    async drain(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      if (!(await inFlight.drain(timeoutMs))) logger.warn('shutdown: socket handlers still running');
      await closeConnections(io, Math.max(0, deadline - Date.now()));
    },
  };
}
