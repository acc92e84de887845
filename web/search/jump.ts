/**
 * "Open this conversation at this message": a search result sets the target, then routes to the
 * conversation; its message list loads the message if needed, scrolls to it, highlights it, and
 * takes the target. A plain module store, since the list may mount after the route changes.
 */
import { useEffect, useState } from 'preact/hooks';

export interface JumpTarget {
  conversationId: string;
  messageId: string;
  seq: number;
}

let target: JumpTarget | null = null;
const listeners = new Set<() => void>();

/** Asks the conversation's message list to show this message. */
export function requestJump(next: JumpTarget): void {
  target = next;
  listeners.forEach((l) => l());
}

/** The list has shown the target: forget it (a later visit opens at the newest message again). */
export function jumpDone(messageId: string): void {
  if (target?.messageId === messageId) target = null;
}

/** The message to show in `conversationId`, or null. */
export function useJumpTarget(conversationId: string): JumpTarget | null {
  const [, setTick] = useState(0);
  useEffect(() => {
    const update = () => setTick((n) => n + 1);
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return target?.conversationId === conversationId ? target : null;
}
