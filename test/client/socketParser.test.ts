/**
 * The hub's text-only socket.io packet format (shared-worker/socketParser.ts, aliased for
 * socket.io-parser in the page's build) against socket.io-parser itself, which the server runs.
 */
import * as reference from 'socket.io-parser';
import { describe, expect, it } from 'vitest';
import { Decoder, Encoder, PacketType, protocol, type Packet } from '../../shared-worker/socketParser';

const packets: Packet[] = [
  { type: PacketType.CONNECT, nsp: '/' },
  { type: PacketType.CONNECT, nsp: '/', data: { token: 'a' } },
  { type: PacketType.CONNECT, nsp: '/admin', data: { sid: 'x' } },
  { type: PacketType.DISCONNECT, nsp: '/' },
  { type: PacketType.DISCONNECT, nsp: '/admin' },
  { type: PacketType.EVENT, nsp: '/', data: ['chat', { text: 'héllo, "world" 🙂', n: 12 }] },
  { type: PacketType.EVENT, nsp: '/', data: ['typing', { on: true }], id: 7 },
  { type: PacketType.EVENT, nsp: '/admin', data: ['x', null, [1, 2]], id: 1234 },
  { type: PacketType.EVENT, nsp: '/', data: [42, 'numbered'] },
  { type: PacketType.ACK, nsp: '/', data: [{ ok: true, seq: 3 }], id: 0 },
  { type: PacketType.ACK, nsp: '/admin', data: [], id: 98 },
  { type: PacketType.CONNECT_ERROR, nsp: '/', data: { message: 'unauthorized', data: { code: 'AUTH' } } },
  { type: PacketType.CONNECT_ERROR, nsp: '/', data: 'Invalid namespace' },
];

function decodeWith(
  decoder: { add(chunk: unknown): void; on(event: 'decoded', cb: (p: unknown) => void): unknown },
  text: string,
) {
  const decoded: unknown[] = [];
  decoder.on('decoded', (packet) => decoded.push(packet));
  decoder.add(text);
  return decoded;
}

describe('socketParser', () => {
  it('speaks the same protocol version and packet types as socket.io-parser', () => {
    expect(protocol).toBe(reference.protocol);
    for (const [name, value] of Object.entries(PacketType))
      expect(reference.PacketType[name as keyof typeof reference.PacketType]).toBe(value);
  });

  it('encodes every text packet exactly as socket.io-parser does', () => {
    for (const packet of packets)
      expect(new Encoder().encode(packet)).toEqual(
        new reference.Encoder().encode(packet as reference.Packet),
      );
  });

  it('decodes what socket.io-parser encodes into the same packets', () => {
    for (const packet of packets) {
      const [text] = new reference.Encoder().encode(packet as reference.Packet) as string[];
      expect(decodeWith(new Decoder(), text!)).toEqual(decodeWith(new reference.Decoder(), text!));
    }
  });

  it('refuses what socket.io-parser refuses, and binary packets', () => {
    const refused = [
      '9',
      '2["connect"]',
      '2{"not":"an array"}',
      '0"string"',
      '1{}',
      '3{"x":1}',
      '2[broken',
      '51-["file",{"_placeholder":true,"num":0}]',
      '61-0[{"_placeholder":true,"num":0}]',
    ];
    for (const text of refused) {
      expect(() => new Decoder().add(text), text).toThrow();
      if (!text.startsWith('5') && !text.startsWith('6'))
        expect(() => new reference.Decoder().add(text), text).toThrow();
    }
    expect(() => new Decoder().add(new ArrayBuffer(4))).toThrow();
  });
});
