/**
 * The conversation list: navigation landmark "Conversations"; one link per conversation whose name
 * starts with the conversation's name and includes "N unread" (issue 3 a11y contract).
 */
import type { LocalConversation } from '../../localdb/schema';
import { useConversations } from '../data/index';
import { useI18n } from '../i18n/index';
import { formatListTime } from './format';
import { conversationPath, onLinkClick } from './router';

/** Unread count of a conversation: messages after the viewer's read receipt. */
export function unreadCount(c: LocalConversation): number {
  return Math.max(0, c.lastSeq - c.readSeq);
}

/** Every conversation, newest activity first. */
export function ConversationList({ activeId, myId }: { activeId: string | null; myId: string }) {
  const { t } = useI18n();
  const conversations = useConversations();
  return (
    <nav aria-label={t.conversations} class="convs">
      {conversations.length === 0 ? (
        <p class="muted pad">{t.noConversations}</p>
      ) : (
        <ul>
          {conversations.map((c) => (
            <li key={c.id}>
              <ConversationLink conversation={c} active={c.id === activeId} myId={myId} />
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}

function ConversationLink({
  conversation: c,
  active,
  myId,
}: {
  conversation: LocalConversation;
  active: boolean;
  myId: string;
}) {
  const { t, lang } = useI18n();
  const unread = unreadCount(c);
  const last = c.lastMessage;
  const preview = last
    ? `${last.senderId === myId ? t.you : last.senderName}: ${last.text}`
    : t.noMessagesYet;
  // The name is the conversation's name first, then "N unread": stable for screen readers and tests.
  const label = unread > 0 ? `${c.name}, ${t.unread(unread)}` : c.name;
  return (
    <a
      href={conversationPath(c.id)}
      onClick={onLinkClick}
      aria-label={label}
      aria-current={active ? 'page' : undefined}
      class={unread > 0 ? 'conv unread' : 'conv'}
    >
      <span class="conv-top">
        <span class="conv-name">{c.name}</span>
        {last && (
          <time class="conv-time" dateTime={new Date(last.createdAt).toISOString()}>
            {formatListTime(last.createdAt, lang)}
          </time>
        )}
      </span>
      <span class="conv-bottom">
        <span class="conv-preview">{preview}</span>
        {unread > 0 && (
          <span class="badge" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </span>
    </a>
  );
}
