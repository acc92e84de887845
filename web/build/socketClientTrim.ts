/**
 * Builds socket.io-client without the parts Ferry never runs, for the hub's first load. The hub
 * (shared-worker/connection.ts) opens one namespace through a Manager of its own, turns socket.io's
 * reconnection off (it runs its own backoff, which tells an expired session from a network
 * failure), and only emits, emits with an ack and a timeout, emits volatile, listens with on(),
 * connects and disconnects. Left out: the Manager's reconnection loop and its Backoff, the
 * `io()` lookup with its cache of Managers and URL parser, the retry queue (`retries`), the
 * catch-all listeners (onAny, onAnyOutgoing and kin), connection state recovery (the server does
 * not enable it), `compress`, and the `send`/`close`/`connect` aliases.
 *
 * Each cut names the text it removes: if an installed version no longer has that text, or is not
 * the 4.8 line these cuts were written for, the build fails instead of shipping a hub that half
 * works. A removed method called anyway throws (not a function); options that would need a removed
 * part (reconnection on, retries) throw when the Manager or Socket is made.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

/** The socket.io-client versions these cuts were written for and checked against. */
export const TRIMMED_VERSION = /^4\.8\.\d+$/;

/** socket.io-client's ESM build: the module's file name within it. */
const MODULE = /[\\/]socket\.io-client[\\/]build[\\/]esm[\\/](index|manager|socket)\.js$/;

type Module = 'index' | 'manager' | 'socket';

/** What to take out of one module: whole methods by name, and exact pieces of text. */
interface Cuts {
  methods: string[];
  /** [text, replacement, how many times it occurs] */
  edits: [string, string, number?][];
}

/** The package's entry without `io()`: its lookup, cache of Managers and url() stay out. */
export const INDEX = [
  'export { Manager } from "./manager.js";',
  'export { Socket } from "./socket.js";',
].join('\n');

const CUTS: Record<'manager' | 'socket', Cuts> = {
  manager: {
    methods: [
      'reconnection',
      'reconnectionAttempts',
      'reconnectionDelay',
      'randomizationFactor',
      'reconnectionDelayMax',
      'timeout',
      'maybeReconnectOnOpen',
      'connect',
      'onping',
      'reconnect',
      'onreconnect',
    ],
    edits: [
      ['import { Backoff } from "./contrib/backo2.js";\n', ''],
      [
        `        this.reconnection(opts.reconnection !== false);
        this.reconnectionAttempts(opts.reconnectionAttempts || Infinity);
        this.reconnectionDelay(opts.reconnectionDelay || 1000);
        this.reconnectionDelayMax(opts.reconnectionDelayMax || 5000);
        this.randomizationFactor((_a = opts.randomizationFactor) !== null && _a !== void 0 ? _a : 0.5);
        this.backoff = new Backoff({
            min: this.reconnectionDelay(),
            max: this.reconnectionDelayMax(),
            jitter: this.randomizationFactor(),
        });
        this.timeout(null == opts.timeout ? 20000 : opts.timeout);
`,
        `        if (opts.reconnection !== false)
            throw new Error("this build of socket.io-client has no reconnection: pass reconnection: false");
        this._timeout = null == opts.timeout ? 20000 : opts.timeout;
`,
      ],
      [
        `            if (fn) {
                fn(err);
            }
            else {
                // Only do this if there is no fn to handle the error
                this.maybeReconnectOnOpen();
            }
`,
        '            fn && fn(err);\n',
      ],
      // Node.js only (timers that do not keep the process alive).
      ['            if (this.opts.autoUnref) {\n                timer.unref();\n            }\n', ''],
      ['on(socket, "ping", this.onping.bind(this)), ', ''],
      ['        this.backoff.reset();\n', ''],
      [
        '        if (this._reconnection && !this.skipReconnect) {\n            this.reconnect();\n        }\n',
        '',
      ],
    ],
  },
  socket: {
    methods: [
      'send',
      '_addToQueue',
      '_drainQueue',
      'close',
      'compress',
      'onAny',
      'prependAny',
      'offAny',
      'listenersAny',
      'onAnyOutgoing',
      'prependAnyOutgoing',
      'offAnyOutgoing',
      'listenersAnyOutgoing',
      'notifyOutgoingListeners',
    ],
    edits: [
      [
        '        this._opts = Object.assign({}, opts);\n',
        `        if (opts && opts.retries)
            throw new Error("this build of socket.io-client has no retries");
        this._opts = Object.assign({}, opts);
`,
      ],
      ['        this._queue = [];\n', ''],
      ['        this._queueSeq = 0;\n', ''],
      [
        `        if (this._opts.retries && !this.flags.fromQueue && !this.flags.volatile) {
            this._addToQueue(args);
            return this;
        }
`,
        '',
      ],
      // engine.io-client compresses unless told not to.
      ['        packet.options.compress = this.flags.compress !== false;\n', ''],
      ['this.notifyOutgoingListeners(packet);\n', '', 2],
      [
        `            data: this._pid
                ? Object.assign({ pid: this._pid, offset: this._lastOffset }, data)
                : data,
`,
        '            data,\n',
      ],
      [
        `        if (this._anyListeners && this._anyListeners.length) {
            const listeners = this._anyListeners.slice();
            for (const listener of listeners) {
                listener.apply(this, args);
            }
        }
`,
        '',
      ],
      [
        `        if (this._pid && args.length && typeof args[args.length - 1] === "string") {
            this._lastOffset = args[args.length - 1];
        }
`,
        '',
      ],
      [
        `        this.recovered = pid && this._pid === pid;
        this._pid = pid; // defined only if connection state recovery is enabled
`,
        '',
      ],
      ['        this._drainQueue(true);\n', ''],
      [
        '"It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are not compatible (more information here: https://socket.io/docs/v3/migrating-from-2-x-to-3-0/)"',
        '"not a Socket.IO v3+ server"',
      ],
    ],
  },
};

