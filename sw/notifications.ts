/**
 * Clicking a message notification (shown by web/ui/notifications.ts with `data.url`, e.g.
 * `/c/<id>`): closes it, then brings an open Ferry window to the front and shows that URL there,
 * or opens a new window on it when none is open. Only URLs of this origin are followed.
 */
import type { SwToPage } from './protocol';
import { sw } from './scope';

/** How long a tab has to say it routed in place before the worker loads the URL in it instead. */
const ROUTE_ANSWER_MS = 1_000;

/** The same-origin URL a notification's data points at; null when it has none or it points elsewhere. */
export function notificationTarget(data: unknown, origin: string): URL | null {
  const raw = typeof data === 'object' && data !== null ? (data as { url?: unknown }).url : undefined;
  if (typeof raw !== 'string') return null;
  try {
    const url = new URL(raw, origin);
    // Rules out other sites and schemes such as javascript: (whose origin is "null").
    return url.origin === origin ? url : null;
  } catch {
    return null;
  }
}

/** Registers the `notificationclick` handler. */
export function installNotificationClicks(): void {
  sw.addEventListener('notificationclick', (event) => {
    // An action button (Reply, Mark as read) is sw/push.ts's and opens no window.
    if (event.action) return;
    event.notification.close();
    event.waitUntil(openFromNotification(notificationTarget(event.notification.data, sw.location.origin)));
  });
}

/** Shows `target` (or just the app, when null) in an open window, else in a new one. */
async function openFromNotification(target: URL | null): Promise<void> {
  try {
    // Same-origin clients only (Clients.matchAll never returns others); Chromium lists the most
    // recently focused first. A tab's `url` does not prove it shows the target (Chromium keeps the
    // URL the tab loaded, not the one it moved to with history.pushState), so every tab is routed.
    const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const client = windows.find((c) => target !== null && c.url === target.href) ?? windows[0];
    if (!client) {
      await sw.clients.openWindow(target?.href ?? sw.registration.scope);
      return;
    }
    // Browsers allow focus() (and openWindow) only right after a real click on the notification.
    const focused = await client.focus().catch(() => client);
    if (target) await showIn(focused, target);
  } catch (err) {
    console.warn('ferry sw: could not open the notification’s conversation', err);
  }
}

/** Routes the tab in place (no reload: its state and hub stay); loads the URL if the tab does not answer. */
async function showIn(client: WindowClient, target: URL): Promise<void> {
  if (await askToRoute(client, target.pathname + target.search + target.hash)) return;
  // No answer: a page without Ferry's router, such as an older build still open after an update.
  const navigated = await client.navigate(target.href).catch(() => null);
  // navigate() refuses windows this worker does not control: open a new one instead.
  if (!navigated) await sw.clients.openWindow(target.href);
}

/** Posts `path` to the tab and resolves true when it answers that it routed there. */
function askToRoute(client: WindowClient, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const finish = (routed: boolean) => {
      clearTimeout(timer);
      channel.port1.close();
      resolve(routed);
    };
    const timer = setTimeout(() => finish(false), ROUTE_ANSWER_MS);
    channel.port1.onmessage = () => finish(true);
    client.postMessage({ type: 'ferry:open', path } satisfies SwToPage, [channel.port2]);
  });
}
