/**
 * Builds socket.io-client without the engine.io transport Ferry never uses: the hub connects with
 * WebSocket and falls back to long-polling (shared-worker/connection.ts, `transports`), never over
 * WebTransport, yet engine.io-client's transport table imports all three. This plugin gives the
 * build that table without WebTransport, keeping the two the hub asks for, its long-polling over
 * fetch() (engine.io's Fetch transport: a few lines on top of Polling) instead of XMLHttpRequest
 * (its own request class, event emitter and CORS probe, about 0.7 KB gzip more). The XHR module
 * stays reachable through engine.io-client's index, and its top level probes XMLHttpRequest and
 * adds an unload listener (a page's, not a worker's): it is marked free of side effects so the
 * bundler drops it. It also gives engine.io-parser's base64 codec (binary packets over
 * long-polling, which Ferry never sends) as the browser's own atob instead of a hand-written
 * table, and engine.io-client's URI parser (a 14-part regex kept for platforms without URL) as the
 * browser's URL, with the fields socket.io-client and engine.io-client read.
 */
import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';

/** engine.io-client's table of transports, by name (ESM build). */
const TABLE = /[\\/]engine\.io-client[\\/]build[\\/]esm[\\/]transports[\\/]index\.js$/;

/** engine.io-client's XMLHttpRequest transport and its CORS probe, unused (ESM build). */
const XHR =
  /[\\/]engine\.io-client[\\/]build[\\/]esm[\\/](transports[\\/]polling-xhr|contrib[\\/]has-cors)\.js$/;

/** engine.io-parser's base64 <-> ArrayBuffer codec (ESM build). */
const BASE64 = /[\\/]engine\.io-parser[\\/]build[\\/]esm[\\/]contrib[\\/]base64-arraybuffer\.js$/;

/** engine.io-client's URI parser, also socket.io-client's (ESM build). */
const PARSEURI = /[\\/]engine\.io-client[\\/]build[\\/]esm[\\/]contrib[\\/]parseuri\.js$/;

/**
 * parseuri's result from URL: socket.io-client always hands it an absolute URL (its url() adds
 * the scheme). Unlike parseuri, a default port written out comes back empty (both readers then
 * fill in the scheme's default) and queryKey is decoded (Ferry puts nothing in the socket's URL).
 */
export const PARSE_WITH_URL = `export function parse(source) {
  const u = new URL(source);
  return {
    source,
    protocol: u.protocol.slice(0, -1),
    host: u.hostname.replace(/^\\[(.*)\\]$/, '$1'),
    port: u.port,
    path: u.pathname,
    query: u.search.slice(1),
    queryKey: Object.fromEntries(u.searchParams),
  };
}`;

/** The plugin. */
export function engineTransports(): Plugin {
  return {
    name: 'ferry-engine-transports',
    enforce: 'pre',
    load(id) {
      const file = id.split('?')[0]!;
      if (BASE64.test(file))
        return 'export const decode = (base64) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer;';
      if (PARSEURI.test(file)) return PARSE_WITH_URL;
      if (XHR.test(file)) return { code: readFileSync(file, 'utf8'), moduleSideEffects: false };
      if (!TABLE.test(file)) return undefined;
      // The same modules as the original table (the package's "browser" field maps the .node.js
      // names to the browser's), minus webtransport.js, with Fetch for XHR.
      return [
        'import { Fetch } from "./polling-fetch.js";',
        'import { WS } from "./websocket.node.js";',
        'export const transports = { websocket: WS, polling: Fetch };',
      ].join('\n');
    },
  };
}
