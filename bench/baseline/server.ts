/**
 * The baseline: a bare socket.io relay with nothing of Ferry's work (no auth, no validation, no
 * storage). A client joins a room, sends, and the server broadcasts to the room and acks. It
 * answers with Ferry's event names and message shape so the same load clients drive both.
 *
 * Env: PORT, HOST (default 127.0.0.1); REDIS_URL to run as one of several nodes, with
 * BASELINE_ADAPTER = streams (default, as Ferry's server/scale/redis.ts) | pubsub | sharded, and
 * REDIS_KEY_PREFIX so a run does not share streams or channels with anyone else on that Redis.
 */
import { createServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { ClientEvent, ServerEvent } from '../../contract/index.js';

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';

const http = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    return;
  }
  res.writeHead(404).end();
});
const io = new Server(http, { serveClient: false });
const closeRedis = process.env.REDIS_URL ? await useRedis(io, process.env.REDIS_URL) : async () => {};

/** The baseline's only state: a per-room counter standing in for Ferry's seq (memory only). */
const seqs = new Map<string, number>();

interface SendPayload {
  id: string;
  conversationId: string;
  text: string;
  typedAt: number;
}

io.on('connection', (socket: Socket) => {
  socket.on('join', (p: { conversationId: string }, ack?: (r: object) => void) => {
    void socket.join(`conv:${p?.conversationId}`);
    ack?.({ ok: true });
  });
  socket.on(ClientEvent.send, (p: SendPayload, ack?: (r: object) => void) => {
    if (typeof p !== 'object' || p === null) return ack?.({ ok: false });
    const seq = (seqs.get(p.conversationId) ?? 0) + 1;
    seqs.set(p.conversationId, seq);
    const message = { ...p, seq, senderId: socket.id, senderName: 'baseline', createdAt: Date.now() };
    // Every socket in the room but the sender's, which has the ack (as Ferry does).
    socket.to(`conv:${p.conversationId}`).emit(ServerEvent.message, message);
    ack?.({ ok: true, message, duplicate: false });
  });
});

http.listen(port, host, () => {
  const addr = http.address();
  console.log(`baseline listening on ${typeof addr === 'object' && addr ? addr.port : port}`);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void io
      .close()
      .then(closeRedis, closeRedis)
      .finally(() => process.exit(0));
  });
}

/** Installs the Redis adapter kind named by BASELINE_ADAPTER; returns a closer. */
async function useRedis(server: Server, url: string): Promise<() => Promise<void>> {
  const { createClient } = await import('redis');
  const kind = process.env.BASELINE_ADAPTER ?? 'streams';
  const prefix = process.env.REDIS_KEY_PREFIX ?? 'baseline:';
  const pub = createClient({ url });
  await pub.connect();
  if (kind === 'streams') {
    const { createAdapter } = await import('@socket.io/redis-streams-adapter');
    // The same options as Ferry's adapter, so the comparison is about Ferry's own work.
    server.adapter(
      createAdapter(pub, {
        streamName: `${prefix}sio`,
        channelPrefix: `${prefix}sio`,
        sessionKeyPrefix: `${prefix}sio:session:`,
        maxLen: 10_000,
        onlyPlaintext: true,
      }),
    );
    return async () => {
      server.of('/').adapter.close();
      await pub.quit();
    };
  }
  const sub = pub.duplicate();
  await sub.connect();
  const adapters = await import('@socket.io/redis-adapter');
  const opts = { key: `${prefix}sio` };
  server.adapter(
    kind === 'sharded'
      ? adapters.createShardedAdapter(pub, sub, { channelPrefix: `${prefix}sio` })
      : adapters.createAdapter(pub, sub, opts),
  );
  return async () => {
    await Promise.allSettled([pub.quit(), sub.quit()]);
  };
}
