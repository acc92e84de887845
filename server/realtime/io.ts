/** The socket.io server: both transports, payload cap, origin allowlist (server/http/security.ts). */
import { Server } from 'socket.io';
import { MAX_PACKET_BYTES } from '../../contract/limits.js';
import type { Config } from '../config.js';
import { socketOriginOptions } from '../http/security.js';
import type { FerryIo } from './types.js';

/** Creates the io server, not yet attached to an HTTP server (createApp attaches it). */
export function createIo(config: Config): FerryIo {
  return new Server({
    transports: ['polling', 'websocket'],
    // Above MAX_PAYLOAD_BYTES, so that dispatch can answer a payload over it with
    // PAYLOAD_TOO_LARGE instead of the transport closing the connection without a word.
    maxHttpBufferSize: MAX_PACKET_BYTES,
    serveClient: false,
    // Small chat packets: compression costs more CPU than it saves (see notes/realtime-server.md).
    perMessageDeflate: false,
    httpCompression: false,
    ...socketOriginOptions({ allowedOrigins: config.allowedOrigins, trustProxy: config.trustProxy }),
  });
}
