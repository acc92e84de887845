/**
 * Change announcements between contexts. Writers that may run anywhere (the outbox is written by
 * pages, the hub and the Service Worker) announce what they changed on a BroadcastChannel; the hub
 * listens and tells its tabs to re-read. BroadcastChannel works in windows and in every worker.
 */
import { coalesce, type Coalescer } from '../client-kit/index';

export const CHANGES_CHANNEL = 'ferry-changes';

/** The stores a change can name: tabs re-read what a change names. */
export const STORE_NAMES = ['conversations', 'messages', 'members', 'outbox'] as const;
export type StoreName = (typeof STORE_NAMES)[number];

/** What changed in IndexedDB: these stores, for these conversations (none given: any). */
export interface DbChange {
  stores: StoreName[];
  conversationIds?: string[];
}

/** A change naming every store (a new account, or a tab that may have missed changes). */
export function everythingChanged(): DbChange {
  return { stores: [...STORE_NAMES] };
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

/**
 * Announces changes at most once per `intervalMs`, merging what changed in between: during a
 * burst (a drain acking hundreds of messages) every tab re-reads a few times a second instead of
 * once per message, while a single change still goes out at once.
 */
export function coalescedAnnouncer(intervalMs: number, now: () => number = Date.now): Coalescer<DbChange> {
  return coalesce({ merge: mergeChanges, emit: announceChange, minGapMs: intervalMs, now });
}

/** One change covering both (no conversation ids on either side means "any conversation"). */
export function mergeChanges(a: DbChange, b: DbChange): DbChange {
  const stores = [...new Set([...a.stores, ...b.stores])];
  if (!a.conversationIds || !b.conversationIds) return { stores };
  return { stores, conversationIds: [...new Set([...a.conversationIds, ...b.conversationIds])] };
}
