import { useEffect, useState } from 'preact/hooks';
import type { FerryDb } from '../../localdb/index';
import type { HubEvents } from '../../shared-worker/protocol';
import { getDb } from './db';
import { hubClient } from './hubClient';

export type Change = HubEvents['changed'];

/** True when a change touches one of `stores`, for `conversationId` when given. */
export function touches(change: Change, stores: Change['stores'], conversationId?: string): boolean {
  if (!change.stores.some((s) => stores.includes(s))) return false;
  return !conversationId || !change.conversationIds || change.conversationIds.includes(conversationId);
}

/** A read started before its hook mounted, and its value once it has one. */
interface Primed {
  promise: Promise<unknown>;
  settled: boolean;
  value?: unknown;
  /** The hub said something changed since it started: shown first, but read again. */
  stale: boolean;
}

/**
 * Reads started at boot for what the first screen shows (primeConversation), each taken once by
 * the hooks that read the same key. Once the hub says something changed (its first answer always
 * does), a hook still shows the primed value at once but reads again for itself.
 */
const primed = new Map<string, Primed>();
let staleOnChange: (() => void) | undefined;

/**
 * Starts `read` now for the hook that will read `key`, so the first screen's reads run side by side
 * from the page's start instead of one component level after another. Returns the read.
 */
export function prime<T>(key: string, read: (db: FerryDb) => Promise<T>): Promise<T> {
  staleOnChange ??= hubClient().on('changed', () => {
    for (const entry of primed.values()) entry.stale = true;
  });
  const entry: Primed = { promise: getDb().then(read), settled: false, stale: false };
  entry.promise.then(
    (value) => {
      entry.settled = true;
      entry.value = value;
    },
    () => primed.delete(key),
  );
  primed.set(key, entry);
  return entry.promise as Promise<T>;
}

/** A primed read's value when it is already there (a first render can show it at once). */
export function primedValue<T>(key: string): { value: T } | undefined {
  const entry = primed.get(key);
  return entry?.settled ? { value: entry.value as T } : undefined;
}

/** Reads started in this task, by key: components mounting together read each key once. */
const sameTask = new Map<string, Promise<unknown>>();

/**
 * `read` of `key`, shared with every other read of `key` started in the same task (the hooks of one
 * render, or the listeners of one change: none can see a different state), or the primed read.
 */
export function sharedRead<T>(key: string, read: (db: FerryDb) => Promise<T>): Promise<T> {
  let promise = sameTask.get(key);
  if (!promise) {
    const ready = primed.get(key);
    primed.delete(key);
    promise = ready && !ready.stale ? ready.promise : getDb().then(read);
    if (sameTask.size === 0) queueMicrotask(() => sameTask.clear());
    sameTask.set(key, promise);
  }
  return promise as Promise<T>;
}

/**
 * Reads IndexedDB and reads again whenever the hub says something relevant changed. `key`
 * identifies what is read (the same key, the same read: hooks share it): while a read for a new key
 * is pending, `initial` is returned, never the previous key's data.
 */
export function useLiveQuery<T>(
  key: string,
  read: (db: FerryDb) => Promise<T>,
  initial: T,
  relevant: (change: Change) => boolean,
  extra: unknown[] = [],
): T {
  const [state, setState] = useState<{ key: string; value: T } | null>(() => {
    const ready = primedValue<T>(key);
    return ready ? { key, value: ready.value } : null;
  });
  useEffect(() => {
    let alive = true;
    let latest = 0;
    const load = (): void => {
      const ticket = ++latest;
      sharedRead(key, read)
        .then((value) => {
          if (alive && ticket === latest)
            setState((prev) => (prev && prev.key === key && prev.value === value ? prev : { key, value }));
        })
        .catch((err: unknown) => console.warn('ferry: reading the local store failed', err));
    };
    load();
    const off = hubClient().on('changed', (change) => {
      if (relevant(change)) load();
    });
    return () => {
      alive = false;
      off();
    };
    // `read` and `relevant` are recreated each render; `key` and `extra` say when they differ.
  }, [key, ...extra]);
  return state && state.key === key ? state.value : initial;
}

/** The longest a coalesced read waits for a frame (a hidden tab gets none). */
const FRAME_FALLBACK_MS = 50;

/**
 * Runs `read` for a burst of change notices once: at the next animation frame, and, while a read it
 * started is still running, once more after it rather than beside it. A replay announces changes
 * every 75 ms; each would otherwise start a read of the conversation's whole outbox, side by side.
 * `stop` cancels a read not yet started.
 */
export function coalescedReads(read: () => Promise<unknown>): { soon(): void; stop(): void } {
  let running = false;
  let again = false;
  let stopped = false;
  let waiting: (() => void) | undefined;
  const start = (): void => {
    waiting = undefined;
    if (stopped) return;
    running = true;
    void read()
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          soon();
        }
      });
  };
  const soon = (): void => {
    if (running) again = true;
    else if (!waiting && !stopped) waiting = nextFrame(start);
  };
  return {
    soon,
    stop: () => {
      stopped = true;
      waiting?.();
    },
  };
}

/** Calls `fn` once, at the next animation frame or after FRAME_FALLBACK_MS; returns a canceller. */
function nextFrame(fn: () => void): () => void {
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    fn();
  };
  const frame = requestAnimationFrame(once);
  const timer = setTimeout(once, FRAME_FALLBACK_MS);
  return () => {
    done = true;
    cancelAnimationFrame(frame);
    clearTimeout(timer);
  };
}
