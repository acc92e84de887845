/**
 * Builds socket.io-client without the engine.io transport Ferry never uses: the hub connects with
 * WebSocket and falls back to long-polling (shared-worker/connection.ts, `transports`), never over
 * WebTransport, yet engine.io-client's transport table imports all three. This plugin gives the
 * build that table without WebTransport, keeping the two the hub asks for.
 */
import type { Plugin } from 'vite';

/** engine.io-client's table of transports, by name (ESM build). */
const TABLE = /[\\/]engine\.io-client[\\/]build[\\/]esm[\\/]transports[\\/]index\.js$/;

/** The plugin. */
export function engineTransports(): Plugin {
  return {
    name: 'ferry-engine-transports',
    enforce: 'pre',
    load(id) {
      if (!TABLE.test(id.split('?')[0]!)) return undefined;
      // The same modules as the original table (the package's "browser" field maps the .node.js
      // names to the browser's), minus webtransport.js.
      return [
        'import { XHR } from "./polling-xhr.node.js";',
        'import { WS } from "./websocket.node.js";',
        'export const transports = { websocket: WS, polling: XHR };',
      ].join('\n');
    },
  };
}
