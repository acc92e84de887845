/**
 * Web Push in the Service Worker, for when every Ferry tab may be closed:
 * - `push` "message": one notification per conversation (tag), replaced by the next one with the
 *   running count ("3 new messages"), titled with the conversation, "sender: text" or a generic
 *   line when this device hides previews, in the language the page last used; the app badge shows
 *   the unread total. Nothing is shown when a focused Ferry tab already shows that conversation.
 * - `push` "read": the conversation was read up to seq N somewhere: its notification closes.
 * - Actions: "Reply" puts the typed text in the outbox exactly like the composer does (same
 *   enqueue, same id rules) and starts the outbox replay, so it is sent once, now or when the
 *   network is back (Background Sync). "Mark as read" queues the receipt durably and sends it.
 * Plain clicks are sw/notifications.ts's: they open `data.url` (/c/<id>).
 */
import { PushAction, pushTag, type PushMessageNotice, type PushNotice } from '../contract/index';
import { lazyFerryDb, getMe, getNotificationLang, queueRead } from '../localdb/index';
import { enqueue } from '../outbox/index';
import { enLater as en } from '../web/i18n/enLater';
import { zhLater as zh } from '../web/i18n/zhLater';
import type { SwToPage, TabWhere } from './protocol';
import { replayAndReschedule } from './replayTriggers';
import { sw } from './scope';

/** How long a tab has to say what it shows before the notification is shown anyway. */
const WHERE_ANSWER_MS = 300;

/** What a message notification carries in `data`. */
export interface PushNotificationData {
  /** Followed by a plain click (sw/notifications.ts). */
  url: string;
  conversationId: string;
  seq: number;
  /** Messages this notification stands for. */
  count: number;
}

/** The Action API's text input (Chromium): not in TypeScript's WebWorker lib. */
type ActionEvent = NotificationEvent & { reply?: string | null };
type BadgeNavigator = WorkerNavigator & {
  setAppBadge?: (n?: number) => Promise<void>;
  clearAppBadge?: () => Promise<void>;
};

const getDb = lazyFerryDb();

/**
 * The pushes being handled, one after another in arrival order: a message's count is read from
 * the notification the push before it showed, and a read push must find what that one showed.
 * Side by side, both would read the same previous count. And Chromium's getNotifications drops
 * from its store what its display does not report as shown yet: run while another notification is
 * being displayed, it can lose that one (tests on a busy machine saw showNotification resolve and
 * the notification be gone, never closed, when they polled getNotifications meanwhile).
 */
let handling: Promise<void> = Promise.resolve();

/** Registers `push` and the action half of `notificationclick`. */
export function installPush(): void {
  sw.addEventListener('push', (event) => {
    const notice = readNotice(event.data);
    if (!notice) return;
    handling = handling.then(() => onPush(notice)).catch(report);
    event.waitUntil(handling);
  });
  sw.addEventListener('notificationclick', (event) => {
    const action = (event as ActionEvent).action;
    if (action !== PushAction.reply && action !== PushAction.markRead) return;
    const data = event.notification.data as Partial<PushNotificationData> | null;
    if (!data?.conversationId || typeof data.seq !== 'number') return;
    event.notification.close();
    const done =
      action === PushAction.reply
        ? reply(data.conversationId, (event as ActionEvent).reply ?? '')
        : markRead(data.conversationId, data.seq);
    event.waitUntil(done.catch(report));
  });
}

/** The JSON the server sent (web-push decrypts nothing here: the browser already did). */
function readNotice(data: PushMessageData | null): PushNotice | null {
  try {
    const notice = data?.json() as PushNotice | undefined;
    return notice && (notice.kind === 'message' || notice.kind === 'read') ? notice : null;
  } catch {
    return null;
  }
}

async function onPush(notice: PushNotice): Promise<void> {
  setBadge(notice.unreadTotal);
  if (notice.kind === 'read') return closeRead(notice.conversationId, notice.readSeq);
  const url = `/c/${encodeURIComponent(notice.conversationId)}`;
  if (await shownInFocusedTab(url)) return;
  await showMessage(notice, url);
}

async function showMessage(notice: PushMessageNotice, url: string): Promise<void> {
  const t = (await getNotificationLang(await getDb())) === 'zh-CN' ? zh : en;
  const tag = pushTag(notice.conversationId);
  const [previous] = await sw.registration.getNotifications({ tag });
  const before = (previous?.data as Partial<PushNotificationData> | undefined)?.count ?? 0;
  const count = before + notice.count;
  const line = notice.text === undefined ? null : t.pushFrom(notice.senderName, notice.text);
  const body =
    count > 1 ? [t.pushNewMessages(count), line].filter(Boolean).join('\n') : (line ?? t.pushNewMessage);
  const data: PushNotificationData = { url, conversationId: notice.conversationId, seq: notice.seq, count };
  const actions = [
    { action: PushAction.reply, type: 'text', title: t.pushReply, placeholder: t.pushReplyPlaceholder },
    { action: PushAction.markRead, title: t.pushMarkRead },
  ];
  await sw.registration.showNotification(notice.conversationName, {
    body,
    tag,
    data,
    icon: '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
    // TypeScript's lib lacks these two Chromium options.
    ...({ renotify: true, actions } as object),
  });
}

/** Closes the conversation's notification when it shows nothing newer than `readSeq`. */
async function closeRead(conversationId: string, readSeq: number): Promise<void> {
  for (const n of await sw.registration.getNotifications({ tag: pushTag(conversationId) })) {
    const seq = (n.data as Partial<PushNotificationData> | null)?.seq ?? 0;
    if (seq <= readSeq) n.close();
  }
}

/** True when a focused Ferry tab shows `path` (each tab is asked: its URL may be out of date). */
async function shownInFocusedTab(path: string): Promise<boolean> {
  const windows = await sw.clients.matchAll({ type: 'window' });
  const answers = await Promise.all(windows.map(askWhere));
  return answers.some((a) => a?.focused === true && a.path === path);
}

function askWhere(client: WindowClient): Promise<TabWhere | null> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const finish = (where: TabWhere | null) => {
      clearTimeout(timer);
      channel.port1.close();
      resolve(where);
    };
    const timer = setTimeout(() => finish(null), WHERE_ANSWER_MS);
    channel.port1.onmessage = (e: MessageEvent<TabWhere>) => finish(e.data);
    client.postMessage({ type: 'ferry:where' } satisfies SwToPage, [channel.port2]);
  });
}

/** "Reply": into the outbox like a typed message, then the replay (now, or once online). */
async function reply(conversationId: string, text: string): Promise<void> {
  if (text.trim().length === 0) return;
  const db = await getDb();
  const me = await getMe(db);
  if (!me) return;
  await enqueue(db, { conversationId, text, senderId: me.id });
  await replayAndReschedule();
}

/** "Mark as read": queued first (durable), then sent by the replay (sw/pushReads.ts). */
async function markRead(conversationId: string, seq: number): Promise<void> {
  const db = await getDb();
  await queueRead(db, conversationId, seq);
  await replayAndReschedule();
}

function setBadge(unread: number): void {
  const nav = sw.navigator as BadgeNavigator;
  const done = unread > 0 ? nav.setAppBadge?.(unread) : nav.clearAppBadge?.();
  done?.catch(() => {
    // Not allowed here (e.g. not installed): the badge is a nicety.
  });
}

function report(err: unknown): void {
  console.warn('ferry sw: push handling failed', err);
}
