/**
 * Socket lifecycle: the handshake authenticates from the session cookie (refused with data
 * {code: 'UNAUTHENTICATED'} otherwise, or TOO_MANY_CONNECTIONS past the per-user cap); a connected
 * socket joins `user:<id>` and one `conv:<id>` room per conversation, every event goes through
 * dispatch, presence follows connections, and the socket is disconnected when its session expires
 * or it stops reading. drain() is the socket half of a graceful close.
 *
 * The handshake reads the session and the conversations before the socket is in any room, so a
 * leave or sign-out announced in that window would pass it by: the handshake watches for such
 * announcements (AccessWatch) and, if one came, the socket reads its conversations again before
 * joining their rooms, or is disconnected when its session ended.
 */
import type { Logger } from 'pino';
import { ErrorCode, type WireError } from '../../contract/errors.js';
import type { AuthService } from '../auth/AuthService.js';
import { readSessionToken } from '../auth/cookie.js';
import { hashSessionToken } from '../auth/tokens.js';
import type { Domain } from '../domain/index.js';
import type { AccessTicket } from './accessWatch.js';
import { serverRestarting } from '../errors.js';
import type { Store } from '../store/Store.js';
import { closeConnections } from './closeConnections.js';
import { coalesceFrames } from './coalesceFrames.js';
import { dispatch } from './dispatch.js';
import { adaptMessagePackets } from './messagePackets.js';
import { InFlight } from './inFlight.js';
import type { Relay } from './relay.js';
import { conversationIdsOf, convRoom, sessionRoom, userRoom } from './rooms.js';
import { disconnectAtSessionEnd } from './sessionExpiry.js';
import { capOutgoing, type EngineConnection } from './slowSockets.js';
import { SocketCap } from './socketCap.js';
import type { FerryIo, FerrySocket } from './types.js';

export interface RealtimeDeps {
  auth: AuthService;
  store: Store;
  domain: Domain;
  relay: Relay;
  logger: Logger;
  /** Open sockets one user may have on this node (MAX_SOCKETS_PER_USER). */
  maxSocketsPerUser: number;
  /** Bytes that may wait to be sent to one socket before it is cut (SOCKET_MAX_BUFFERED_BYTES). */
  maxBufferedBytes: number;
}

/** What a handshake watched while it read the session and the conversations. */
interface HandshakeWatch {
  session: AccessTicket;
  user: AccessTicket;
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
  const { auth, store, domain, relay, logger } = deps;
  const inFlight = new InFlight();

  // The cookie is all we need from the upgrade request; dropping the request object afterwards
  // saves memory per connection (see notes/realtime-server.md).
  const cookies = new WeakMap<object, string | undefined>();
  io.engine.on(
    'connection',
    (raw: EngineConnection & { id: string; request: { headers: { cookie?: string } } | null }) => {
      cookies.set(raw, raw.request?.headers.cookie);
      raw.request = null;
      coalesceFrames(raw);
      capOutgoing(raw, deps.maxBufferedBytes, (queuedBytes) =>
        logger.info({ connection: raw.id, queuedBytes }, 'socket client too slow: closing'),
      );
    },
  );

  const cap = new SocketCap(io, deps.maxSocketsPerUser);
  const watches = new WeakMap<FerrySocket, HandshakeWatch>();

  io.use((socket, next) => {
    if (inFlight.draining) return next(handshakeError(serverRestarting().toWire()));
    const token = readSessionToken(cookies.get(socket.conn));
    const sessionHash = token ? hashSessionToken(token) : '';
    // Watched from before the session is read: a sign-out after this point is seen.
    const session = relay.watch.watch([sessionRoom(sessionHash)]);
    let userWatch: AccessTicket | null = null;
    let reserved: string | null = null;
    const settle = (err?: Error): void => {
      next(err);
      // The connection handler runs in the tick socket.io schedules from next(), before this one:
      // by then the socket is in user:<id> (or was dropped) and has used the watch.
      process.nextTick(() => {
        session.end();
        userWatch?.end();
        if (reserved) cap.release(reserved);
      });
    };
    auth
      .currentSession(token)
      .then(async (found) => {
        if (!found || !token) {
          return settle(
            handshakeError({
              code: ErrorCode.UNAUTHENTICATED,
              message: 'You are not signed in (no valid session cookie). Sign in, then connect again.',
            }),
          );
        }
        const id = found.user.id;
        if (!cap.reserve(id)) {
          return settle(
            handshakeError({
              code: ErrorCode.TOO_MANY_CONNECTIONS,
              message: `You already have ${cap.max} connections open. Close some tabs or devices, then try again.`,
              retryAfterMs: 5_000,
            }),
          );
        }
        reserved = id;
        socket.data.user = found.user;
        socket.data.sessionHash = sessionHash;
        socket.data.sessionExpiresAt = found.expiresAt;
        // Read again while memberships change during the read: the list the socket joins with is
        // one no announcement has overtaken (the connection handler checks the last stretch).
        for (;;) {
          const ticket = relay.watch.watch([userRoom(id)]);
          userWatch = ticket;
          socket.data.conversationIds = await store.listUserConversationIds(id);
          if (!ticket.changed()) break;
          ticket.end();
        }
        watches.set(socket, { session, user: userWatch });
        settle();
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'socket handshake failed');
        settle(
          handshakeError({
            code: ErrorCode.UNAVAILABLE,
            message: 'The server cannot check your session right now. It will retry shortly.',
            retryAfterMs: 2_000,
          }),
        );
      });
  });

  /**
   * Sets the socket's conversation rooms to exactly the user's conversations, reading again while
   * access changes are announced during the read, so a stale read is never applied.
   */
  const resyncRooms = async (socket: FerrySocket): Promise<void> => {
    const { user } = socket.data;
    while (socket.connected) {
      const ticket = relay.watch.watch([userRoom(user.id)]);
      try {
        const ids = await store.listUserConversationIds(user.id);
        if (ticket.changed() || !socket.connected) continue;
        const wanted = new Set(ids.map(convRoom));
        for (const room of conversationIdsOf(socket.rooms).map(convRoom)) {
          if (!wanted.has(room)) void socket.leave(room);
        }
        void socket.join([...wanted]);
        return;
      } finally {
        ticket.end();
      }
    }
  };

  io.on('connection', (socket: FerrySocket) => {
    const { user, conversationIds, sessionHash } = socket.data;
    const watch = watches.get(socket);
    watches.delete(socket);
    if (watch?.session.changed()) {
      // Signed out while the handshake ran: the announcement passed before the socket was here.
      socket.disconnect(true);
      return;
    }
    const stale = !watch || watch.user.changed();
    adaptMessagePackets(socket);
    // Joined before any event is handled. When the user's memberships changed during the
    // handshake, its conversations are read again before any of their rooms is joined.
    void socket.join([
      userRoom(user.id),
      sessionRoom(sessionHash),
      ...(stale ? [] : conversationIds.map(convRoom)),
    ]);
    if (stale) {
      resyncRooms(socket).catch((err: unknown) => {
        logger.warn({ err, userId: user.id }, 'reading conversations on connect failed');
        socket.disconnect(true);
      });
    }
    const ctx = { socket, user, domain, roomsMatchStore: !relay.crossNode, logger };
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
