/**
 * Offline viewing of attachments: thumbnails of history and files opened once are kept in their
 * own cache and served cache-first (an attachment's bytes never change under its id), within a
 * budget of entries, the least recently used evicted first (workbox-expiration refreshes an
 * entry's time on every use). Queued files are not here: they live in IndexedDB with their outbox
 * entry until sent, so no eviction can take them. The cache is dropped at sign-out (web/data).
 */
import { CacheableResponsePlugin } from 'workbox-cacheable-response';
import { ExpirationPlugin } from 'workbox-expiration';
import { registerRoute } from 'workbox-routing';
import { CacheFirst } from 'workbox-strategies';
import { ATTACHMENT_CACHE } from './protocol';

const env = (import.meta as ImportMeta & { env?: Record<string, string | undefined> }).env ?? {};

/** How many attachments (thumbnails and files) are kept: VITE_ATTACHMENT_CACHE_ENTRIES at build. */
export const ATTACHMENT_CACHE_ENTRIES = Number(env.VITE_ATTACHMENT_CACHE_ENTRIES) || 300;
/** Unused this long, an attachment leaves the cache. */
const ATTACHMENT_CACHE_MAX_AGE_S = 60 * 24 * 60 * 60;

/** GET /api/conversations/:id/attachments/:attachmentId (ConversationPath.attachment), any query. */
const ATTACHMENT_PATH = /^\/api\/conversations\/[^/]+\/attachments\/[^/]+$/;

export function installAttachmentCache(): void {
  registerRoute(
    ({ url, request, sameOrigin }) =>
      sameOrigin &&
      request.method === 'GET' &&
      ATTACHMENT_PATH.test(url.pathname) &&
      !request.headers.has('range'),
    new CacheFirst({
      cacheName: ATTACHMENT_CACHE,
      // The session cookie may make the server answer with Vary: the id alone names the bytes.
      matchOptions: { ignoreVary: true },
      plugins: [
        // Only whole answers: never an error, a redirect to sign-in or a partial (Range) body.
        new CacheableResponsePlugin({ statuses: [200] }),
        new ExpirationPlugin({
          maxEntries: ATTACHMENT_CACHE_ENTRIES,
          maxAgeSeconds: ATTACHMENT_CACHE_MAX_AGE_S,
          // Storage pressure: this cache goes first, before anything the browser would evict.
          purgeOnQuotaError: true,
        }),
      ],
    }),
  );
}
