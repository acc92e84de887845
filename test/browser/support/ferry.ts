/**
 * A real Ferry server for browser tests: createApp on port 0 with a temp SQLite data dir, serving
 * the built page. stop()/kill() and restart() keep the same port and data dir, so the page's origin
 * (and with it IndexedDB, the Service Worker and the cookie) stays the same across a restart.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { createApp, type FerryApp } from '../../../server/app';
import { loadConfig } from '../../../server/config';
import { createStore } from '../../../server/store/createStore';
import type { Store } from '../../../server/store/Store';

export interface StartFerryOptions {
  /** Built page to serve; default `process.env.FERRY_WEB_DIST ?? 'dist/web'`. */
  webDist?: string;
  /** Extra environment for loadConfig (e.g. SEND_RATE_PER_SECOND). */
  env?: Record<string, string>;
}

export interface Ferry {
  /** Origin of the page, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** The running app; throws while stopped. */
  readonly app: FerryApp;
  /** The running app's store (for checks of server state no API shows); throws while stopped. */
  readonly store: Store;
  readonly running: boolean;
  /** Graceful stop: finishes pending commits, closes sockets and the store. */
  stop(): Promise<void>;
  /** Abrupt stop: drops every TCP connection first (like a crash), then releases the store. */
  kill(): Promise<void>;
  /** Starts again on the same port and data dir. */
  restart(): Promise<void>;
  /** Stops (if running) and deletes the data dir. */
  dispose(): Promise<void>;
}

/** Resolves the built page folder and fails loudly when it is missing. */
export function webDistDir(webDist?: string): string {
  const dir = resolve(webDist ?? process.env.FERRY_WEB_DIST ?? 'dist/web');
  if (!existsSync(join(dir, 'index.html')))
    throw new Error(
      `No built page at ${dir}: build one with "npx vite build --outDir /tmp/<you>-dist --emptyOutDir" ` +
        'and set FERRY_WEB_DIST to it (or run "npm run build").',
    );
  return dir;
}

/** Starts a real Ferry server on 127.0.0.1, port 0, with a fresh SQLite data dir. */
export async function startFerry(options: StartFerryOptions = {}): Promise<Ferry> {
  const webRoot = webDistDir(options.webDist);
  const dataDir = await mkdtemp(join(tmpdir(), 'ferry-browser-'));
  const env: NodeJS.ProcessEnv = {
    DATA_DIR: dataDir,
    WEB_ROOT: webRoot,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    // One test file signs many people up from 127.0.0.1 (more again when a failed test is run
    // once more): the per-address sign-up limit is tested on its own (test/server/auth).
    SIGNUP_RATE_PER_HOUR: '1000',
    SIGNUP_BURST: '1000',
    ...options.env,
  };
  let app: FerryApp | null = null;
  let store: Store | null = null;
  let port = 0;
  // Every TCP connection, including upgraded WebSockets (which the http server no longer tracks).
  const connections = new Set<Socket>();

  async function boot(onPort: number): Promise<void> {
    const config = loadConfig(env);
    const opened = await createStore({
      dataDir: config.dataDir,
      databaseUrl: config.databaseUrl ?? undefined,
    });
    const next = await createApp({ config, store: opened });
    next.server.on('connection', (socket: Socket) => {
      connections.add(socket);
      socket.once('close', () => connections.delete(socket));
    });
    try {
      port = (await next.listen(onPort, '127.0.0.1')).port;
    } catch (err) {
      await next.close();
      throw err;
    }
    app = next;
    store = opened;
    // FERRY_DEBUG_SOCKETS=1 logs every socket's life (who, transport, why it ended): for flaky tests.
    if (process.env.FERRY_DEBUG_SOCKETS)
      next.io.on('connection', (socket) => {
        const who = `${socket.data.user?.username} ${socket.id}`;
        console.log(`[ferry socket] + ${who} ${socket.conn.transport.name} ${new Date().toISOString()}`);
        socket.on('disconnect', (reason) =>
          console.log(`[ferry socket] - ${who} ${reason} ${new Date().toISOString()}`),
        );
      });
  }

  await boot(0);

  const ferry: Ferry = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    dataDir,
    get app() {
      if (!app) throw new Error('The Ferry server is stopped.');
      return app;
    },
    get store() {
      if (!store || !app) throw new Error('The Ferry server is stopped.');
      return store;
    },
    get running() {
      return app !== null;
    },
    async stop() {
      const current = app;
      app = null;
      await current?.close();
    },
    async kill() {
      const current = app;
      app = null;
      if (!current) return;
      for (const socket of connections) socket.destroy();
      connections.clear();
      await current.close();
    },
    async restart() {
      if (app) throw new Error('restart() needs the server stopped first (stop() or kill()).');
      await boot(port);
    },
    async dispose() {
      await ferry.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return ferry;
}

/** How many socket.io connections the server holds for one user, across all its browsers. */
export async function socketCount(ferry: Ferry, userId: string): Promise<number> {
  const sockets = await ferry.app.io.fetchSockets();
  return sockets.filter((s) => s.data.user?.id === userId).length;
}
