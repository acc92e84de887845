/**
 * A TCP proxy on 127.0.0.1 in front of one server, standing for one device's network: cut() drops
 * every open connection and refuses new ones (the device's network is off, the server keeps
 * running for everyone else), resume() lets connections through again.
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  url: string;
  /** Connections accepted so far (each socket.io or HTTP connection the device opened). */
  accepted(): number;
  cut(): void;
  resume(): void;
  close(): Promise<void>;
}

/** Starts a proxy to 127.0.0.1:`targetPort` on a free port. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let up = true;
  let accepted = 0;
  const server = net.createServer((client) => {
    if (!up) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    accepted: () => accepted,
    cut() {
      up = false;
      for (const s of open) s.destroy();
    },
    resume() {
      up = true;
    },
    close() {
      for (const s of open) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
