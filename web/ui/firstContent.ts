/**
 * When the page may fetch what its first content does not need (PWA controls and the Service
 * Worker's registration, the search field, notifications, the open conversation's code before
 * anyone opens one): once that content is on screen (the conversation list with its first
 * conversations, or the sign-in form) and the main thread is idle, so those downloads never
 * compete with it. An account with no conversation yet, or a slow first sync, gets them anyway a
 * few seconds after load.
 */

/** Longest wait after load for the first content (e.g. an empty account never shows a conversation). */
const CONTENT_WAIT_MS = 3_000;
/** Longest wait for an idle moment once the content is there. */
const IDLE_TIMEOUT_MS = 1_000;

let shown: () => void = () => {};
const contentShown = new Promise<void>((resolve) => {
  shown = resolve;
  const fallback = () => setTimeout(resolve, CONTENT_WAIT_MS);
  if (document.readyState === 'complete') fallback();
  else window.addEventListener('load', fallback, { once: true });
});

/** Says the first content is on screen (call from an effect: it runs after the paint). */
export function firstContentShown(): void {
  shown();
}

/**
 * Opened on a conversation, its newest messages are the first screen's main content: the list's
 * rows (as much work again, hundreds of conversations) wait for them, at most this long.
 */
const CONVERSATION_WAIT_MS = 1_000;

let conversationOnScreen = false;
let conversationShownNow: () => void = () => {};
const conversationShownPromise = new Promise<void>((resolve) => {
  conversationShownNow = () => {
    conversationOnScreen = true;
    resolve();
  };
});

/** Says the open conversation's newest messages are on screen (call from an effect). */
export function conversationShown(): void {
  conversationShownNow();
}

/** Whether the open conversation's first messages were shown already (or never need waiting for). */
export function conversationWasShown(): boolean {
  return conversationOnScreen;
}

/** Resolves once the open conversation's messages are on screen, or after CONVERSATION_WAIT_MS. */
export function afterConversationShown(): Promise<void> {
  setTimeout(conversationShownNow, CONVERSATION_WAIT_MS);
  return conversationShownPromise;
}

/** Calls `fn` when the page is idle (a timer where requestIdleCallback is missing); returns the cancel. */
export function whenIdle(fn: () => void): () => void {
  if (typeof requestIdleCallback === 'function') {
    const id = requestIdleCallback(fn, { timeout: IDLE_TIMEOUT_MS });
    return () => cancelIdleCallback(id);
  }
  const timer = setTimeout(fn, 50);
  return () => clearTimeout(timer);
}

let after: Promise<void> | null = null;

/** Resolves once, after the first content and an idle moment; later calls share the promise. */
export function afterFirstContent(): Promise<void> {
  after ??= contentShown.then(
    () =>
      new Promise<void>((resolve) =>
        typeof requestIdleCallback === 'function'
          ? requestIdleCallback(() => resolve(), { timeout: IDLE_TIMEOUT_MS })
          : setTimeout(resolve, 0),
      ),
  );
  return after;
}
