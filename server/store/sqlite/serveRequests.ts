/** The worker side of the store's thread protocol: runs each request in arrival order and replies. */
import { parentPort } from 'node:worker_threads';
import { errorToWire, type Reply, type Request } from './wire.js';

/** A worker's operations by name; each runs synchronously (better-sqlite3) and returns a cloneable value. */
export type Handlers = Record<string, (args: never) => unknown>;

/**
 * Answers requests from the parent thread until `close` is called; the thread then ends on its
 * own. Requests are handled one at a time, in the order they were posted.
 */
export function serveRequests(handlers: Handlers, onClose: () => void): void {
  const port = parentPort;
  if (!port) throw new Error('serveRequests must run in a worker thread.');
  port.on('message', ({ id, op, args }: Request) => {
    let reply: Reply;
    try {
      if (op === 'close') {
        onClose();
        port.postMessage({ id, ok: true, value: null } satisfies Reply);
        port.close();
        return;
      }
      const handler = handlers[op];
      if (!handler) throw new Error(`unknown store operation ${op}`);
      reply = { id, ok: true, value: handler(args as never) };
    } catch (error) {
      reply = { id, ok: false, error: errorToWire(error) };
    }
    port.postMessage(reply);
  });
}
