/**
 * socket.io's packet format for text only, in place of socket.io-parser in the page's build (an
 * alias in vite.config.ts): every payload of Ferry's wire contract is JSON, files go over tus and
 * HTTP, so the binary half of the parser (finding, cutting out and putting back buffers) is code
 * the hub would load for nothing. The text format is socket.io-parser's own (protocol 5), checked
 * against it by test/client/socketParser.test.ts. A binary packet, should the server ever send
 * one, is refused as a parse error (socket.io-client then closes and reconnects) instead of being
 * misread.
 */
import { Emitter } from '@socket.io/component-emitter';

export const protocol = 5;

export const PacketType = {
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
} as const;
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

export interface Packet {
  type: PacketType;
  nsp: string;
  data?: unknown;
  id?: number;
}

/** Event names with a meaning of their own in socket.io: never an event's name on the wire. */
const RESERVED_EVENTS = [
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
];

export class Encoder {
  /** One string per packet: `<type>[<nsp>,][<id>][<json>]`. */
  encode(packet: Packet): string[] {
    let text = String(packet.type);
    if (packet.nsp && packet.nsp !== '/') text += packet.nsp + ',';
    if (packet.id != null) text += packet.id;
    if (packet.data != null) text += JSON.stringify(packet.data);
    return [text];
  }
}

const isObject = (value: unknown): boolean => Object.prototype.toString.call(value) === '[object Object]';

function payloadValid(type: PacketType, payload: unknown): boolean {
  switch (type) {
    case PacketType.CONNECT:
      return isObject(payload);
    case PacketType.CONNECT_ERROR:
      return typeof payload === 'string' || isObject(payload);
    case PacketType.EVENT:
      return (
        Array.isArray(payload) &&
        (typeof payload[0] === 'number' ||
          (typeof payload[0] === 'string' && !RESERVED_EVENTS.includes(payload[0])))
      );
    case PacketType.ACK:
      return Array.isArray(payload);
    default:
      return false;
  }
}

interface DecoderEvents {
  decoded: (packet: Packet) => void;
}

export class Decoder extends Emitter<Record<never, never>, Record<never, never>, DecoderEvents> {
  /** Decodes one packet and emits `decoded`; throws on anything else (socket.io-client's parse error). */
  add(chunk: unknown): void {
    if (typeof chunk !== 'string') throw new Error('binary socket.io packets are not supported');
    this.emitReserved('decoded', decode(chunk));
  }

  destroy(): void {}
}

function decode(text: string): Packet {
  const type = Number(text.charAt(0)) as PacketType;
  if (!(type >= PacketType.CONNECT && type <= PacketType.CONNECT_ERROR))
    throw new Error('unsupported packet type ' + text.charAt(0));
  let i = 1;
  let nsp = '/';
  if (text.charAt(i) === '/') {
    const comma = text.indexOf(',', i);
    const end = comma === -1 ? text.length : comma;
    nsp = text.substring(i, end);
    i = end + 1;
  }
  const packet: Packet = { type, nsp };
  const idStart = i;
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  if (i > idStart) packet.id = Number(text.substring(idStart, i));
  if (i < text.length) {
    let payload: unknown;
    try {
      payload = JSON.parse(text.substring(i));
    } catch {
      throw new Error('invalid payload');
    }
    if (!payloadValid(type, payload)) throw new Error('invalid payload');
    packet.data = payload;
  }
  return packet;
}
