/**
 * This device's Web Push subscription: permission, `pushManager.subscribe` with the server's VAPID
 * key, and telling the server (HttpPath.pushSubscribe / pushUnsubscribe). "Show message text in
 * notifications" is a setting of this device's subscription (kept here in localStorage and sent
 * with it), so a shared laptop can hide previews while a phone shows them.
 */
import { ErrorCode, HttpPath, type Ack } from '../../contract/index';
import { postJson } from '../data/http';

const SHOW_TEXT_KEY = 'ferry-push-show-text';

export type PushProblem = 'unsupported' | 'denied' | 'failed';

/** Why turning notifications on did not work; `detail` is the server's or browser's message. */
export class PushSetupError extends Error {
  constructor(
    readonly problem: PushProblem,
    readonly detail = '',
  ) {
    super(detail || problem);
    this.name = 'PushSetupError';
  }
}

/** True when this browser can receive pushes with every tab closed. */
export function pushSupported(): boolean {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

export function showTextSetting(): boolean {
  try {
    return localStorage.getItem(SHOW_TEXT_KEY) !== 'false';
  } catch {
    return true;
  }
}

function rememberShowText(showText: boolean): void {
  try {
    localStorage.setItem(SHOW_TEXT_KEY, String(showText));
  } catch {
    // Not remembered: the server still has it for this subscription.
  }
}

async function registration(): Promise<ServiceWorkerRegistration> {
  return navigator.serviceWorker.ready;
}

/** The subscription this device has, when notifications are allowed; null otherwise. */
export async function currentSubscription(): Promise<PushSubscription | null> {
  if (!pushSupported() || Notification.permission !== 'granted') return null;
  return (await registration()).pushManager.getSubscription();
}

async function serverKey(): Promise<string> {
  let answer: Ack<{ publicKey: string }>;
  try {
    const response = await fetch(HttpPath.pushKey, { credentials: 'same-origin', cache: 'no-store' });
    answer = (await response.json()) as Ack<{ publicKey: string }>;
  } catch {
    throw new PushSetupError('failed', 'offline');
  }
  if (!answer.ok) throw new PushSetupError('failed', answer.error.message);
  return answer.publicKey;
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

function sameKey(subscription: PushSubscription, key: Uint8Array): boolean {
  const current = subscription.options.applicationServerKey;
  if (!current) return false;
  const bytes = new Uint8Array(current);
  return bytes.length === key.length && bytes.every((b, i) => b === key[i]);
}

/** Tells the server about the subscription (again: saving is idempotent, and sets showText). */
async function register(subscription: PushSubscription, showText: boolean): Promise<void> {
  const answer = await postJson(HttpPath.pushSubscribe, { subscription: subscription.toJSON(), showText });
  if (!answer.ok) {
    const offline = answer.error.code === ErrorCode.UNAVAILABLE;
    throw new PushSetupError('failed', offline ? 'offline' : answer.error.message);
  }
}

/** Asks permission (from the click), subscribes this device and registers it with the server. */
export async function enablePush(showText = showTextSetting()): Promise<PushSubscription> {
  if (!pushSupported()) throw new PushSetupError('unsupported');
  const permission =
    Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
  if (permission !== 'granted') throw new PushSetupError('denied');
  const key = keyBytes(await serverKey());
  const { pushManager } = await registration();
  let subscription = await pushManager.getSubscription();
  // Made with another server key (keys were replaced): push services would refuse our pushes.
  if (subscription && !sameKey(subscription, key)) {
    await subscription.unsubscribe().catch(() => false);
    subscription = null;
  }
  try {
    subscription ??= await pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  } catch (err) {
    throw new PushSetupError('failed', err instanceof Error ? err.message : String(err));
  }
  await register(subscription, showText);
  rememberShowText(showText);
  return subscription;
}

/** Unsubscribes this device here and on the server. */
export async function disablePush(): Promise<void> {
  const subscription = pushSupported() ? await (await registration()).pushManager.getSubscription() : null;
  if (!subscription) return;
  const answer = await postJson(HttpPath.pushUnsubscribe, { endpoint: subscription.endpoint });
  // The browser's side goes either way: no push service will deliver to it any more.
  await subscription.unsubscribe().catch(() => false);
  if (!answer.ok) throw new PushSetupError('failed', answer.error.message);
}

/** Changes "Show message text in notifications" for this device's subscription. */
export async function setShowText(showText: boolean): Promise<void> {
  const subscription = await currentSubscription();
  if (subscription) await register(subscription, showText);
  rememberShowText(showText);
}

/**
 * On app start: a device that has a subscription registers it again, so the server has it after a
 * sign-out and sign-in (signing out deletes it there) or after the server lost it.
 */
export async function resyncPush(): Promise<boolean> {
  const subscription = await currentSubscription();
  if (!subscription) return false;
  await register(subscription, showTextSetting()).catch(() => undefined);
  return true;
}

/**
 * After sign-out: the server deleted this device's subscription with the session; the browser's
 * goes too, so the next person to sign in here does not inherit it.
 */
export async function forgetPushOnThisDevice(): Promise<void> {
  if (!pushSupported()) return;
  const subscription = await (await registration()).pushManager.getSubscription();
  await subscription?.unsubscribe();
}
