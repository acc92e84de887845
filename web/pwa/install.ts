/**
 * The "Install" offer: Chromium fires `beforeinstallprompt` when the app is installable; we keep
 * the event and show our own button instead of the browser's mini-infobar.
 * https://developer.mozilla.org/docs/Web/API/BeforeInstallPromptEvent (not in TypeScript's DOM lib).
 */
import { askPersistentStorage } from '../data/storage';
import { setPwaState } from './pwaState';

interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>;
  readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed'; platform: string }>;
}

let offer: BeforeInstallPromptEvent | null = null;
let listening = false;

/** Starts listening for the browser's install offer. Call early: the event may fire right after load. */
export function listenForInstallOffer(): void {
  if (listening) return;
  listening = true;
  window.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault();
    offer = event as BeforeInstallPromptEvent;
    setPwaState({ canInstall: true });
  });
  window.addEventListener('appinstalled', () => {
    offer = null;
    setPwaState({ canInstall: false });
    // An installed app is what browsers grant persistent storage to most readily.
    void askPersistentStorage();
  });
}

/** Shows the browser's install dialog (must run in a click handler). */
export async function promptInstall(): Promise<void> {
  const current = offer;
  if (!current) return;
  // An offer can be used once; if the person dismisses it the browser fires a new one later.
  offer = null;
  setPwaState({ canInstall: false });
  await current.prompt();
  await current.userChoice;
}
