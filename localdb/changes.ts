/**
 * Change announcements between contexts. Writers that may run anywhere (the outbox is written by
 * pages, the hub and the Service Worker) announce what they changed on a BroadcastChannel; the hub
 * listens and tells its tabs to re-read. BroadcastChannel works in windows and in every worker.
 */
export const CHANGES_CHANNEL = 'ferry-changes';

export type StoreName = 'conversations' | 'messages' | 'members' | 'outbox';

export interface DbChange {
  stores: StoreName[];
  conversationIds?: string[];
}

/** Tells every other context that these stores changed. A no-op where BroadcastChannel is missing. */
export function announceChange(change: DbChange): void {
  if (typeof BroadcastChannel === 'undefined') return;
  const channel = new BroadcastChannel(CHANGES_CHANNEL);
  channel.postMessage(change);
  channel.close();
}

/** Calls `listener` for changes announced by other contexts; returns the unsubscribe function. */
export function onAnnouncedChange(listener: (change: DbChange) => void): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => {};
  const channel = new BroadcastChannel(CHANGES_CHANNEL);
  channel.onmessage = (event: MessageEvent<DbChange>) => listener(event.data);
  return () => channel.close();
}

export interface CoalescedAnnouncer {
  /** Announces now if nothing was announced within the interval, else merges into the next one. */
  announce(change: DbChange): void;
  /** Announces whatever is waiting now (e.g. at the end of a drain). */
  flush(): void;
}

/**
 * Announces changes at most once per `intervalMs`, merging what changed in between: during a
 * burst (a drain acking hundreds of messages) every tab re-reads a few times a second instead of
 * once per message, while a single change still goes out at once.
 */
export function coalescedAnnouncer(intervalMs: number, now: () => number = Date.now): CoalescedAnnouncer {
  let waiting: DbChange | null = null;
  let lastAt = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (!waiting) return;
    const change = waiting;
    waiting = null;
    lastAt = now();
    announceChange(change);
  };
  return {
    announce(change) {
      waiting = waiting ? mergeChanges(waiting, change) : { ...change, stores: [...change.stores] };
      const wait = lastAt + intervalMs - now();
      if (wait <= 0) flush();
      else timer ??= setTimeout(flush, wait);
    },
    flush,
  };
}

/** One change covering both (no conversation ids on either side means "any conversation"). */
export function mergeChanges(a: DbChange, b: DbChange): DbChange {
  const stores = [...new Set([...a.stores, ...b.stores])];
  if (!a.conversationIds || !b.conversationIds) return { stores };
  return { stores, conversationIds: [...new Set([...a.conversationIds, ...b.conversationIds])] };
}
