/** The worker side of the store's thread protocol: runs each request in arrival order and replies. */
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { errorToWire, type Reply, type Request } from './wire.js';

/** A worker's operations by name; each runs synchronously (better-sqlite3) and returns a cloneable value. */
export type Handlers = Record<string, (args: never) => unknown>;

/**
 * An operation whose requests, when several wait in the queue, run as one: the writer's commits,
 * so batches the event loop sent while a commit was on the disk share the next transaction and
 * its fsync, and none waits for the event loop to hear of the commit before it can begin.
 */
export interface MergedOp {
  op: string;
  /** Runs the waiting requests' args together; one value per request, or throws for all of them. */
  run: (argsList: never[]) => unknown[];
  /** How much one request holds (inputs in a batch). */
  size: (args: never) => number;
  /** Most held by one merged run; a single request larger than this still runs alone. */
  maxSize: number;
  /**
   * Called once a run's replies are posted; `idle` when no request at all was waiting then.
   * `waiting()` tells whether a request has come since (it takes it from the port, to be handled
   * next, in order): idle work looks now and then and ends early for it.
   */
  afterRun?: (idle: boolean, waiting: () => boolean) => void;
}

/**
 * Answers requests from the parent thread until `close` is called; the thread then ends on its
 * own. Requests are handled one at a time, in the order they were posted; requests of `merged.op`
 * that are already queued behind one are taken with it (never past a request of another op).
 */
export function serveRequests(handlers: Handlers, onClose: () => void, merged?: MergedOp): void {
  const port = parentPort;
  if (!port) throw new Error('serveRequests must run in a worker thread.');

  /** Handles one request (or a merged run starting with it); returns a request it took but left. */
  const handleOne = ({ id, op, args }: Request): Request | undefined => {
    if (op === merged?.op) return handleMerged({ id, op, args });
    let reply: Reply;
    try {
      if (op === 'close') {
        onClose();
        port.postMessage({ id, ok: true, value: null } satisfies Reply);
        port.close();
        return undefined;
      }
      const handler = handlers[op];
      if (!handler) throw new Error(`unknown store operation ${op}`);
      reply = { id, ok: true, value: handler(args as never) };
    } catch (error) {
      reply = { id, ok: false, error: errorToWire(error) };
    }
    port.postMessage(reply);
    return undefined;
  };

  const handleMerged = (first: Request): Request | undefined => {
    const { run, size, maxSize } = merged!;
    const requests = [first];
    let held = size(first.args as never);
    let next: Request | undefined;
    // receiveMessageOnPort takes queued messages in order, without a turn of this thread's loop.
    for (let received = receiveMessageOnPort(port); received; received = receiveMessageOnPort(port)) {
      const request = received.message as Request;
      const more = request.op === first.op ? size(request.args as never) : Infinity;
      if (held + more > maxSize) {
        next = request;
        break;
      }
      requests.push(request);
      held += more;
    }
    let replies: Reply[];
    try {
      const values = run(requests.map((r) => r.args as never));
      replies = requests.map((r, i) => ({ id: r.id, ok: true, value: values[i] }));
    } catch (error) {
      const wire = errorToWire(error);
      replies = requests.map((r) => ({ id: r.id, ok: false, error: wire }));
    }
    for (const reply of replies) port.postMessage(reply);
    const idle = next === undefined;
    const waiting = () => {
      next ??= receiveMessageOnPort(port)?.message as Request | undefined;
      return next !== undefined;
    };
    merged!.afterRun?.(idle, waiting);
    return next;
  };

  port.on('message', (request: Request) => {
    for (let next: Request | undefined = request; next;) next = handleOne(next);
  });
}
