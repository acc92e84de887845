/**
 * Starts a real Ferry server for a test: createApp on port 0, a real SQLite store in a fresh temp
 * directory, silent logs. Every server test builds on this (CORE and EDGE alike); useTestServer
 * gives a whole test file one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type AppDeps, type FerryApp } from '../../../server/app.js';
import { loadConfig, type Config } from '../../../server/config.js';
import { createStore } from '../../../server/store/createStore.js';
import type { Store, StoreOptions } from '../../../server/store/Store.js';
import { afterAll, beforeAll } from 'vitest';
import { closeAllSockets } from './clients.js';

export interface StartOptions {
  /** Extra environment variables for loadConfig (DATA_DIR, LOG_LEVEL and WEB_ROOT are preset). */
  env?: Record<string, string>;
  /** Reuse this data directory (e.g. to restart on the same SQLite file); default: a new temp dir. */
  dataDir?: string;
  /** Optional deps passed through to createApp (rate limiter, presence, configureIo, logger, metrics). */
  deps?: Partial<Omit<AppDeps, 'config' | 'store'>>;
  /** Options for the SQLite store (e.g. onCommit for metrics). */
  storeOptions?: StoreOptions;
  /** Replaces the store the app gets, e.g. with `storeWith(store, …)` to inject a failure or a pause. */
  wrapStore?: (store: Store) => Store;
}

export interface TestServer {
  app: FerryApp;
  store: Store;
  config: Config;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  dataDir: string;
  /** Closes the app (which closes the store); removes the data dir unless keepData. Safe to call twice. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/** Makes a fresh temp directory for a test's data. */
export async function makeTempDir(prefix = 'ferry-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Builds the Config a test server uses: defaults plus `env`, with silent logs and sign-ups unthrottled. */
export function testConfig(dataDir: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    WEB_ROOT: process.env.FERRY_WEB_DIST ?? 'dist/web',
    HOST: '127.0.0.1',
    // Every test client signs up from 127.0.0.1: the per-address sign-up limit is lifted unless
    // a test sets its own.
    SIGNUP_BURST: '1000000',
    ...env,
  });
}

/** Starts createApp with a real SQLite store on 127.0.0.1, port 0. */
export async function startTestServer(options: StartOptions = {}): Promise<TestServer> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await makeTempDir());
  const config = testConfig(dataDir, options.env);
  const opened = await createStore({ ...options.storeOptions, dataDir: config.dataDir });
  const store = options.wrapStore ? options.wrapStore(opened) : opened;
  const app = await createApp({ config, store, ...options.deps });
  const { port, url } = await app.listen(0, '127.0.0.1');
  let closed: Promise<void> | null = null;
  return {
    app,
    store,
    config,
    url,
    port,
    dataDir,
    close({ keepData = false } = {}) {
      closed ??= (async () => {
        await app.close();
        if (ownDir && !keepData) await rm(dataDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}

/** A real store with some methods replaced (to inject a failure or a pause); the rest pass through. */
export function storeWith(store: Store, overrides: Partial<Store>): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof Store];
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * One test server for the whole file: started in beforeAll, closed with every client socket in
 * afterAll. The returned object stands for it inside tests and hooks.
 */
export function useTestServer(options: StartOptions = {}): TestServer {
  let current: TestServer | undefined;
  beforeAll(async () => {
    current = await startTestServer(options);
  });
  afterAll(async () => {
    closeAllSockets();
    await current?.close();
  });
  return new Proxy({} as TestServer, {
    get(_, prop) {
      if (!current)
        throw new Error('useTestServer: the server starts in beforeAll; use it in tests and hooks.');
      return Reflect.get(current, prop) as unknown;
    },
  });
}
