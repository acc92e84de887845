/**
 * A socket.io client that stops reading would otherwise have every packet for it buffered until
 * its ping timeout (tens of seconds of a busy room). Each connection counts the bytes waiting for
 * it, in engine.io's write buffer and in the WebSocket's send buffer, and is cut past a cap; it
 * reconnects and catches up by seq like after any disconnect.
 */

/** The parts of an engine.io socket this module reads (they are not in engine.io's types). */
export interface EngineConnection {
  on(event: 'packetCreate', listener: (packet: { data?: unknown }) => void): unknown;
  on(event: 'flush', listener: () => void): unknown;
  on(event: 'upgrade', listener: (transport: unknown) => void): unknown;
  close(discard?: boolean): void;
  readonly transport: unknown;
}

/** Bytes the WebSocket (ws) has accepted but not yet handed to the kernel; 0 for polling. */
function transportBacklog(transport: unknown): number {
  const socket = (transport as { socket?: { bufferedAmount?: unknown } } | null)?.socket;
  return typeof socket?.bufferedAmount === 'number' ? socket.bufferedAmount : 0;
}

/**
 * The last string measured and its UTF-8 size: a broadcast hands the same encoded packet to every
 * socket of the room, so it is measured once, not once per receiver.
 */
let lastString = '';
let lastBytes = 0;

function sizeOf(data: unknown): number {
  if (typeof data === 'string') {
    if (data !== lastString) {
      lastString = data;
      lastBytes = Buffer.byteLength(data);
    }
    return lastBytes;
  }
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/**
 * Cuts `conn` (discarding what is queued) once more than `maxBytes` wait to be sent to it;
 * `onCut` is told once, for the log.
 */
export function capOutgoing(
  conn: EngineConnection,
  maxBytes: number,
  onCut: (queuedBytes: number) => void,
): void {
  // Bytes created since engine.io last handed its write buffer to the transport.
  let unflushed = 0;
  let cut = false;
  conn.on('flush', () => {
    unflushed = 0;
  });
  conn.on('packetCreate', (packet) => {
    if (cut) return;
    unflushed += sizeOf(packet.data);
    const queued = unflushed + transportBacklog(conn.transport);
    if (queued <= maxBytes) return;
    cut = true;
    onCut(queued);
    conn.close(true);
    // A graceful WebSocket close would queue its close frame behind the stalled data.
    const ws = (conn.transport as { socket?: { terminate?: () => void } } | null)?.socket;
    ws?.terminate?.();
  });
}
