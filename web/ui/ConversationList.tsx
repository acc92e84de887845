/**
 * The conversation list: navigation landmark "Conversations"; one link per conversation whose name
 * starts with the conversation's name and includes "N unread". The link shows only the name, so
 * its accessible name starts with exactly what is visible (a voice user says what they see); the
 * unread count is the badge. The time and preview beside the link are its description, outside
 * it, and the link's hit area covers the row (CSS).
 */
import { Component } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { sameValue } from '../../client-kit/index';
import type { LocalConversation } from '../../localdb/index';
import { useConversations } from '../data/index';
import { useI18n } from '../i18n/index';
import { afterConversationShown, conversationWasShown } from './conversationShown';
import { afterFirstContent, firstContentShown } from './firstContent';
import { whenIdle } from './idle';
import { formatListTime } from './format';
import { useFocusTarget } from './keyboard/focus';
import { lazy } from './lazy';
import { conversationPath, onLinkClick } from './router';

// The search field and its results come a moment after the list's first conversations.
const MessageSearch = lazy(() =>
  afterFirstContent()
    .then(() => import('../search/MessageSearch'))
    .then((m) => m.MessageSearch),
);

/**
 * Unread count of a conversation: others' messages (not edits, deletions or reactions) after the
 * viewer's read receipt, as the data layer keeps it; a cached conversation from before that count
 * existed falls back to the seqs after the receipt.
 */
export function unreadCount(c: LocalConversation): number {
  const kept = (c as { unreadCount?: number }).unreadCount;
  return typeof kept === 'number' ? Math.max(0, kept) : Math.max(0, c.lastSeq - c.readSeq);
}

/** Conversations rendered at once; the rest follow in steps of this many when the page is idle. */
const LIST_STEP = 50;

/**
 * Every conversation, newest activity first. A big account's hundreds of rows are rendered a step
 * at a time after the first ones, so they never hold back the open conversation's first frame.
 * Opened on a conversation, the list is read and rendered once that conversation's newest
 * messages are on screen (at most a moment later): they are what the person opened.
 */
export function ConversationList({ activeId, myId }: { activeId: string | null; myId: string }) {
  const { t } = useI18n();
  const nav = useRef<HTMLElement>(null);
  useFocusTarget('conversationList', nav);
  const held = useListHeld(activeId);
  return (
    <>
      <MessageSearch activeId={activeId} myId={myId} />
      <nav aria-label={t.conversations} class="convs" ref={nav} tabIndex={-1}>
        {!held && <ConversationRows activeId={activeId} myId={myId} />}
      </nav>
    </>
  );
}

/**
 * Whether what reads the whole conversation list waits: the page opened on conversation
 * `activeId`, whose newest messages are not on screen yet (at most a moment: see
 * afterConversationShown). Reading and copying hundreds of conversations from IndexedDB takes as
 * long as reading the open conversation's messages, and would hold them back.
 */
export function useListHeld(activeId: string | null): boolean {
  const [held, setHeld] = useState(() => activeId !== null && !conversationWasShown());
  useEffect(() => {
    if (!held) return;
    let live = true;
    void afterConversationShown().then(() => live && setHeld(false));
    return () => {
      live = false;
    };
  }, [held]);
  return held;
}

/** The list's rows: the first LIST_STEP at once, the rest a step at a time when the page is idle. */
function ConversationRows({ activeId, myId }: { activeId: string | null; myId: string }) {
  const { t } = useI18n();
  const conversations = useConversations();
  const listed = conversations.length > 0;
  useEffect(() => {
    if (listed) firstContentShown();
  }, [listed]);
  const [shown, setShown] = useState(LIST_STEP);
  useEffect(() => {
    if (shown >= conversations.length) return;
    return whenIdle(() => setShown(shown + LIST_STEP));
  }, [shown, conversations.length]);
  if (conversations.length === 0) return <p class="muted pad">{t.noConversations}</p>;
  return (
    <ul>
      {conversations.slice(0, shown).map((c) => (
        <li key={c.id}>
          <ConversationRow conversation={c} active={c.id === activeId} myId={myId} />
        </li>
      ))}
    </ul>
  );
}

interface LinkProps {
  conversation: LocalConversation;
  active: boolean;
  myId: string;
}

/**
 * A conversation's row, rendered again only when what it shows changed: the list is read again on
 * every change to any conversation, each row a new object from IndexedDB.
 */
class ConversationRow extends Component<LinkProps> {
  override shouldComponentUpdate(next: LinkProps): boolean {
    const props = this.props as LinkProps;
    return (
      next.active !== props.active ||
      next.myId !== props.myId ||
      !sameValue(next.conversation, props.conversation)
    );
  }

  override render(props: LinkProps) {
    return <ConversationLink {...props} />;
  }
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
    ? `${last.senderId === myId ? t.you : last.senderName}: ${last.deleted ? t.messageDeleted : last.text}`
    : t.noMessagesYet;
  // The conversation's name first, then "N unread": stable for screen readers and tests.
  const label = unread > 0 ? `${c.name}, ${t.unread(unread)}` : c.name;
  const timeId = `conv-time-${c.id}`;
  const previewId = `conv-preview-${c.id}`;
  return (
    <div class={`conv${unread > 0 ? ' unread' : ''}${active ? ' active' : ''}`}>
      <span class="conv-top">
        <a
          href={conversationPath(c.id)}
          onClick={onLinkClick}
          aria-label={label}
          aria-describedby={last ? `${timeId} ${previewId}` : previewId}
          aria-current={active ? 'page' : undefined}
          class="conv-link"
        >
          {c.name}
        </a>
        {last && (
          <time id={timeId} class="conv-time" dateTime={new Date(last.createdAt).toISOString()}>
            {formatListTime(last.createdAt, lang)}
          </time>
        )}
      </span>
      <span class="conv-bottom">
        <span class="conv-preview" id={previewId}>
          {preview}
        </span>
        {unread > 0 && (
          <span class="badge" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </span>
    </div>
  );
}
