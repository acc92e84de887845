/**
 * The message log of one conversation (`role="log"`, named by the conversation), with windowed
 * rendering: at most WINDOW_MAX messages are in the DOM however long the history is. Scrolling up
 * moves the window up and, at the oldest local message, loads older pages; scrolling down moves it
 * back. The window follows the newest message while the reader is at the bottom, and the scroll
 * position is kept by hand (an anchor message) because Safari has no CSS scroll anchoring.
 */
import { Component } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Message, User } from '../../contract/index';
import type { LocalConversation } from '../../localdb/index';
import { useMembers, useMessages } from '../data/conversationHooks';
import { isStored, loadAround } from '../data/search';
import { messageStatus } from '../data/status';
import { actions } from '../data/actions';
import { useLaterI18n } from '../i18n/later';
import { conversationShown } from './conversationShown';
import { whenIdle } from './idle';
import { dayKey, formatDay } from './format';
import { jumpDone, useJumpTarget } from '../search/jump';
import { shownWindow, type ShownMessage, type ShownWindow } from '../data/overlay';
import { MessageItem, type MessageHandlers, type Receipt } from './MessageItem';

/**
 * Rows of the conversation's first frame (more than a screenful): the window grows to
 * WINDOW_INITIAL once that frame is shown, so the newest messages are on screen sooner.
 */
const WINDOW_FIRST = 20;
const WINDOW_INITIAL = 50;
/**
 * Rows the window grows or moves by at an edge. Each move renders them in the scroll event's task:
 * 30 at a time took 20–93 ms there in a hard fling on a two-core machine, 15 at a time mostly 5–11.
 */
const WINDOW_STEP = 15;
const WINDOW_MAX = 150;
/** Without ResizeObserver (old browsers), the bottom is kept after every render instead. */
const OBSERVES_SIZE = typeof ResizeObserver !== 'undefined';
/**
 * The window moving up this close to the oldest loaded item loads the next older page already:
 * it is read (or fetched) while the reader still scrolls through what is loaded, instead of at
 * the top, where scrolling would stop until it arrives.
 */
const PREFETCH_ITEMS = 60;
/** Distance (px) from an edge at which the window grows or moves. */
const EDGE_PX = 300;
/** Distance (px) from the bottom that still counts as "at the bottom". */
const BOTTOM_SLACK_PX = 40;

interface Anchor {
  id: string;
  /**
   * The anchor's top within the scrolled content (its offset from the scroller's top plus
   * scrollTop), px: a scroll moves where it shows, not this; a change above it does.
   */
  y: number;
}

