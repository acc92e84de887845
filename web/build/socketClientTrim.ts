/**
 * Builds socket.io-client without the parts Ferry never runs, for the hub's first load. The hub
 * (shared-worker/connection.ts) opens one namespace through a Manager of its own, turns socket.io's
 * reconnection off (it runs its own backoff, which tells an expired session from a network
 * failure), and only emits, emits with an ack and a timeout, emits volatile, listens with on(),
 * connects and disconnects. Left out: the Manager's reconnection loop and its Backoff, the
 * `io()` lookup with its cache of Managers and URL parser, the retry queue (`retries`), the
 * catch-all listeners (onAny, onAnyOutgoing and kin), connection state recovery (the server does
 * not enable it), `compress`, and the `send`/`close`/`connect` aliases. From engine.io-client's
 * socket and WebSocket transport: transports given as classes, the page-only beforeunload close,
 * rememberUpgrade, the head start for a WebTransport upgrade (web/build/engineTransports.ts leaves
 * WebTransport out), events nobody listens to, React Native and Node.js options.
 *
 * Each cut names the text it removes: if an installed version no longer has that text, or is not
 * the line these cuts were written for (socket.io-client 4.8, engine.io-client 6.6), the build
 * fails instead of shipping a hub that half works. A removed method called anyway throws (not a
 * function); options that would need a removed part (reconnection on, retries, transports not
 * given by name) throw when the Manager, Socket or engine is made.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

/** The versions these cuts were written for and checked against, by package. */
export const TRIMMED_VERSIONS = {
  'socket.io-client': /^4\.8\.\d+$/,
  'engine.io-client': /^6\.6\.\d+$/,
  'engine.io-parser': /^5\.2\.\d+$/,
};

type Package = keyof typeof TRIMMED_VERSIONS;

/** A module of either package's ESM build: package, then the module's path within the build. */
const MODULE =
  /[\\/](socket\.io-client|engine\.io-client|engine\.io-parser)[\\/]build[\\/]esm[\\/](index|manager|socket|transports[\\/]websocket|encodePacket\.browser)\.js$/;

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

