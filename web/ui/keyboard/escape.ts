/**
 * Escape closes the most recently opened thing first. Panels (a "New room" form, the member list)
 * and, later, a reply or an edit being written register a handler while they are open; the
 * keyboard handler (capture.ts) asks the newest one to close. Modal dialogs close
 * themselves on Escape (native <dialog>), so they need no entry here.
 */
import { useLayoutEffect, useRef } from 'preact/hooks';

const stack: Array<{ current: () => void }> = [];

/** While `active`, Escape calls `onEscape` (unless something opened later takes it first). */
export function useEscape(active: boolean, onEscape: () => void): void {
  const handler = useRef(onEscape);
  handler.current = onEscape;
  // Registered in the same commit that shows the panel (a layout effect), not after the next
  // paint: an Escape pressed as soon as the panel appears must find its handler.
  useLayoutEffect(() => {
    if (!active) return;
    stack.push(handler);
    return () => {
      const i = stack.lastIndexOf(handler);
      if (i >= 0) stack.splice(i, 1);
    };
  }, [active]);
}

/** Runs the newest Escape handler; false when nothing is open. */
export function escapeNewest(): boolean {
  const top = stack[stack.length - 1];
  if (!top) return false;
  top.current();
  return true;
}
