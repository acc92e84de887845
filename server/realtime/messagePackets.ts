/**
 * `message:new` leaves for a conversation as one encoded packet for all its sockets, in the
 * compact form (contract compactMessage: the fields at their default left out, a third of a plain
 * message's bytes, written to every receiver), holding every message of that conversation one
 * commit stored (Relay.message). A client that did not ask for both at its handshake
 * (HandshakeAuth) gets what it asked for, as before: its packets of that event are decoded, split
 * into one per message, filled where it wants every field, and encoded again on their way to it
 * alone, so only such clients pay for it.
 */
import { fullMessage, ServerEvent, type CompactMessage, type HandshakeAuth } from '../../contract/index.js';
import type { FerrySocket } from './types.js';

/** The start of an encoded `message:new` (socket.io-parser: type EVENT, main namespace, no ack id). */
const MESSAGE_PACKET = `2${JSON.stringify([ServerEvent.message]).slice(0, -1)},`;

/** The parts of socket.io's Client touched here (writeToEngine is not in its public types). */
interface EngineWriter {
  writeToEngine(packets: unknown[], options: unknown): void;
}

/**
 * Makes every `message:new` reach `socket` the way its handshake asked: one message a packet
 * unless batch, whole unless compact or batch. Sockets that asked for batches are left untouched.
 */
export function adaptMessagePackets(socket: FerrySocket): void {
  const auth = socket.handshake.auth as HandshakeAuth | undefined;
  if (auth?.batch === true) return;
  const compact = auth?.compact === true;
  const client = socket.client as unknown as EngineWriter;
  const write = client.writeToEngine.bind(client);
  client.writeToEngine = (packets, options) => {
    if (!packets.some(isMessagePacket)) return write(packets, options);
    // A broadcast also hands over its WebSocket frame, made once for every socket (the adapter's
    // wsPreEncodedFrame); that frame is the batched compact one, so it is left out here.
    const { wsPreEncodedFrame: _frame, ...own } = (options ?? {}) as Record<string, unknown>;
    write(
      packets.flatMap((packet) => (isMessagePacket(packet) ? onePerMessage(packet, compact) : [packet])),
      own,
    );
  };
}

function isMessagePacket(packet: unknown): packet is string {
  return typeof packet === 'string' && packet.startsWith(MESSAGE_PACKET);
}

function onePerMessage(packet: string, compact: boolean): string[] {
  const [event, ...messages] = JSON.parse(packet.slice(1)) as [string, ...CompactMessage[]];
  return messages.map((message) => `2${JSON.stringify([event, compact ? message : fullMessage(message)])}`);
}
