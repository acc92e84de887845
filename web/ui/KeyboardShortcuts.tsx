/**
 * What the shortcuts of keyboard/shortcuts.ts do, and the two dialogs they open ("Jump to
 * conversation", "Keyboard shortcuts"). Its own chunk, after the first content: the keys are
 * listened for from the start by keyboard/capture.ts, which holds what comes before this does.
 * While a modal dialog is open only the dialog's own keys apply.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useConversationsRead, type LocalConversation } from '../data/index';
import { unreadCount } from './ConversationList';
import { registerShortcuts } from './keyboard/capture';
import { focusTarget } from './keyboard/focus';
import type { ShortcutId } from './keyboard/shortcuts';
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

const NONE: LocalConversation[] = [];

/** Runs the shortcuts while mounted (in the signed-in shell) and renders the dialog they open. */
export function KeyboardShortcuts({ activeId }: { activeId: string | null }) {
  const read = useConversationsRead();
  const conversations = read ?? NONE;
  const [dialog, setDialog] = useState<OpenDialog>(null);
  // The handler is registered once; it reads the latest state through this ref.
  const latest = useRef({ conversations, activeId });
  latest.current = { conversations, activeId };
  // A dialog's `close` event comes a moment after it closed: it must not close the next one.
  const closer = (which: OpenDialog) => () => setDialog((open) => (open === which ? null : open));

  // Once the list is read: a held Alt+↓ must move in the real list, not in a list still loading.
  const ready = read !== undefined;
  useEffect(() => {
    if (!ready) return;
    const run: Record<Exclude<ShortcutId, 'escape'>, () => boolean> = {
      help: () => (setDialog('help'), true),
      jump: () => (setDialog('jump'), true),
      prevConversation: () => go(-1, false),
      nextConversation: () => go(1, false),
      prevUnread: () => go(-1, true),
      nextUnread: () => go(1, true),
    };
    function go(step: 1 | -1, unread: boolean): boolean {
      const { conversations, activeId } = latest.current;
      const target = neighbour(conversations, activeId, step, unread);
      if (target) {
        openConversation(target.id);
        // A next held key moves on from there, not from where the route was when it rendered.
        latest.current = { conversations, activeId: target.id };
      }
      // At either end the keys are still ours: the browser must not scroll instead.
      return true;
    }
    return registerShortcuts((id) => id !== 'escape' && run[id]());
  }, [ready]);

  if (dialog === 'help') return <ShortcutsDialog onClose={closer('help')} />;
  if (dialog === 'jump')
    return (
      <JumpDialog
        conversations={conversations}
        onClose={closer('jump')}
        onChoose={(id) => {
          setDialog(null);
          openConversation(id);
        }}
      />
    );
  return null;
}
