/**
 * The app shell: Workbox precaches every built file (page, SharedWorker, chunks, icons, manifest)
 * and serves them cache-first; page navigations get the precached index.html, so the app opens
 * with no network. Server paths always go to the network as themselves.
 */
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
  type PrecacheEntry,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { SERVER_PATH_PREFIXES } from '../contract/index';

/** The contract's server paths as Workbox denylist patterns (tested against path and query). */
const SERVER_PATHS = SERVER_PATH_PREFIXES.map(
  (prefix) => new RegExp(`^${prefix.replaceAll('.', '\\.')}(/|$|\\?)`),
);
/** A path whose last segment has an extension names a file, not a page route. */
const FILE_PATH = /\/[^/]+\.[^/]+$/;

/** Precaches `manifest` (injected by the build) and routes navigations to the cached shell. */
export function installShell(manifest: Array<PrecacheEntry | string>): void {
  precacheAndRoute(manifest);
  // Drops caches of Workbox versions before this one.
  cleanupOutdatedCaches();
  registerRoute(
    new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [...SERVER_PATHS, FILE_PATH] }),
  );
}
