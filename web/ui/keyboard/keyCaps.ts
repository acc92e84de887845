/**
 * How a shortcut's keys are printed (the "Keyboard shortcuts" dialog): apart from the table in
 * shortcuts.ts, which the first load needs to listen for the keys, so the printing comes with the dialog.
 */
import { isApple, type KeyCombo } from './shortcuts';

const KEY_NAMES: Record<string, string> = { ArrowUp: '↑', ArrowDown: '↓', Escape: 'Esc' };

/** The key caps of a combination as printed on a keyboard, e.g. ["Ctrl", "K"] or ["⌘", "K"]. */
export function keyCaps(combo: KeyCombo, apple = isApple()): string[] {
  const caps: string[] = [];
  if (combo.mod) caps.push(apple ? '⌘' : 'Ctrl');
  if (combo.alt) caps.push(apple ? '⌥' : 'Alt');
  if (combo.shift) caps.push(apple ? '⇧' : 'Shift');
  caps.push(KEY_NAMES[combo.key] ?? combo.key.toUpperCase());
  return caps;
}
