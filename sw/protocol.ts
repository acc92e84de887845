/**
 * Messages between tabs and the Service Worker. Shared by sw/ and web/: constants and types only,
 * so it type-checks in both contexts.
 */
export { OUTBOX_SYNC_TAG } from '../outbox/index';

/** Cache Storage name of attachments seen once (thumbnails, opened files): sw/attachments.ts. */
export const ATTACHMENT_CACHE = 'ferry-attachments';

/** Why a tab asks the Service Worker to replay the outbox (fallbacks where Background Sync is missing). */
export type ReplayReason = 'app-open' | 'online' | 'queued-offline';

export type PageToSw =
  /** workbox-window's messageSkipWaiting() sends exactly this: activate the waiting worker. */
  | { type: 'SKIP_WAITING' }
  /** Replay the outbox over HTTP now (the hub's socket may be down). */
  | { type: 'ferry:replay-outbox'; reason: ReplayReason }
  /** This page is still not controlled by the active worker: claim it (see sw/update.ts). */
  | { type: 'ferry:claim' };

/** True when `data` is a message this Service Worker understands. */
export function isPageToSw(data: unknown): data is PageToSw {
  if (typeof data !== 'object' || data === null) return false;
  const type = (data as { type?: unknown }).type;
  return type === 'SKIP_WAITING' || type === 'ferry:replay-outbox' || type === 'ferry:claim';
}

export type SwToPage =
  /**
   * Show this same-origin path in the tab (a notification was clicked). The tab answers on the
   * transferred port once it has routed, so the worker knows it need not load the URL instead.
   */
  | { type: 'ferry:open'; path: string }
  /**
   * Which path does the tab show, and is the person looking at it? Answered on the transferred
   * port with a TabWhere (a push for the conversation on screen shows no notification).
   */
  | { type: 'ferry:where' };

/** A tab's answer to `ferry:where`. */
export interface TabWhere {
  path: string;
  /** Visible and focused. */
  focused: boolean;
}

/** True when `data` is a message a tab should act on. */
export function isSwToPage(data: unknown): data is SwToPage {
  if (typeof data !== 'object' || data === null) return false;
  const { type, path } = data as { type?: unknown; path?: unknown };
  if (type === 'ferry:where') return true;
  // A path of this origin: "//host" and "/\host" would name another one.
  return type === 'ferry:open' && typeof path === 'string' && /^\/(?![/\\])/.test(path);
}
