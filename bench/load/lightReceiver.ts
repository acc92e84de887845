/**
 * A receive-only socket.io client that speaks the wire protocol over a raw WebSocket (engine.io
 * v4, socket.io v5 packets) and reads only what the bench needs: the text of `message:new`
 * events. The full socket.io-client decodes every packet into objects, which at tens of thousands
 * of deliveries a second made the load generator, not the server, the limit.
 */
import WebSocket from 'ws';
import { LOAD_AUTH } from './connect.js';
import type { ConnSpec } from './types.js';

/** engine.io packet types (first character of a text frame) and socket.io packet types (second). */
const EIO_OPEN = '0';
const EIO_PING = '2';
const EIO_PONG = '3';
const EIO_MESSAGE = '4';
const SIO_CONNECT = '0';
const SIO_CONNECT_ERROR = '4';
const SIO_ACK = '3';

const MESSAGE_NEW = '42["message:new",';
const TEXT_FIELD = '"text":"';

export interface LightSocket {
  close(): void;
}

/** The socket.io endpoint of a server URL, WebSocket transport only. */
function endpoint(url: string): string {
  const u = new URL('/socket.io/', url);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.search = 'EIO=4&transport=websocket';
  return u.toString();
}

/**
 * Connects, joins `spec.joinRoom` if given (the baseline's `join` event), and calls `onText` with
 * the raw JSON-escaped text of every message a `message:new` carries (the bench's texts need no
 * unescaping).
 */
export function connectLight(
  spec: ConnSpec,
  onText: (text: string) => void,
  timeoutMs = 20_000,
): Promise<LightSocket> {
  const ws = new WebSocket(endpoint(spec.url), { headers: spec.headers, perMessageDeflate: false });
  return new Promise<LightSocket>((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => fail(new Error(`connect to ${spec.url} timed out`)), timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      ws.terminate();
      if (!ready) reject(e);
    };
    const open = () => {
      ready = true;
      clearTimeout(timer);
      resolve({ close: () => ws.close() });
    };
    ws.on('error', (e) => fail(e));
    ws.on('message', (raw: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      const frame = raw.toString();
      if (frame.startsWith(MESSAGE_NEW)) {
        // One event may carry several messages (LOAD_AUTH asks for batches), each with its text.
        for (let at = frame.indexOf(TEXT_FIELD); at >= 0; at = frame.indexOf(TEXT_FIELD, at)) {
          at += TEXT_FIELD.length;
          onText(frame.slice(at, frame.indexOf('"', at)));
        }
        return;
      }
      const type = frame[0];
      if (type === EIO_PING) return ws.send(EIO_PONG);
      if (type === EIO_OPEN) return ws.send(EIO_MESSAGE + SIO_CONNECT + JSON.stringify(LOAD_AUTH));
      if (type !== EIO_MESSAGE || ready) return;
      if (frame[1] === SIO_CONNECT_ERROR) return fail(new Error(`connect refused: ${frame.slice(2)}`));
      if (frame[1] === SIO_CONNECT) {
        if (!spec.joinRoom) return open();
        // Ack id 0: the only event this client ever sends.
        ws.send(`${EIO_MESSAGE}20${JSON.stringify(['join', { conversationId: spec.joinRoom }])}`);
        return;
      }
      if (frame[1] === SIO_ACK) open();
    });
    ws.on('close', () => fail(new Error(`connection to ${spec.url} closed during the handshake`)));
  });
}
