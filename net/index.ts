/**
 * Networking helpers of the page, the hub and the Service Worker: the offline signal and the
 * retry backoff. Apart from outbox/ because the hub's socket and requests use them too.
 */
export { OfflineError, OFFLINE_ANSWER } from './offline';
export { backoffDelay, type BackoffOptions } from './backoff';
