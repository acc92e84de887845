/**
 * `message:new` leaves for a conversation as one encoded packet for all its sockets, in the
 * compact form (contract compactMessage: the fields at their default left out, a third of a plain
 * message's bytes, written to every receiver). A client that did not ask for that at its
 * handshake (HandshakeAuth) gets every field, as before compact messages existed: its packets of
 * that event are decoded, filled and encoded again on their way to it alone, so only such
 * clients pay for it.
 */
import { fullMessage, ServerEvent, type CompactMessage, type HandshakeAuth } from '../../contract/index.js';
import type { FerrySocket } from './types.js';

/** The start of an encoded `message:new` (socket.io-parser: type EVENT, main namespace, no ack id). */
const MESSAGE_PACKET = `2${JSON.stringify([ServerEvent.message]).slice(0, -1)},`;

/** The parts of socket.io's Client touched here (writeToEngine is not in its public types). */
interface EngineWriter {
  writeToEngine(packets: unknown[], options: unknown): void;
}

/** True when the socket's handshake asked for compact messages. */
export function wantsCompactMessages(socket: FerrySocket): boolean {
  const auth = socket.handshake.auth as HandshakeAuth | undefined;
  return auth?.compact === true;
}

/** Makes every `message:new` reach `socket` with all its fields. */
export function sendFullMessages(socket: FerrySocket): void {
  const client = socket.client as unknown as EngineWriter;
  const write = client.writeToEngine.bind(client);
  client.writeToEngine = (packets, options) => {
    if (!packets.some(isMessagePacket)) return write(packets, options);
    // A broadcast also hands over its WebSocket frame, made once for every socket (the adapter's
    // wsPreEncodedFrame); that frame is the compact one, so it is left out here.
    const { wsPreEncodedFrame: _frame, ...own } = (options ?? {}) as Record<string, unknown>;
    write(
      packets.map((packet) => (isMessagePacket(packet) ? expanded(packet) : packet)),
      own,
    );
  };
}

function isMessagePacket(packet: unknown): packet is string {
  return typeof packet === 'string' && packet.startsWith(MESSAGE_PACKET);
}

function expanded(packet: string): string {
  const [event, message] = JSON.parse(packet.slice(1)) as [string, CompactMessage];
  return `2${JSON.stringify([event, fullMessage(message)])}`;
}