/** Fails the build: `what` in socket.io-client's `module` is not as the cuts expect. */
function mismatch(module: string, what: string): never {
  throw new Error(
    `ferry-socket-client-trim: socket.io-client ${module}.js ${what}; update web/build/socketClientTrim.ts for this version`,
  );
}

/** Removes the class method `name` (4-space indented, as in the package's ESM build). */
function removeMethod(module: string, source: string, name: string): string {
  const method = new RegExp(`^    ${name}\\([^)\\n]*\\) \\{\\n[\\s\\S]*?^    \\}\\n`, 'gm');
  const found = source.match(method)?.length ?? 0;
  if (found !== 1) mismatch(module, `has ${found} methods named ${name}, not 1`);
  return source.replace(method, '');
}

/** `source` of socket.io-client's `module` (manager or socket) without what Ferry never runs. */
export function trimModule(module: 'manager' | 'socket', source: string): string {
  const { methods, edits } = CUTS[module];
  let out = source;
  for (const name of methods) out = removeMethod(module, out, name);
  for (const [text, replacement, times = 1] of edits) {
    const found = out.split(text).length - 1;
    if (found !== times)
      mismatch(module, `has ${found} times, not ${times}: ${JSON.stringify(text.slice(0, 60))}`);
    out = out.split(text).join(replacement);
  }
  return out;
}

/** Throws unless `version` is one the cuts were written for. */
export function checkVersion(version: string): void {
  if (!TRIMMED_VERSION.test(version))
    throw new Error(
      `ferry-socket-client-trim: socket.io-client ${version} is installed, the cuts are for 4.8.x; update web/build/socketClientTrim.ts`,
    );
}

/** The plugin. */
export function socketClientTrim(): Plugin {
  return {
    name: 'ferry-socket-client-trim',
    enforce: 'pre',
    load(id) {
      const file = id.split('?')[0]!;
      const module = MODULE.exec(file)?.[1] as Module | undefined;
      if (!module) return undefined;
      const pkg = path.join(file, '..', '..', '..', 'package.json');
      checkVersion((JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version);
      if (module === 'index') return INDEX;
      return trimModule(module, readFileSync(file, 'utf8'));
    },
  };
}
