/**
 * Where the keyboard goes next: the components that own a focus target (the conversation list,
 * the composer) register it here, so others can send focus there without reaching into their DOM.
 */
import type { RefObject } from 'preact';
import { useEffect } from 'preact/hooks';

export type FocusTarget = 'conversationList' | 'composer';

const targets = new Map<FocusTarget, RefObject<HTMLElement>>();

/** Registers `ref` as the element of `name` while the calling component is mounted. */
export function useFocusTarget(name: FocusTarget, ref: RefObject<HTMLElement>): void {
  useEffect(() => {
    targets.set(name, ref);
    return () => {
      if (targets.get(name) === ref) targets.delete(name);
    };
  }, [name, ref]);
}

/** Focuses the target `name`; false when it is not on screen. */
export function focusTarget(name: FocusTarget): boolean {
  const el = targets.get(name)?.current;
  if (!el?.isConnected) return false;
  el.focus();
  return document.activeElement === el;
}

/** True when nothing holds the focus (it fell back to the body, e.g. its element was removed). */
export function focusIsLost(): boolean {
  return !document.activeElement || document.activeElement === document.body;
}
