/** Keeps the app badge and the tab title at the total unread count, and notifies unseen arrivals. */
import { useEffect } from 'preact/hooks';
import { onArrived, useConversations } from '../data/index';
import { useI18n } from '../i18n/index';
import { unreadCount, useListHeld } from './ConversationList';
import { afterFirstContent } from './firstContent';
import { conversationPath } from './router';

// The badge and notification code is fetched after the first content (calls wait, in order).
const notifications = () => afterFirstContent().then(() => import('./notifications'));

/**
 * Renders nothing: side effects of unread counts and arrivals. Opened on a conversation, the counts
 * are read once its newest messages are on screen, as the list is (useListHeld).
 */
export function Alerts({ activeId }: { activeId: string | null }) {
  const { t } = useI18n();
  const conversations = useConversations(!useListHeld(activeId));
  const total = conversations.reduce((sum, c) => sum + unreadCount(c), 0);

  useEffect(() => {
    void notifications().then((n) => n.setBadge(total));
    document.title = total > 0 ? `(${total}) ${t.appName}` : t.appName;
  }, [total, t]);

  useEffect(
    () =>
      onArrived((m) => {
        const c = conversations.find((x) => x.id === m.conversationId);
        const title = t.notificationFrom(m.senderName, c?.name ?? m.senderName);
        void notifications().then((n) => n.notifyIfUnseen(m, title, conversationPath(m.conversationId)));
      }),
    [conversations, t],
  );
  return null;
}
