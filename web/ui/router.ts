/**
 * Routing over the History API: `/`, `/c/<conversationId>`, `/join/<inviteCode>`. The server sends
 * index.html for these paths (SPA fallback), so deep links and reloads work.
 */
import { useEffect, useState } from 'preact/hooks';
import { isSwToPage, type TabWhere } from '../../sw/protocol';

export type Route =
  | { name: 'home' }
  | { name: 'conversation'; id: string }
  | { name: 'join'; code: string }
  | { name: 'unknown' };

/** Parses a pathname into a route. */
export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'home' };
  const conv = /^\/c\/([^/]+)\/?$/.exec(pathname);
  if (conv) return { name: 'conversation', id: decodeURIComponent(conv[1]!) };
  const join = /^\/join\/([^/]+)\/?$/.exec(pathname);
  if (join) return { name: 'join', code: decodeURIComponent(join[1]!) };
  return { name: 'unknown' };
}

/** Path of a conversation's page. */
export const conversationPath = (id: string): string => `/c/${encodeURIComponent(id)}`;

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

/** Goes to `path` in this tab (pushes history, or replaces the current entry). */
export function navigate(path: string, { replace = false } = {}): void {
  if (path === location.pathname) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  listeners.forEach((l) => l());
}

// A clicked notification (sw/notifications.ts) asks this tab to show a conversation: route in
// place (no reload), and answer, so the worker does not load the URL in this tab instead.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (!isSwToPage(event.data)) return;
    if (event.data.type === 'ferry:where') {
      const focused = document.visibilityState === 'visible' && document.hasFocus();
      event.ports[0]?.postMessage({ path: location.pathname, focused } satisfies TabWhere);
      return;
    }
    navigate(event.data.path);
    event.ports[0]?.postMessage('routed');
  });
  // Messages from the worker wait in a queue until a page starts it (addEventListener does not).
  navigator.serviceWorker.startMessages();
}

/** The current route, updated on navigate() and on back/forward. */
export function useRoute(): Route {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return parseRoute(path);
}

/** Click handler for in-app links: plain left clicks navigate without a page load. */
export function onLinkClick(e: MouseEvent): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.currentTarget as HTMLAnchorElement;
  if (a.origin !== location.origin) return;
  e.preventDefault();
  navigate(a.pathname);
}
