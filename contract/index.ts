/** The wire contract without its run-time schemas (those are server-side: ./schemas.js). */
export * from './limits.js';
export * from './errors.js';
export * from './events.js';
export * from './http.js';
export * from './search.js';
export * from './push.js';
export * from './ids.js';
