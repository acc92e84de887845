/**
 * A load-generator process: the parent drives it over IPC (bench/load/pool.ts). Several run at
 * once when one core or one process's file limit cannot carry the load.
 */
import type { Socket } from 'socket.io-client';
import { serveRpc } from '../lib/rpc.js';
import { connectAll } from './connect.js';
import { RelayLoad } from './relayLoad.js';
import type {
  ConnSpec,
  DurableParams,
  IdleOpenParams,
  IdleOpenResult,
  RelayConversation,
  RelayStepParams,
} from './types.js';

const relay = new RelayLoad();
let idle: Socket[] = [];

serveRpc({
  relayOpen: (p: { conversations: RelayConversation[] }) => relay.open(p.conversations),
  relayStep: (p: RelayStepParams) => relay.step(p),
  relayStop: () => relay.stopSending(),
  durable: (p: DurableParams) => relay.durable(p),
  idleOpen: async (p: IdleOpenParams): Promise<IdleOpenResult> => {
    const start = Date.now();
    const specs: ConnSpec[] = Array.from({ length: p.count }, (_, i) => ({
      url: p.url,
      headers: p.headers[i % Math.max(1, p.headers.length)],
      joinRoom: p.joinRooms?.[i % p.joinRooms.length],
    }));
    const r = await connectAll(specs, p.concurrency);
    idle.push(...r.sockets);
    return { opened: r.sockets.length, failed: r.failed, firstError: r.firstError, ms: Date.now() - start };
  },
  /** Sockets still connected (a server that drops idle connections shows up here). */
  idleCount: () => idle.filter((s) => s.connected).length,
  closeAll: () => {
    relay.close();
    for (const s of idle) s.close();
    idle = [];
    return { ok: true };
  },
  memory: () => process.memoryUsage(),
  exit: () => {
    // Leave after this answer is on its way.
    setTimeout(() => process.exit(0), 10);
    return { ok: true };
  },
});
