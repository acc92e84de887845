/**
 * System notifications for messages that arrive while no Ferry tab is visible, and the app badge
 * (Badging API) showing the total unread count. Permission is asked only after the person sends
 * their first message (a moment where notifications make sense), never on load.
 */
import type { Message } from '../../contract/index';

const ASKED_KEY = 'ferry-notify-asked';
const CHANNEL = 'ferry-visibility';
/** How long a hidden tab waits for a visible tab to speak up before notifying. */
const PEER_WAIT_MS = 150;

/** Asks for notification permission once per device, from a user gesture (sending). */
export function askNotificationPermissionOnce(): void {
  if (!('Notification' in window) || Notification.permission !== 'default') return;
  try {
    if (localStorage.getItem(ASKED_KEY)) return;
    localStorage.setItem(ASKED_KEY, '1');
  } catch {
    // Storage blocked: ask anyway, the browser remembers a refusal.
  }
  void Notification.requestPermission();
}

type Ping = { kind: 'anyone-visible'; id: string } | { kind: 'visible'; id: string };
let channel: BroadcastChannel | null = null;

function getChannel(): BroadcastChannel | null {
  if (channel || typeof BroadcastChannel === 'undefined') return channel;
  channel = new BroadcastChannel(CHANNEL);
  // A visible tab answers hidden tabs asking whether anyone will show the message.
  channel.onmessage = (e: MessageEvent<Ping>) => {
    if (e.data.kind === 'anyone-visible' && document.visibilityState === 'visible')
      channel!.postMessage({ kind: 'visible', id: e.data.id } satisfies Ping);
  };
  return channel;
}

/** True when another Ferry tab of this browser is visible (it answers within PEER_WAIT_MS). */
function anotherTabVisible(messageId: string): Promise<boolean> {
  const ch = getChannel();
  if (!ch) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onMessage = (e: MessageEvent<Ping>) => {
      if (e.data.kind === 'visible' && e.data.id === messageId) done(true);
    };
    const timer = setTimeout(() => done(false), PEER_WAIT_MS);
    function done(visible: boolean) {
      clearTimeout(timer);
      ch!.removeEventListener('message', onMessage);
      resolve(visible);
    }
    ch.addEventListener('message', onMessage);
    ch.postMessage({ kind: 'anyone-visible', id: messageId } satisfies Ping);
  });
}

/** Shows a notification for a message if no tab is visible; every hidden tab may call it. */
export async function notifyIfUnseen(m: Message, title: string, url: string): Promise<void> {
  getChannel();
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  if (document.visibilityState === 'visible' || (await anotherTabVisible(m.id))) return;
  // The tag is the message id: several hidden tabs showing it replace each other, leaving one.
  const options: NotificationOptions = { body: m.text, tag: m.id, data: { url } };
  try {
    const reg = await navigator.serviceWorker?.getRegistration();
    if (reg) return await reg.showNotification(title, options);
    new Notification(title, options).onclick = () => {
      window.focus();
      location.assign(url);
    };
  } catch {
    // Some browsers allow notifications only from a Service Worker; without one, stay silent.
  }
}

/** Sets the installed app's badge to the unread count (cleared at zero) where supported. */
export function setBadge(unread: number): void {
  const nav = navigator as Navigator & {
    setAppBadge?: (n?: number) => Promise<void>;
    clearAppBadge?: () => Promise<void>;
  };
  if (!nav.setAppBadge) return;
  const done = unread > 0 ? nav.setAppBadge(unread) : nav.clearAppBadge?.();
  done?.catch(() => {
    // Not allowed here (e.g. not installed): the badge is a nicety.
  });
}

// Visible tabs must answer from the start, not only after their first notification.
getChannel();
