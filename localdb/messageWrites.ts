/**
 * What was written to the messages store, told to whoever keeps something derived from it in this
 * context (the search index, in the hub). The writers call reportMessageWrite after their
 * transaction commits; a context with no listener (the Service Worker) reports to nobody, and the
 * hub reconciles what such contexts wrote when they announce it (localdb/changes.ts).
 */
import type { Message } from '../contract/index';

export type MessageWrite =
  /** Messages stored for the first time. */
  | { kind: 'stored'; messages: readonly Message[] }
  /** Stored messages whose content changed (an edit). */
  | { kind: 'updated'; messages: readonly Message[] }
  /** Messages no longer stored (deleted, or their conversation was left). */
  | { kind: 'removed'; ids: readonly string[] }
  /** Every message is gone (sign-out, another account). */
  | { kind: 'cleared' };

type Listener = (write: MessageWrite) => void;
const listeners = new Set<Listener>();

/** Calls `listener` with each write made in this context; returns the unsubscribe function. */
export function onMessageWrite(listener: Listener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** Tells this context's listeners about a committed write. A listener's failure stays its own. */
export function reportMessageWrite(write: MessageWrite): void {
  if (write.kind !== 'cleared' && (write.kind === 'removed' ? write.ids : write.messages).length === 0)
    return;
  for (const listener of listeners) {
    try {
      listener(write);
    } catch (err) {
      console.warn('ferry: a message write listener failed', err);
    }
  }
}
