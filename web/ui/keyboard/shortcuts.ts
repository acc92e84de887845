/**
 * The keyboard shortcuts, declared once: capture.ts matches key presses against this table and
 * ShortcutsDialog lists it, so what the help says is exactly what the keys do.
 */
import type { LaterStrings } from '../../i18n/enLater';

export type ShortcutId =
  'help' | 'jump' | 'prevConversation' | 'nextConversation' | 'prevUnread' | 'nextUnread' | 'escape';

/** One key combination. `mod` is Ctrl, or Cmd on Apple systems. */
export interface KeyCombo {
  key: string;
  /** Physical key, for layouts where `key` is another letter (e.g. Cyrillic for K). */
  code?: string;
  mod?: boolean;
  alt?: boolean;
  /** Required state of Shift; undefined: either (Shift is how `?` is typed). */
  shift?: boolean;
  /** Also fires while the focus is in a text field (e.g. the composer). */
  inTextField: boolean;
}

export interface Shortcut {
  id: ShortcutId;
  combos: readonly KeyCombo[];
  describe(t: LaterStrings): string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  {
    id: 'help',
    combos: [
      { key: '?', inTextField: false },
      { key: '/', code: 'Slash', mod: true, inTextField: true },
    ],
    describe: (t) => t.shortcutHelp,
  },
  {
    id: 'jump',
    combos: [{ key: 'k', code: 'KeyK', mod: true, inTextField: true }],
    describe: (t) => t.shortcutJump,
  },
  {
    id: 'prevConversation',
    combos: [{ key: 'ArrowUp', alt: true, shift: false, inTextField: true }],
    describe: (t) => t.shortcutPrevConversation,
  },
  {
    id: 'nextConversation',
    combos: [{ key: 'ArrowDown', alt: true, shift: false, inTextField: true }],
    describe: (t) => t.shortcutNextConversation,
  },
  {
    id: 'prevUnread',
    combos: [{ key: 'ArrowUp', alt: true, shift: true, inTextField: true }],
    describe: (t) => t.shortcutPrevUnread,
  },
  {
    id: 'nextUnread',
    combos: [{ key: 'ArrowDown', alt: true, shift: true, inTextField: true }],
    describe: (t) => t.shortcutNextUnread,
  },
  {
    id: 'escape',
    combos: [{ key: 'Escape', inTextField: true }],
    describe: (t) => t.shortcutEscape,
  },
];

/** True on macOS and iOS, where the command key plays Ctrl's part. */
export function isApple(): boolean {
  const platform =
    (navigator as Navigator & { userAgentData?: { platform?: string } }).userAgentData?.platform ??
    navigator.platform;
  return /mac|iphone|ipad|ipod/i.test(platform);
}

/** True when `target` takes typed text (so a plain key like `?` belongs to it). */
export function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement) return true;
  if (target instanceof HTMLSelectElement) return true;
  if (!(target instanceof HTMLInputElement)) return false;
  return !['button', 'checkbox', 'radio', 'range', 'color', 'file', 'submit', 'reset', 'image'].includes(
    target.type,
  );
}

function matches(combo: KeyCombo, e: KeyboardEvent, apple: boolean): boolean {
  const mod = apple ? e.metaKey : e.ctrlKey;
  const other = apple ? e.ctrlKey : e.metaKey;
  if (other || Boolean(combo.mod) !== mod || Boolean(combo.alt) !== e.altKey) return false;
  if (combo.shift !== undefined && combo.shift !== e.shiftKey) return false;
  return (
    e.key.toLowerCase() === combo.key.toLowerCase() || (combo.code !== undefined && e.code === combo.code)
  );
}

/** The shortcut a key press means, if any (none while an input method is composing). */
export function shortcutFor(e: KeyboardEvent, apple = isApple()): ShortcutId | null {
  if (e.isComposing || e.keyCode === 229) return null;
  const inText = isTextField(e.target);
  for (const shortcut of SHORTCUTS)
    for (const combo of shortcut.combos)
      if ((combo.inTextField || !inText) && matches(combo, e, apple)) return shortcut.id;
  return null;
}

/** A shortcut's keys in `aria-keyshortcuts` syntax, e.g. "? Control+/" (Meta on Apple systems). */
export function ariaKeyShortcuts(id: ShortcutId, apple = isApple()): string {
  const shortcut = SHORTCUTS.find((s) => s.id === id)!;
  return shortcut.combos
    .map((c) =>
      [c.mod && (apple ? 'Meta' : 'Control'), c.alt && 'Alt', c.shift && 'Shift', c.key]
        .filter(Boolean)
        .join('+'),
    )
    .join(' ');
}
