/**
 * The person's own outbox entries, handed by this tab to the open conversation's view the moment
 * their write commits, so a message sent shows one IndexedDB re-read sooner (like `live` does for
 * received messages). Only a committed write is handed over, so the entry's "Queued" is true.
 * A handed entry is shown until a read that started after the hand-over says how it stands (still
 * queued, sent, or withdrawn): that read is the truth. Pure apart from the listener set, so the
 * rule is unit-tested in Node.
 */
import type { Message } from '../../contract/index';
import type { OutboxEntry } from '../../localdb/index';

/** An entry handed over, and the last read ticket started before it (later reads hold the truth). */
export interface HandedEntry {
  entry: OutboxEntry;
  afterTicket: number;
}

type Listener = (entry: OutboxEntry) => void;
const listeners = new Set<Listener>();

/** Subscribes to entries this tab queued; returns the unsubscribe function. */
export function onQueuedHere(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Hands an entry whose outbox write has committed to every view of this tab. */
export function tellQueuedHere(entry: OutboxEntry): void {
  for (const listener of listeners) listener(entry);
}

/**
 * The outbox entries a view shows: those read, with the handed ones neither the read outbox nor
 * the read messages hold, in typing order. Returns `read` itself when nothing is added.
 */
export function withHanded(
  read: readonly OutboxEntry[],
  handed: readonly HandedEntry[],
  messages: readonly Message[],
): OutboxEntry[] {
  if (handed.length === 0) return read as OutboxEntry[];
  const held = new Set([...read.map((e) => e.id), ...messages.map((m) => m.id)]);
  const extra = handed.map((h) => h.entry).filter((e) => !held.has(e.id));
  if (extra.length === 0) return read as OutboxEntry[];
  return [...read, ...extra].sort((a, b) => a.order - b.order);
}

/** The handed entries still to show once the read started at `ticket` is in. */
export function stillHanded(handed: readonly HandedEntry[], ticket: number): HandedEntry[] {
  if (handed.length === 0) return handed as HandedEntry[];
  const left = handed.filter((h) => h.afterTicket >= ticket);
  return left.length === handed.length ? (handed as HandedEntry[]) : left;
}
