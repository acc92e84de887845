/** The Service Worker's global scope, typed: the WebWorker lib types `self` as a plain worker. */
export const sw = self as unknown as ServiceWorkerGlobalScope;
