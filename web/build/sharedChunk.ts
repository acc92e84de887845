/**
 * The small modules the page and the hub both use (outbox names and tus headers, backoff, the
 * Background Sync and push helpers, the tabs' channel names), gathered with what they import into
 * one chunk ("shared") instead of a chunk of 60–600 bytes for each: the hub's start and the
 * conversation view fetch fewer files, and the first load pays fewer gzip headers and import lists.
 */

/** The modules, from the repository's root (a test checks each still exists). */
export const SHARED_SMALL_MODULES = [
  'outbox/names.ts',
  'outbox/tus.ts',
  'net/backoff.ts',
  'client-kit/backgroundSync.ts',
  'shared-worker/broadcastWire.ts',
  'localdb/pushMeta.ts',
] as const;

/** True for a module id (an absolute path, either separator) of one of those modules. */
export function isSharedSmall(id: string): boolean {
  const path = id.replaceAll('\\', '/');
  return SHARED_SMALL_MODULES.some((m) => path.endsWith('/' + m));
}
