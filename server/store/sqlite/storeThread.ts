/**
 * The event-loop side of one store worker thread: starts it (from compiled JavaScript, or from the
 * TypeScript sources through tsx when the server itself runs from them), sends requests, and
 * matches replies. If the thread dies, every pending request fails and so does every later
 * one: the store is broken, not half-working.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ErrorCode } from '../../../contract/errors.js';
import { StoreError } from '../errors.js';
import { errorFromWire, type Reply, type Request } from './wire.js';

/** The worker entries next to this file. */
export type ThreadEntry = 'writerWorker' | 'readerWorker';

/** What a caller of a dead thread receives. */
export function storeFailedError(cause?: unknown): StoreError {
  return new StoreError(
    ErrorCode.UNAVAILABLE,
    'The message store stopped working. Your last change may not be saved; try again shortly.',
    { retryAfterMs: 5_000, cause },
  );
}

/** One worker thread of the SQLite store. */
export class StoreThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (e: unknown) => void }>();
  readonly #exited: Promise<void>;
  #nextId = 1;
  #failure: StoreError | null = null;
  #stopping = false;

  /** `onFailure` runs once if the thread dies without being asked to stop. */
  constructor(
    entry: ThreadEntry,
    workerData: unknown,
    private readonly onFailure: (error: StoreError) => void,
  ) {
    this.#worker = startWorker(entry, workerData);
    // Idle threads do not keep the process alive; a pending request does (see #track).
    this.#worker.unref();
    this.#worker.on('message', (reply: Reply) => this.#settle(reply));
    this.#worker.on('error', (error) => this.#fail(error));
    this.#exited = new Promise((resolve) =>
      this.#worker.once('exit', (code) => {
        if (!this.#stopping || this.#pending.size > 0) this.#fail(new Error(`store thread exited (${code})`));
        resolve();
      }),
    );
  }

  /** Runs `op` on the thread; rejects with the thread's error, or storeFailedError if it died. */
  call<T>(op: string, args: unknown = null): Promise<T> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (this.#pending.size === 1) this.#worker.ref();
      this.#worker.postMessage({ id, op, args } satisfies Request);
    });
  }

  /** Asks the thread to close its connection and end; resolves once it has. Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.#stopping && !this.#failure) {
      this.#stopping = true;
      await this.call('close').catch(() => undefined);
    }
    this.#stopping = true;
    await this.#worker.terminate();
    await this.#exited;
  }

  #settle(reply: Reply): void {
    const waiter = this.#pending.get(reply.id);
    if (!waiter) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(errorFromWire(reply.error));
  }

  #fail(cause: unknown): void {
    if (this.#failure) return;
    this.#failure = storeFailedError(cause);
    const waiting = [...this.#pending.values()];
    this.#pending.clear();
    for (const waiter of waiting) waiter.reject(this.#failure);
    if (!this.#stopping) this.onFailure(this.#failure);
  }
}

/**
 * Compiled (dist/node), the entry is the .js file beside this one. Run from the TypeScript
 * sources (tsx, vitest), it is the .ts file, and the new thread registers tsx before loading it:
 * module hooks registered on the main thread do not reach worker threads. Unless
 * FERRY_COMPILED_DIR names these sources compiled (`npm test` builds dist/node first, then sets
 * it): then the thread loads its compiled entry from there, about 0.6 s less per store opened and
 * closed than a thread with tsx's loader of its own.
 */
function startWorker(entry: ThreadEntry, workerData: unknown): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${entry}.js`, here), { workerData });
  const compiled = process.env.FERRY_COMPILED_DIR;
  if (compiled) {
    const fromRoot = new URL(`./${entry}.js`, here).href.slice(new URL('../../../', here).href.length);
    return new Worker(new URL(fromRoot, pathToFileURL(`${compiled}/`)), { workerData });
  }
  return tsWorker(new URL(`./${entry}.ts`, here), workerData);
}

/** A worker thread running the TypeScript module `file` through tsx (the sources, not compiled). */
export function tsWorker(file: URL, workerData: unknown): Worker {
  const boot = `import(${JSON.stringify(tsxApi(import.meta.url))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

/** URL of tsx's ESM API (`tsx/esm/api`, import condition), found from its package.json. */
function tsxApi(from: string): string {
  const require = createRequire(from);
  const manifest = require.resolve('tsx/package.json');
  const { exports } = require(manifest) as { exports: Record<string, { import: { default: string } }> };
  return new URL(exports['./esm/api']!.import.default, pathToFileURL(manifest)).href;
}
