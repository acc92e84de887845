/**
 * Registers the Service Worker with workbox-window (loaded lazily: it is not needed to paint) and
 * tracks updates. A new version waits until the person presses "Reload to update"; this page never
 * reloads by itself (someone may be typing).
 */
import type { Workbox } from 'workbox-window';
import type { PageToSw } from '../../sw/protocol';
import { setPwaState } from './pwaState';

/** Where the build writes the worker (vite.config.ts, VitePWA `filename`). */
const SW_URL = '/sw.js';
/** Long-lived tabs never navigate, so they look for a new version now and then. */
const UPDATE_CHECK_MS = 60 * 60_000;

let workbox: Workbox | null = null;
let started: Promise<ServiceWorkerRegistration | undefined> | null = null;
let reloadRequested = false;

/** Registers the worker once per page; resolves with the registration (undefined if unsupported). */
export function startServiceWorker(): Promise<ServiceWorkerRegistration | undefined> {
  started ??= register();
  return started;
}

async function register(): Promise<ServiceWorkerRegistration | undefined> {
  // Vite's dev server (`npm run dev`, the only place with HMR) serves no worker: VitePWA builds it.
  if (import.meta.hot || !('serviceWorker' in navigator)) return undefined;
  const { Workbox } = await import('workbox-window');
  const wb = new Workbox(SW_URL, { scope: '/' });
  workbox = wb;
  // Fires for our own update and for one another tab found (isExternal), and on load when a
  // version was already waiting.
  wb.addEventListener('waiting', () => setPwaState({ updateReady: true }));

  // The first worker taking control (first visit) is not an update; a later change is.
  let controlled = navigator.serviceWorker.controller !== null;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloadRequested) window.location.reload();
    // Another tab applied an update: this page still runs the old code, so offer the reload.
    else if (controlled) setPwaState({ updateReady: true });
    controlled = true;
  });

  const registration = await wb.register({ immediate: true }).catch((err: unknown) => {
    console.warn('ferry: registering the Service Worker failed; the app will not work offline', err);
    return undefined;
  });
  if (registration) void claimThisPage();
  setInterval(() => {
    if (document.visibilityState === 'visible') void registration?.update().catch(() => undefined);
  }, UPDATE_CHECK_MS);
  return registration;
}

/**
 * Once a worker is active, makes sure it controls this page: the worker claims pages as it first
 * activates, but Chromium can pass over this one, which would then go without its offline shell,
 * Background Sync replay and attachment cache until reloaded.
 */
async function claimThisPage(): Promise<void> {
  const ready = await navigator.serviceWorker.ready;
  if (navigator.serviceWorker.controller) return;
  const message: PageToSw = { type: 'ferry:claim' };
  ready.active?.postMessage(message);
}

/** "Reload to update": activates the waiting version, then reloads once it controls this page. */
export async function applyUpdate(): Promise<void> {
  reloadRequested = true;
  const registration = await startServiceWorker();
  if (registration?.waiting && workbox) workbox.messageSkipWaiting();
  // Nothing waiting: another tab already activated the new version; just load it.
  else window.location.reload();
}
