/**
 * Updates: a new version installs and then waits. It activates only when a tab asks (the user
 * pressed "Reload to update"), so a page is never swapped under someone who is typing.
 */
import { clientsClaim } from 'workbox-core';
import { isPageToSw } from './protocol';
import { sw } from './scope';

/** Activates the waiting worker on a SKIP_WAITING message from a tab; claims pages on first install. */
export function installUpdateHandling(): void {
  sw.addEventListener('message', (event) => {
    if (!isPageToSw(event.data)) return;
    if (event.data.type === 'SKIP_WAITING') event.waitUntil(sw.skipWaiting());
    // Chromium's claim at activation sometimes passes over the very page that registered the
    // worker (seen on first visits while the page's SharedWorker starts); that page asks again.
    // Claiming only ever takes uncontrolled pages of this scope: no controlled page changes.
    else if (event.data.type === 'ferry:claim') event.waitUntil(sw.clients.claim());
  });
  // First install only: pages that opened before any worker existed get one now (an update's
  // pages are already controlled and move to the new worker when it activates).
  clientsClaim();
}