/** Messages of a conversation, newest at the bottom; marks them read while they are seen. */
export function MessageList({
  conversation,
  me,
  jumpToLatest,
  handlers,
  shownRef,
}: {
  conversation: LocalConversation;
  me: User;
  /** Changes when the reader sends: show the newest message. */
  jumpToLatest: number;
  handlers: MessageHandlers;
  /** Gets the messages as shown (the composer's Up arrow edits my last one). */
  shownRef?: { current: ShownMessage[] };
}) {
  const { t, lang } = useLaterI18n();
  const { messages, outbox, loaded, hasOlder, loadingOlder, loadOlder, reach } = useMessages(conversation.id);
  const members = useMembers(conversation.id);

  // Rows whose message shows the same keep their object (keepUnchanged): prepending an older page,
  // or reading the window again after a change elsewhere, renders only the rows that differ. A
  // prepended page is all that is built (shownWindow), however many messages are loaded.
  const shownBefore = useRef<ShownWindow | null>(null);
  const shownCache = useMemo(() => new WeakMap<Message, ShownMessage>(), [me.id, me.username]);
  const shown = useMemo(
    () => shownWindow(messages, outbox, me, shownCache, shownBefore.current),
    [messages, outbox, shownCache],
  );
  shownBefore.current = shown;
  const { items, byId } = shown;
  if (shownRef) shownRef.current = items;
  // The same function for every render (rows stay memoized); a quoted message that changes reaches
  // its row through the row's `quoted` prop.
  const byIdNow = useRef(byId);
  byIdNow.current = byId;
  const lookup = useCallback((id: string) => byIdNow.current.get(id), []);
  const receipt = (m: ShownMessage): Receipt | undefined =>
    m.own && m.stored && !m.pending ? messageStatus(m.stored, members, me.id) : undefined;

  // The window: the `size` items ending at `endId` (null: at the newest item).
  const [endId, setEndId] = useState<string | null>(null);
  const [size, setSize] = useState(WINDOW_FIRST);
  const n = items.length;
  let end = n;
  if (endId !== null) {
    const i = items.findIndex((it) => it.id === endId);
    end = i < 0 ? n : i + 1;
  }
  const start = Math.max(0, end - size);
  const following = end === n;

  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const lastTop = useRef(0);
  const anchor = useRef<Anchor | null>(null);
  const lastMarked = useRef(0);

  const captureAnchor = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    const top = el.getBoundingClientRect().top;
    for (const child of el.querySelectorAll<HTMLElement>('article[data-id]')) {
      const rect = child.getBoundingClientRect();
      if (rect.bottom > top) {
        anchor.current = { id: child.dataset.id!, y: rect.top - top + el.scrollTop };
        return;
      }
    }
    anchor.current = null;
  }, []);

  const markRead = useCallback(() => {
    const last = messages[messages.length - 1];
    if (!last || !following || !atBottom.current || document.visibilityState !== 'visible') return;
    if (last.seq <= conversation.readSeq || last.seq <= lastMarked.current) return;
    lastMarked.current = last.seq;
    void actions.markRead(conversation.id, last.seq);
  }, [messages, following, conversation.id, conversation.readSeq]);

  /** Near the top: show more above (grow, or move the window up), or load an older page. */
  const growUp = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    if (start > 0) {
      if (size < WINDOW_MAX) setSize(Math.min(WINDOW_MAX, size + WINDOW_STEP));
      else if (el.scrollHeight > el.clientHeight) {
        const newEnd = end - Math.min(WINDOW_STEP, start);
        setEndId(items[newEnd - 1]!.id);
      }
      if (start <= PREFETCH_ITEMS && hasOlder && !loadingOlder) void loadOlder();
    } else if (hasOlder && !loadingOlder) void loadOlder();
  }, [start, end, size, items, hasOlder, loadingOlder, loadOlder]);

  /** Near the bottom of a window that is not at the newest item: move it down. */
  const growDown = useCallback(() => {
    if (end >= n) return;
    const newEnd = Math.min(n, end + WINDOW_STEP);
    setEndId(newEnd >= n ? null : items[newEnd - 1]!.id);
  }, [end, n, items]);

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    const fromBottom = el.scrollHeight - el.scrollTop - el.clientHeight;
    // At the bottom, rows added below move it away until the observer (below) pins it again, and
    // a scroll event can come in between: only scrolling up leaves the bottom.
    const up = el.scrollTop < lastTop.current;
    lastTop.current = el.scrollTop;
    atBottom.current = fromBottom < BOTTOM_SLACK_PX || (atBottom.current && !up);
    // Scrolled away from the newest: freeze the window so arrivals do not push the reader's view.
    if (!atBottom.current && endId === null && n > 0) setEndId(items[n - 1]!.id);
    else if (atBottom.current && endId !== null && end === n) setEndId(null);
    captureAnchor();
    if (el.scrollTop < EDGE_PX) growUp();
    else if (fromBottom < EDGE_PX) growDown();
    markRead();
  }, [captureAnchor, growUp, growDown, markRead, endId, end, n, items]);

  // After every render: keep the anchor where it was, or, coming to the bottom (the first rows, a
  // jump to the newest), go there. Staying at the bottom is the observer's below: pinning after
  // every render read scrollHeight, a layout forced in the middle of the render's task (2-5 ms an
  // incoming message here), where the observer runs once layout is done, before the frame paints.
  const pinned = useRef(false);
  const followingNow = useRef(following);
  followingNow.current = following;
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const pin = following && atBottom.current;
    if (pin) {
      if (!pinned.current || !OBSERVES_SIZE) el.scrollTop = el.scrollHeight;
    } else if (anchor.current) {
      // In content coordinates, so a scroll that came before its scroll event (a page read from
      // IndexedDB rendering first, a scroll by keys or by script) is kept, not undone.
      const { id, y } = anchor.current;
      const a = el.querySelector<HTMLElement>(`article[data-id="${CSS.escape(id)}"]`);
      if (a) {
        const yNow = a.getBoundingClientRect().top - el.getBoundingClientRect().top + el.scrollTop;
        el.scrollTop += yNow - y;
        // The content moved, not the anchor: a second render before this scroll's event keeps it.
        anchor.current = { id, y: yNow };
      }
    }
    pinned.current = pin;
  });
  // At the bottom, the newest row stays in view as rows come, grow or shrink, and as the view does.
  useEffect(() => {
    const el = scroller.current;
    const log = el?.querySelector('.log');
    if (!el || !log || !OBSERVES_SIZE) return;
    const observer = new ResizeObserver(() => {
      if (followingNow.current && atBottom.current) el.scrollTop = el.scrollHeight;
    });
    observer.observe(el);
    observer.observe(log);
    return () => observer.disconnect();
  }, []);

  // More items arrived (an older page, or the first load) while at the top: keep filling upwards.
  useEffect(() => {
    const el = scroller.current;
    if (el && el.scrollTop < EDGE_PX) growUp();
  }, [n, start > 0, hasOlder]);

  // The reader sent a message: show the newest.
  useEffect(() => {
    if (!jumpToLatest) return;
    atBottom.current = true;
    setEndId(null);
    setSize(WINDOW_INITIAL);
  }, [jumpToLatest]);

  // A search result asked for a message: bring it into the window (loading it first when it is
  // not on the device), then scroll to it, highlight it and give it the focus.
  const jump = useJumpTarget(conversation.id);
  const [foundId, setFoundId] = useState<string | null>(null);
  const scrollTo = useRef<string | null>(null);
  const fetched = useRef<string | null>(null);
  useEffect(() => {
    if (!jump) return;
    const i = items.findIndex((it) => it.id === jump.messageId);
    if (i >= 0) {
      jumpDone(jump.messageId);
      atBottom.current = false;
      anchor.current = null;
      const last = Math.min(n - 1, i + WINDOW_STEP);
      setSize(Math.max(size, last - i + WINDOW_STEP));
      setEndId(last >= n - 1 ? null : items[last]!.id);
      setFoundId(jump.messageId);
      scrollTo.current = jump.messageId;
      return;
    }
    if (fetched.current === jump.messageId) return;
    fetched.current = jump.messageId;
    void (async () => {
      if (!(await isStored(jump.messageId)) && !(await loadAround(conversation.id, jump.seq))) {
        jumpDone(jump.messageId);
        return;
      }
      await reach(jump.seq);
    })();
  }, [jump, items]);
  useLayoutEffect(() => {
    const id = scrollTo.current;
    const el = id && scroller.current?.querySelector<HTMLElement>(`article[data-id="${CSS.escape(id)}"]`);
    if (!el) return;
    scrollTo.current = null;
    el.scrollIntoView({ block: 'center' });
    el.tabIndex = -1;
    el.focus({ preventScroll: true });
    captureAnchor();
  });

  // Once the first frame is shown and the page idle: the rest of the window above it, and the
  // conversation list's rows.
  useEffect(() => {
    if (!loaded) return;
    return whenIdle(() => {
      setSize((s) => Math.max(s, WINDOW_INITIAL));
      conversationShown();
    });
  }, [loaded]);

  useEffect(markRead, [markRead]);
  useEffect(() => {
    document.addEventListener('visibilitychange', markRead);
    return () => document.removeEventListener('visibilitychange', markRead);
  }, [markRead]);

  const visible = items.slice(start, end);
  return (
    // Focusable, so the history scrolls with the keyboard (Page Up / Page Down).
    <div class="log-scroll" ref={scroller} onScroll={onScroll} tabIndex={0}>
      {start === 0 && !hasOlder && n > 0 && <p class="log-edge muted">{t.startOfConversation}</p>}
      {(loadingOlder || start > 0 || hasOlder) && (
        <p class="log-edge muted" aria-hidden={!loadingOlder}>
          {loadingOlder ? t.loadingOlder : '…'}
        </p>
      )}
      {/* Not live: Announcer says new messages once; catch-up, paging and statuses stay quiet. */}
      <div role="log" aria-live="off" aria-label={conversation.name} class="log">
        {visible.map((item, i) => {
          const prev = i > 0 ? visible[i - 1] : start > 0 ? items[start - 1] : undefined;
          const newDay = !prev || dayKey(prev.time) !== dayKey(item.time);
          return (
            <Row
              key={item.id}
              m={item}
              day={newDay ? formatDay(item.time, lang, t) : null}
              found={item.id === foundId}
              receipt={receipt(item)}
              handlers={handlers}
              lookup={lookup}
              quoted={item.replyTo ? byId.get(item.replyTo) : undefined}
            />
          );
        })}
      </div>
      {n === 0 && <p class="muted pad center">{t.noMessagesYet}</p>}
    </div>
  );
}

interface RowProps {
  m: ShownMessage;
  /** The day heading shown above it (the first message of a day), or null. */
  day: string | null;
  found: boolean;
  receipt: Receipt | undefined;
  handlers: MessageHandlers;
  lookup: (id: string) => ShownMessage | undefined;
  /** The message it replies to as shown (only so that the row renders again when that changes). */
  quoted: ShownMessage | undefined;
}

/**
 * One row of the log, rendered again only when one of its props changed: moving the window or
 * prepending a page renders the rows that come in, not the hundred and more already shown.
 */
class Row extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    const props = this.props as RowProps;
    return (Object.keys(next) as Array<keyof RowProps>).some((k) => next[k] !== props[k]);
  }

  override render({ m, day, found, receipt, handlers, lookup }: RowProps) {
    return (
      <div class={found ? 'log-row found' : 'log-row'}>
        {day !== null && (
          <p class="day">
            <span>{day}</span>
          </p>
        )}
        <MessageItem m={m} receipt={receipt} handlers={handlers} lookup={lookup} />
      </div>
    );
  }
}
