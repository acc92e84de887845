/**
 * engine.io hands a connection every packet that piled up while its previous write was in flight
 * in one call, and the WebSocket transport writes them frame by frame: one system call per frame.
 * After a group commit a receiver's packets arrive together, so this corks the connection's TCP
 * socket around that call and they leave in one write.
 */
import type { EngineConnection } from './slowSockets.js';

/** The parts of engine.io's WebSocket transport touched here (not in engine.io's types). */
interface FrameTransport {
  send(packets: readonly unknown[]): void;
  /** ws's WebSocket, and its TCP socket; absent for HTTP long-polling. */
  socket?: { _socket?: { cork(): void; uncork(): void } };
}

const coalescing = new WeakSet<object>();

function coalesce(transport: unknown): void {
  const t = transport as FrameTransport | null;
  if (!t || typeof t.send !== 'function' || coalescing.has(t)) return;
  coalescing.add(t);
  const send = t.send.bind(t);
  t.send = (packets) => {
    const tcp = t.socket?._socket;
    if (!tcp || packets.length < 2) return send(packets);
    tcp.cork();
    try {
      send(packets);
    } finally {
      tcp.uncork();
    }
  };
}

/** Writes the packets engine.io sends `conn` at once in one system call, also after an upgrade. */
export function coalesceFrames(conn: EngineConnection): void {
  coalesce(conn.transport);
  conn.on('upgrade', (transport) => coalesce(transport));
}
