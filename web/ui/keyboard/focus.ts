/**
 * Where the keyboard goes next: the components that own a focus target (the conversation list,
 * the composer) register it here, so others can send focus there without reaching into their DOM.
 */
import type { RefObject } from 'preact';
import { useEffect } from 'preact/hooks';

export type FocusTarget = 'conversationList' | 'composer';

const targets = new Map<FocusTarget, RefObject<HTMLElement>>();
/** Asked for before it was on screen (components mount in any order). */
let pending: FocusTarget | null = null;

/** Registers `ref` as the element of `name` while the calling component is mounted. */
export function useFocusTarget(name: FocusTarget, ref: RefObject<HTMLElement>): void {
  useEffect(() => {
    targets.set(name, ref);
    if (pending === name) {
      pending = null;
      // Only if the person has not put the focus somewhere meanwhile.
      if (focusIsLost()) ref.current?.focus();
    }
    return () => {
      if (targets.get(name) === ref) targets.delete(name);
    };
  }, [name, ref]);
}

/** Focuses the target `name`, or as soon as it is on screen while the focus is still lost. */
export function focusTarget(name: FocusTarget): void {
  const el = targets.get(name)?.current;
  pending = el?.isConnected ? null : name;
  el?.focus();
}

/** True when nothing holds the focus (it fell back to the body, e.g. its element was removed). */
export function focusIsLost(): boolean {
  return !document.activeElement || document.activeElement === document.body;
}
