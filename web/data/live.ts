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

/**
 * Reads IndexedDB and reads again whenever the hub says something relevant changed. `key`
 * identifies what is read: while a read for a new key is pending, `initial` is returned, never
 * the previous key's data.
 */
export function useLiveQuery<T>(
  key: string,
  read: (db: FerryDb) => Promise<T>,
  initial: T,
  relevant: (change: Change) => boolean,
  extra: unknown[] = [],
): T {
  const [state, setState] = useState<{ key: string; value: T } | null>(null);
  useEffect(() => {
    let alive = true;
    let latest = 0;
    const load = (): void => {
      const ticket = ++latest;
      getDb()
        .then(read)
        .then((value) => {
          if (alive && ticket === latest) setState({ key, value });
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
