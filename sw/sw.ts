/**
 * Ferry's Service Worker (built by vite-plugin-pwa in injectManifest mode): the precached app shell
 * with offline navigations, prompt-only updates, the outbox's HTTP replay (Background Sync and
 * its fallbacks) for when the hub's socket is down or every tab is closed (files included: the same
 * fetch-based tus upload as the hub), notification clicks, Web Push (sw/push.ts), and attachments
 * cached for offline viewing.
 */
import type { PrecacheEntry } from 'workbox-precaching';
import { installAttachmentCache } from './attachments';
import { installNotificationClicks } from './notifications';
import { installPush } from './push';
import { installReplayTriggers } from './replayTriggers';
import { installShell } from './shell';
import { installUpdateHandling } from './update';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<PrecacheEntry | string> };

installUpdateHandling();
installReplayTriggers();
installNotificationClicks();
installPush();
// `self.__WB_MANIFEST` is replaced by the build with the list of files to precache.
installShell(self.__WB_MANIFEST);
installAttachmentCache();
