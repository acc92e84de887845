/**
 * Opened on a conversation, its newest messages are the first screen's main content: the list's
 * rows (as much work again, hundreds of conversations) wait for them, at most CONVERSATION_WAIT_MS.
 * Nothing runs when this module loads: the lazy conversation view and the page's first chunk both
 * import it, and a module with load-time effects would make the bundler split the first chunk.
 */

const CONVERSATION_WAIT_MS = 1_000;

let onScreen = false;
let resolveShown: (() => void) | null = null;
let shownPromise: Promise<void> | null = null;

/** Says the open conversation's newest messages are on screen (call from an effect). */
export function conversationShown(): void {
  onScreen = true;
  resolveShown?.();
}

/** Whether the open conversation's first messages were shown already (or never need waiting for). */
export function conversationWasShown(): boolean {
  return onScreen;
}

/** Resolves once the open conversation's messages are on screen, or after CONVERSATION_WAIT_MS. */
export function afterConversationShown(): Promise<void> {
  shownPromise ??= onScreen ? Promise.resolve() : new Promise<void>((resolve) => (resolveShown = resolve));
  setTimeout(conversationShown, CONVERSATION_WAIT_MS);
  return shownPromise;
}
