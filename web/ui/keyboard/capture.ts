/**
 * The shortcut keys from the signed-in shell's first frame. What most shortcuts do (switching
 * conversations, the two dialogs) is KeyboardShortcuts, a chunk fetched after the first content:
 * a shortcut pressed before it arrives is kept from the browser, held here, and handed to it in
 * order when it registers. Escape needs no chunk: it closes the newest open panel at once.
 */
import { useLayoutEffect } from 'preact/hooks';
import { escapeNewest } from './escape';
import { shortcutFor, type ShortcutId } from './shortcuts';

/** Runs a shortcut; true when the key was its (the browser must not act on it too). */
export type ShortcutRunner = (id: ShortcutId) => boolean;

let runner: ShortcutRunner | null = null;
const held: ShortcutId[] = [];
let waiting: () => void = () => {};

/** Resolves at the first shortcut held for the handler: its chunk is wanted now, not at idle. */
export const shortcutHeld = new Promise<void>((resolve) => (waiting = resolve));

/** Runs shortcut `id`, or holds it until the handler registers (see registerShortcuts). */
export function runShortcut(id: ShortcutId): boolean {
  if (id === 'escape') return escapeNewest();
  if (runner) return runner(id);
  held.push(id);
  waiting();
  return true;
}

/** Makes `run` the shortcuts' handler and runs what was held for it; returns the unregistering. */
export function registerShortcuts(run: ShortcutRunner): () => void {
  runner = run;
  for (const id of held.splice(0)) run(id);
  return () => {
    if (runner === run) runner = null;
  };
}

/** Listens for the shortcut keys while the calling component (the signed-in shell) is mounted. */
export function useShortcutKeys(): void {
  // A layout effect: listening from the commit that shows the shell, before it is painted.
  useLayoutEffect(() => {
    function onKeyDown(e: KeyboardEvent) {
      if (e.defaultPrevented) return;
      const id = shortcutFor(e);
      if (document.querySelector('dialog[open]')) {
        // Not another dialog on top; but Ctrl+K must not reach the browser's own search either.
        if (id === 'jump' || id === 'help') e.preventDefault();
        return;
      }
      if (id && runShortcut(id)) e.preventDefault();
    }
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('keydown', onKeyDown);
      // Signed out: what was pressed for the last session is not for the next one.
      held.length = 0;
    };
  }, []);
}
