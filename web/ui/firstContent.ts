/**
 * When the page may fetch what its first content does not need (PWA controls and the Service
 * Worker's registration, the search field, notifications; a conversation's code is not fetched
 * ahead: the Service Worker precaches it): once that content is on screen (the conversation list
 * with its first conversations, or the sign-in form) and the main thread is idle, so those
 * downloads never compete with it. An account with no conversation yet, or a slow first sync, gets
 * them anyway a few seconds after load.
 */
import { hubClient } from '../data/hubClient';
import { IDLE_LOADS_MARK, whenIdle } from './idle';

/** Longest wait after load for the first content (e.g. an empty account never shows a conversation). */
const CONTENT_WAIT_MS = 3_000;

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
  // A page opened on a conversation reaches the hub from now (see HubClient).
  hubClient().start();
}

let after: Promise<void> | null = null;

/** Resolves once, after the first content and an idle moment; later calls share the promise. */
export function afterFirstContent(): Promise<void> {
  after ??= contentShown
    .then(() => new Promise<void>((resolve) => void whenIdle(resolve)))
    // Before any caller's fetch starts (they chain on this promise).
    .then(() => void performance.mark(IDLE_LOADS_MARK));
  return after;
}