/** The trimmed modules, by package and path within its ESM build. */
const CUTS: Record<string, Cuts> = {
  'socket.io-client/manager': {
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
  'socket.io-client/socket': {
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
  'engine.io-client/socket': {
    methods: [],
    edits: [
      [
        `        if (opts.transportImplementations && opts.transports) {
            throw new Error("specifying both 'transportImplementations' and 'transports' options is not supported");
        }
        if (opts.transportImplementations ||
            (((_a = opts.transports) === null || _a === void 0 ? void 0 : _a.length) && typeof opts.transports[0] === "function")) {
            // 'transports' option as an array of transport implementations is kept for backward compatibility
            this.transports = [];
            this._transportsByName = Object.create(null);
            ((_b = opts.transportImplementations) !== null && _b !== void 0 ? _b : opts.transports).forEach((t) => {
                const transportName = t.prototype.name;
                this.transports.push(transportName);
                this._transportsByName[transportName] = t;
            });
        }
        else {
            this.transports = opts.transports
                ? [...opts.transports]
                : ["polling", "websocket", "webtransport"];
            this._transportsByName = DEFAULT_TRANSPORTS;
        }
`,
        `        if (opts.transportImplementations || !opts.transports || typeof opts.transports[0] !== "string")
            throw new Error("this build of engine.io-client needs transports by name");
        this.transports = [...opts.transports];
        this._transportsByName = DEFAULT_TRANSPORTS;
`,
      ],
      [
        `            if (this.opts.closeOnBeforeunload) {
                // Firefox closes the connection when the "beforeunload" event is emitted but not Chrome. This event listener
                // ensures every browser behaves the same (no "disconnect" event at the Socket.IO level when the page is
                // closed/reloaded)
                this._beforeunloadEventListener = () => {
                    if (this.transport) {
                        // silently close the transport
                        this.transport.removeAllListeners();
                        this.transport.close();
                    }
                };
                addEventListener("beforeunload", this._beforeunloadEventListener, false);
            }
`,
        '',
      ],
      [
        `                if (this._beforeunloadEventListener) {
                    removeEventListener("beforeunload", this._beforeunloadEventListener, false);
                }
`,
        '',
      ],
      [
        `        const transportName = this.opts.rememberUpgrade &&
            Socket.priorWebsocketSuccess &&
            this.transports.indexOf("websocket") !== -1
            ? "websocket"
            : this.transports[0];
`,
        '        const transportName = this.transports[0];\n',
      ],
      [
        `        if (this._upgrades.indexOf("webtransport") !== -1 &&
            name !== "webtransport") {
            // favor WebTransport
            this.setTimeoutFn(() => {
                if (!failed) {
                    transport.open();
                }
            }, 200);
        }
        else {
            transport.open();
        }
`,
        '        transport.open();\n',
      ],
      ['        if (this.opts.autoUnref) {\n            this._pingTimeoutTimer.unref();\n        }\n', ''],
      // Events of the engine socket that neither socket.io-client nor the engine listens to.
      ['            this.emitReserved("heartbeat");\n', ''],
      ['                    this.emitReserved("message", packet.data);\n', ''],
      ['        this.emitReserved("handshake", data);\n', ''],
      ['        this.emitReserved("packetCreate", packet);\n', ''],
    ],
  },
  'engine.io-client/transports/websocket': {
    methods: [],
    edits: [
      // The bundler then drops the React Native branches and the Node.js options picked for `ws`.
      [
        `const isReactNative = typeof navigator !== "undefined" &&
    typeof navigator.product === "string" &&
    navigator.product.toLowerCase() === "reactnative";
`,
        'const isReactNative = false;\n',
      ],
      [
        '            if (this.opts.autoUnref) {\n                this.ws._socket.unref();\n            }\n',
        '',
      ],
      // Options for Node.js's ws and React Native's headers: the browser's WebSocket takes neither.
      [
        `        const opts = isReactNative
            ? {}
            : pick(this.opts, "agent", "perMessageDeflate", "pfx", "key", "passphrase", "cert", "ca", "ciphers", "rejectUnauthorized", "localAddress", "protocolVersion", "origin", "maxPayload", "family", "checkServerIdentity");
        if (this.opts.extraHeaders) {
            opts.headers = this.opts.extraHeaders;
        }
`,
        '        const opts = {};\n',
      ],
    ],
  },
  'engine.io-parser/encodePacket.browser': {
    methods: [],
    edits: [
      // Ferry's socket.io packets are text (shared-worker/socketParser.ts), and so are the engine's
      // own: no Blob or ArrayBuffer to send, nor to turn into base64 for long-polling.
      [
        `    if (withNativeBlob && data instanceof Blob) {
        if (supportsBinary) {
            return callback(data);
        }
        else {
            return encodeBlobAsBase64(data, callback);
        }
    }
    else if (withNativeArrayBuffer &&
        (data instanceof ArrayBuffer || isView(data))) {
        if (supportsBinary) {
            return callback(data);
        }
        else {
            return encodeBlobAsBase64(new Blob([data]), callback);
        }
    }
`,
        `    if (data && typeof data !== "string")
        throw new Error("this build of engine.io-parser sends text only");
`,
      ],
    ],
  },
};

/** Fails the build: `what` in `module` (package/path) is not as the cuts expect. */
function mismatch(module: string, what: string): never {
  throw new Error(
    `ferry-socket-client-trim: ${module}.js ${what}; update web/build/socketClientTrim.ts for this version`,
  );
}

/** Removes the class method `name` (4-space indented, as in the package's ESM build). */
function removeMethod(module: string, source: string, name: string): string {
  const method = new RegExp(`^    ${name}\\([^)\\n]*\\) \\{\\n[\\s\\S]*?^    \\}\\n`, 'gm');
  const found = source.match(method)?.length ?? 0;
  if (found !== 1) mismatch(module, `has ${found} methods named ${name}, not 1`);
  return source.replace(method, '');
}

/** `source` of `module` ("package/path in its ESM build") without what Ferry never runs. */
export function trimModule(module: string, source: string): string {
  const cuts = CUTS[module];
  if (!cuts) throw new Error(`ferry-socket-client-trim: no cuts for ${module}`);
  const { methods, edits } = cuts;
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

/** Throws unless `version` of `pkg` is one the cuts were written for. */
export function checkVersion(pkg: Package, version: string): void {
  if (!TRIMMED_VERSIONS[pkg].test(version))
    throw new Error(
      `ferry-socket-client-trim: ${pkg} ${version} is installed, the cuts are for ${String(TRIMMED_VERSIONS[pkg])}; update web/build/socketClientTrim.ts`,
    );
}

/** The plugin. */
export function socketClientTrim(): Plugin {
  /** Package folders whose version was checked (each has several trimmed modules). */
  const checked = new Set<string>();
  return {
    name: 'ferry-socket-client-trim',
    enforce: 'pre',
    load(id) {
      const file = id.split('?')[0]!;
      const match = MODULE.exec(file);
      if (!match) return undefined;
      const pkg = match[1] as Package;
      const module = `${pkg}/${match[2]!.replace(/\\/g, '/')}`;
      // The engines' own indexes stay as they are.
      if (module === 'engine.io-client/index' || module === 'engine.io-parser/index') return undefined;
      const root = file.slice(0, match.index + 1 + pkg.length);
      if (!checked.has(root)) {
        const manifest = readFileSync(path.join(root, 'package.json'), 'utf8');
        checkVersion(pkg, (JSON.parse(manifest) as { version: string }).version);
        checked.add(root);
      }
      if (module === 'socket.io-client/index') return INDEX;
      return trimModule(module, readFileSync(file, 'utf8'));
    },
  };
}
