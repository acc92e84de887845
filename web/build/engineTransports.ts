/**
 * Builds socket.io-client without the engine.io transport Ferry never uses: the hub connects with
 * WebSocket and falls back to long-polling (shared-worker/connection.ts, `transports`), never over
 * WebTransport, yet engine.io-client's transport table imports all three. This plugin gives the
 * build that table without WebTransport, keeping the two the hub asks for. It also gives
 * engine.io-parser's base64 codec (binary packets over long-polling, which Ferry never sends) as
 * the browser's own atob instead of a hand-written table.
 */
import type { Plugin } from 'vite';

/** engine.io-client's table of transports, by name (ESM build). */
const TABLE = /[\\/]engine\.io-client[\\/]build[\\/]esm[\\/]transports[\\/]index\.js$/;

/** engine.io-parser's base64 <-> ArrayBuffer codec (ESM build). */
const BASE64 = /[\\/]engine\.io-parser[\\/]build[\\/]esm[\\/]contrib[\\/]base64-arraybuffer\.js$/;

/** The plugin. */
export function engineTransports(): Plugin {
  return {
    name: 'ferry-engine-transports',
    enforce: 'pre',
    load(id) {
      const file = id.split('?')[0]!;
      if (BASE64.test(file))
        return 'export const decode = (base64) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer;';
      if (!TABLE.test(file)) return undefined;
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
