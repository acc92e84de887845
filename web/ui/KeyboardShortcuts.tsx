/**
 * The page's keyboard handler: runs the shortcuts of keyboard/shortcuts.ts and owns the two
 * dialogs they open ("Jump to conversation", "Keyboard shortcuts"). While a modal dialog is open
 * only the dialog's own keys apply.
 */
import type { VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useConversations, type LocalConversation } from '../data/index';
import { unreadCount } from './ConversationList';
import { escapeNewest } from './keyboard/escape';
import { focusTarget } from './keyboard/focus';
import { shortcutFor, type ShortcutId } from './keyboard/shortcuts';
import { conversationPath, navigate } from './router';
import { lazy } from './lazy';

const ShortcutsDialog = lazy(() => import('./ShortcutsDialog').then((m) => m.ShortcutsDialog));
const JumpDialog = lazy(() => import('./JumpDialog').then((m) => m.JumpDialog));

type OpenDialog = 'jump' | 'help' | null;

/**
 * The conversation `step` places from `activeId` in list order (only unread ones when `unread`);
 * from no open conversation, ↓ starts at the top and ↑ at the bottom. Null at either end.
 */
export function neighbour(
  list: LocalConversation[],
  activeId: string | null,
  step: 1 | -1,
  unread: boolean,
): LocalConversation | null {
  const from = activeId === null ? -1 : list.findIndex((c) => c.id === activeId);
  let i = from < 0 ? (step === 1 ? 0 : list.length - 1) : from + step;
  for (; i >= 0 && i < list.length; i += step) {
    const c = list[i]!;
    if (!unread || unreadCount(c) > 0) return c;
  }
  return null;
}

/** Opens a conversation and puts the keyboard in its composer. */
function openConversation(id: string): void {
  // Already open: after this turn's render (a dialog closing hands focus back first).
  if (conversationPath(id) === location.pathname) setTimeout(() => focusTarget('composer'));
  // Otherwise the conversation's composer takes the focus when it mounts.
  else navigate(conversationPath(id));
}

export interface KeyboardShortcuts {
  /** The open dialog, to render (null when none). */
  dialogs: VNode | null;
  /** Opens "Keyboard shortcuts" (for a button: the keys are not the only way in). */
  openHelp(): void;
}

/** Listens for the shortcuts while the calling component is mounted. */
export function useKeyboardShortcuts(activeId: string | null): KeyboardShortcuts {
  const conversations = useConversations();
  const [dialog, setDialog] = useState<OpenDialog>(null);
  // The listener is added once; it reads the latest state through this ref.
  const latest = useRef({ conversations, activeId });
  latest.current = { conversations, activeId };
  // A dialog's `close` event comes a moment after it closed: it must not close the next one.
  const closer = (which: OpenDialog) => () => setDialog((open) => (open === which ? null : open));

  useEffect(() => {
    const run: Record<ShortcutId, () => boolean> = {
      help: () => (setDialog('help'), true),
      jump: () => (setDialog('jump'), true),
      prevConversation: () => go(-1, false),
      nextConversation: () => go(1, false),
      prevUnread: () => go(-1, true),
      nextUnread: () => go(1, true),
      escape: escapeNewest,
    };
    function go(step: 1 | -1, unread: boolean): boolean {
      const { conversations, activeId } = latest.current;
      const target = neighbour(conversations, activeId, step, unread);
      if (target) openConversation(target.id);
      // At either end the keys are still ours: the browser must not scroll instead.
      return true;
    }
    function onKeyDown(e: KeyboardEvent) {
      if (e.defaultPrevented) return;
      const id = shortcutFor(e);
      if (document.querySelector('dialog[open]')) {
        // Not another dialog on top; but Ctrl+K must not reach the browser's own search either.
        if (id === 'jump' || id === 'help') e.preventDefault();
        return;
      }
      if (id && run[id]()) e.preventDefault();
    }
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);

  const openHelp = () => setDialog('help');
  if (dialog === 'help') return { openHelp, dialogs: <ShortcutsDialog onClose={closer('help')} /> };
  if (dialog === 'jump')
    return {
      openHelp,
      dialogs: (
        <JumpDialog
          conversations={conversations}
          onClose={closer('jump')}
          onChoose={(id) => {
            setDialog(null);
            openConversation(id);
          }}
        />
      ),
    };
  return { openHelp, dialogs: null };
}
