/**
 * The hub's build takes out of socket.io-client what Ferry never runs (web/build/socketClientTrim.ts).
 * The cuts must apply to the installed version, leave valid modules, and fail the build when the
 * package's text or version is not what they were written for.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAst } from 'vite';
import { afterEach, describe, expect, it } from 'vitest';
import { checkVersion, socketClientTrim, trimModule } from '../../web/build/socketClientTrim';

const require = createRequire(import.meta.url);
/** The ESM build of an installed package. */
const esmOf = (pkg: string) => {
  const main = require.resolve(pkg);
  return path.join(main.slice(0, main.lastIndexOf(`${path.sep}build${path.sep}`)), 'build', 'esm');
};
const esm = esmOf('socket.io-client');
const engine = esmOf('engine.io-client');
const source = (module: string, dir = esm) => readFileSync(path.join(dir, `${module}.js`), 'utf8');

type Load = (id: string) => string | undefined;
const load = socketClientTrim().load as unknown as Load;

/** Every identifier and property name in `code` (comments and strings left aside). */
function names(code: string): Set<string> {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const { type, name } = node as { type?: string; name?: unknown };
    if ((type === 'Identifier' || type === 'PrivateIdentifier') && typeof name === 'string') found.add(name);
    Object.values(node).forEach(walk);
  };
  walk(parseAst(code));
  return found;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of `name`'s layout holding its socket.js, with `version` in its package.json. */
function fakePackage(name: string, version: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sio-trim-'));
  dirs.push(dir);
  const pkg = path.join(dir, 'node_modules', name);
  mkdirSync(path.join(pkg, 'build', 'esm'), { recursive: true });
  writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ version }));
  writeFileSync(path.join(pkg, 'build', 'esm', 'socket.js'), source('socket', esmOf(name)));
  return path.join(pkg, 'build', 'esm', 'socket.js');
}

describe('socket.io client trimmed for the hub', () => {
  it('cuts the installed version down to valid modules without reconnection, queue or catch-all listeners', () => {
    const manager = load(path.join(esm, 'manager.js'))!;
    const socket = load(path.join(esm, 'socket.js'))!;
    const index = load(path.join(esm, 'index.js'))!;
    const [inManager, inSocket, inIndex] = [manager, socket, index].map(names);
    for (const gone of ['Backoff', 'backoff', 'reconnect', 'maybeReconnectOnOpen', 'onping', 'autoUnref'])
      expect([gone, inManager.has(gone)]).toEqual([gone, false]);
    for (const gone of [
      '_queue',
      '_drainQueue',
      '_anyListeners',
      'onAny',
      'onAnyOutgoing',
      '_pid',
      'compress',
      'send',
    ])
      expect([gone, inSocket.has(gone)]).toEqual([gone, false]);
    expect([...inIndex].sort()).toEqual(['Manager', 'Socket']);
    // What the hub runs stays.
    for (const kept of ['emitWithAck', 'timeout', 'volatile', 'connect', 'disconnect', 'on', 'emit', 'onack'])
      expect([kept, inSocket.has(kept)]).toEqual([kept, true]);
    for (const kept of ['open', 'socket', '_timeout', '_packet', 'ondecoded'])
      expect([kept, inManager.has(kept)]).toEqual([kept, true]);
    // engine.io-client and its parser: what a browser worker sending text never runs.
    const engineSocket = load(path.join(engine, 'socket.js'))!;
    const websocket = load(path.join(engine, 'transports', 'websocket.js'))!;
    const encode = load(path.join(esmOf('engine.io-parser'), 'encodePacket.browser.js'))!;
    for (const code of [engineSocket, websocket, encode]) expect(() => parseAst(code)).not.toThrow();
    for (const [code, gone] of [
      [engineSocket, '_beforeunloadEventListener'],
      [engineSocket, 'unref'],
      [websocket, 'navigator'],
      [websocket, 'unref'],
      [websocket, 'extraHeaders'],
    ] as const)
      expect([gone, names(code).has(gone)]).toEqual([gone, false]);
    expect(names(engineSocket).has('_probe')).toBe(true);
    expect(encode).toContain('sends text only');
    expect(load(path.join(engine, 'index.js'))).toBeUndefined();
    // Options that need a part left out throw instead of being ignored.
    expect(manager).toContain('opts.reconnection !== false');
    expect(socket).toContain('opts.retries');
    expect(engineSocket).toContain('needs transports by name');
  });

  it('fails when a piece it cuts is no longer in the source', () => {
    const original = source('socket');
    expect(() => trimModule('socket.io-client/socket', original)).not.toThrow();
    expect(() =>
      trimModule('socket.io-client/socket', original.replace('_addToQueue(args) {', '_enqueue(args) {')),
    ).toThrow(/socket\.js has 0 methods named _addToQueue/);
    expect(() =>
      trimModule(
        'socket.io-client/socket',
        original.replace('this._drainQueue(true);', 'this._drainQueue(true, 1);'),
      ),
    ).toThrow(/socket\.js has 0 times, not 1/);
    const engineSocket = source('socket', engine);
    expect(() =>
      trimModule(
        'engine.io-client/socket',
        engineSocket.replace('"handshake", data', '"handshake", data, 1'),
      ),
    ).toThrow(/engine\.io-client\/socket\.js has 0 times/);
    const manager = source('manager');
    expect(() =>
      trimModule(
        'socket.io-client/manager',
        manager.replace('this.backoff.reset();\n        this._readyState', 'this._readyState'),
      ),
    ).toThrow(/manager\.js has 0 times/);
  });

  it('fails on a package version it was not written for', () => {
    expect(() => checkVersion('socket.io-client', '4.8.4')).not.toThrow();
    expect(() => checkVersion('socket.io-client', '4.9.0')).toThrow(/socket\.io-client 4\.9\.0 is installed/);
    expect(() => load(fakePackage('socket.io-client', '5.0.0'))).toThrow(
      /socket\.io-client 5\.0\.0 is installed/,
    );
    expect(load(fakePackage('socket.io-client', '4.8.9'))).not.toContain('_drainQueue');
    expect(() => load(fakePackage('engine.io-client', '6.7.0'))).toThrow(
      /engine\.io-client 6\.7\.0 is installed/,
    );
  });
});
