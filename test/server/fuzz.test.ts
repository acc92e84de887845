/**
 * A seeded fuzz of every client event and every HTTP route, both lists taken from the contract
 * (`clientEventSchemas`, `HttpRoute`, `httpBodySchemas`), so a new event or route is fuzzed
 * without editing this file. Each payload field gets wrong types, out-of-range numbers, huge,
 * malformed and NUL/surrogate strings, deep nesting, and is dropped; payloads get extra fields and
 * `__proto__`/`constructor` keys; bodies are also invalid JSON, invalid UTF-8, broken compression
 * and the wrong content type. Every answer must be the documented envelope (an ok answer, or an
 * error with a contract code and a 4xx status), never a 5xx, a stack trace or an error-level log,
 * and the same connection must serve the next request. FUZZ_SEED replays a run. (Socket frames
 * that are not the socket.io protocol at all, invalid JSON or UTF-8 included, close only their own
 * connection, as RFC 6455 requires for UTF-8: test/server/bad-input.test.ts.)
 */
import { randomUUID } from 'node:crypto';
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  HttpPath,
  HttpRoute,
  MAX_PAYLOAD_BYTES,
  type Ack,
  type HttpRouteName,
  ClientEvent,
  isApiPath,
  API_PREFIX,
} from '../../contract/index.js';
import { clientEventSchemas, httpBodySchemas } from '../../contract/schemas.js';
import { handlers } from '../../server/realtime/handlers.js';
import { startTestServer, type TestServer } from './support/app.js';
import {
  closeAllSockets,
  connect,
  createRoom,
  requestRaw,
  signUp,
  type ClientSocket,
  type TestUser,
} from './support/clients.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_130);
/** How many random values (strings, structures) each field gets besides the fixed ones. */
const RANDOM_PER_FIELD = 4;
const METRICS_TOKEN = 'fuzz-test-metrics-token';
const CODES = new Set<string>(Object.values(ErrorCode));
/** Codes that mean the server failed, not the input: never an answer to bad input. */
const SERVER_FAULTS = new Set<string>([ErrorCode.INTERNAL, ErrorCode.UNAVAILABLE]);

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const random = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** A random string of code units, lone surrogates, NUL and control characters included. */
function randomString(maxLength: number): string {
  const length = Math.floor(random() * maxLength);
  let out = '';
  for (let i = 0; i < length; i++) {
    const kind = random();
    if (kind < 0.5) out += String.fromCharCode(32 + Math.floor(random() * 95));
    else if (kind < 0.7) out += String.fromCharCode(Math.floor(random() * 0x10000));
    else if (kind < 0.8) out += pick(['\u0000', '\ud800', '\udfff', '\ufffd', '\u202e', '\n', '"', '\\']);
    else out += String.fromCodePoint(0x1f300 + Math.floor(random() * 500));
  }
  return out;
}

/** A random JSON-able value, nested up to `depth`. */
function randomValue(depth = 3): unknown {
  const kind = Math.floor(random() * (depth > 0 ? 8 : 6));
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, -0]);
    case 3:
      return Math.floor(random() * 2 ** 31) * (random() < 0.5 ? -1 : 1);
    case 4:
    case 5:
      return randomString(40);
    case 6:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(depth - 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 4) }, () => [randomString(8), randomValue(depth - 1)]),
      );
  }
}

/** `[[[…]]]` nested `depth` times, as a value (built from JSON so no recursion here). */
const deep = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

/** Values every field is tried with, whatever its type. */
function hostileValues(): unknown[] {
  return [
    null,
    true,
    0,
    -1,
    1.5,
    1e308,
    -1e308,
    2 ** 53 + 2,
    '',
    ' ',
    '0',
    'x'.repeat(5_000),
    'y'.repeat(MAX_PAYLOAD_BYTES + 10),
    '\u0000',
    'lone \ud800 surrogate',
    '00000000-0000-0000-0000-000000000000',
    [],
    {},
    { $gt: '' },
    deep(64),
    deep(1_000),
    ...Array.from({ length: RANDOM_PER_FIELD }, () => randomValue()),
  ];
}

/** A plausible value for a field, by name, so each case breaks one thing at a time. */
function plausible(field: string, ids: { conversationId: string }): unknown {
  switch (field) {
    case 'conversationId':
      return ids.conversationId;
    case 'id':
      return randomUUID();
    case 'text':
      return 'fuzz';
    case 'typedAt':
      return Date.now();
    case 'afterSeq':
    case 'beforeSeq':
    case 'deliveredSeq':
    case 'readSeq':
      return 0;
    case 'limit':
      return 10;
    case 'name':
      return 'fuzz room';
    case 'inviteCode':
      return 'no-such-invite';
    case 'username':
      return 'nobody-here';
    case 'password':
      return 'a long enough password';
    case 'typing':
    case 'on':
      return true;
    case 'targetId':
    case 'replyTo':
      return randomUUID();
    case 'emoji':
      return '👍';
    default:
      return 'x';
  }
}

interface ZodDef {
  type?: string;
  out?: unknown;
  options?: unknown[];
  values?: unknown[];
}
const defOf = (schema: unknown): ZodDef => (schema as { _zod?: { def?: ZodDef } })._zod?.def ?? {};

/**
 * The object schemas a payload may match: the schema itself (zod v4 objects, refined or not, keep
 * `shape`), what a preprocess feeds, or each option of a union (the kinds of log entry).
 */
function objectVariants(schema: unknown): Record<string, unknown>[] {
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  if (shape) return [shape];
  const def = defOf(schema);
  if (def.type === 'pipe') return objectVariants(def.out);
  if (def.options) return def.options.flatMap(objectVariants);
  return [];
}

/** Payloads for a schema: for each object variant, each field dropped or replaced, plus extra keys; non-objects. */
function payloadsFor(schema: unknown, ids: { conversationId: string }): unknown[] {
  const variants = objectVariants(schema);
  if (variants.length === 0) return variantPayloads({}, ids);
  return variants.flatMap((shape) => variantPayloads(shape, ids));
}

function variantPayloads(shape: Record<string, unknown>, ids: { conversationId: string }): unknown[] {
  const fields = Object.keys(shape);
  // A literal field (a union's `kind`) keeps its one valid value.
  const valueOf = (field: string): unknown => defOf(shape[field]).values?.[0] ?? plausible(field, ids);
  const base = Object.fromEntries(fields.map((f) => [f, valueOf(f)]));
  const cases: unknown[] = [];
  for (const field of fields) {
    const { [field]: _dropped, ...without } = base;
    cases.push(without);
    for (const value of hostileValues()) cases.push({ ...base, [field]: value });
  }
  const withKey = (key: string, value: string): unknown =>
    JSON.parse(JSON.stringify(base).replace(/^\{/, `{"${key}":${value}${fields.length > 0 ? ',' : ''}`));
  cases.push(
    { ...base, extra: 1 },
    withKey('__proto__', '{"polluted":true}'),
    withKey('constructor', '{"prototype":{"polluted":true}}'),
    { ...base, prototype: {} },
    null,
    42,
    'text',
    [],
    [base],
    deep(1_000),
    randomValue(),
    randomValue(),
  );
  return cases;
}

/** True when `text` looks like it carries a stack trace or a file path of the server. */
const leaksInternals = (text: string): boolean => /\n\s+at |node_modules|\/server\/|\.ts:\d+/.test(text);

interface Collected {
  cases: number;
  problems: string[];
}

/** Checks one answer; records a problem instead of failing, so one run reports all of them. */
function check(where: string, answer: unknown, raw: string, status: number | null, seen: Collected): void {
  seen.cases += 1;
  const problem = (what: string): void => {
    if (seen.problems.length < 20) seen.problems.push(`${where}: ${what} — ${raw.slice(0, 200)}`);
  };
  if (status !== null && status >= 500) return problem(`status ${status}`);
  if (leaksInternals(raw)) return problem('internals in the answer');
  const ack = answer as Ack | null;
  if (!ack || typeof ack !== 'object' || typeof ack.ok !== 'boolean') return problem('not the Ack envelope');
  if (ack.ok) {
    if (status !== null && status >= 300) problem(`ok with status ${status}`);
    return;
  }
  const { code, message } = ack.error ?? {};
  if (!CODES.has(code) || SERVER_FAULTS.has(code)) return problem(`error code ${String(code)}`);
  if (typeof message !== 'string' || message.length === 0) return problem('no message');
  if (status !== null && (status < 400 || status >= 500)) problem(`error with status ${status}`);
}

let server: TestServer;
let user: TestUser;
const logLines: { level: number; msg?: string }[] = [];

beforeAll(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) {
        if (line) logLines.push(JSON.parse(line) as { level: number; msg?: string });
      }
      done();
    },
  });
  server = await startTestServer({
    env: { METRICS_TOKEN },
    deps: { logger: pino({ level: 'warn' }, destination) },
  });
  user = await signUp(server.url);
});
afterAll(async () => {
  closeAllSockets();
  await server?.close();
});

describe('the contract lists what is fuzzed', () => {
  it('declares the schema each socket handler validates with', () => {
    expect(Object.keys(handlers).sort()).toEqual(Object.keys(clientEventSchemas).sort());
    for (const [event, schema] of Object.entries(clientEventSchemas)) {
      expect(handlers[event as keyof typeof handlers].schema, event).toBe(schema);
    }
  });

  it("declares exactly the routes the server's API router answers", () => {
    const declared = Object.values(HttpRoute)
      .filter((route) => isApiPath(route.path))
      .map((route) => `${route.method} ${route.path}`)
      .sort();
    const served = server.app.apiRoutes.map((route) => `${route.method} ${route.path}`).sort();
    expect(served).toEqual(declared);
  });
});

describe('seeded fuzz', () => {
  it('answers every mutated payload of every client event in the envelope, on one connection', async () => {
    const socket: ClientSocket = await connect(server.url, user.cookie);
    const engineId = socket.io.engine.id;
    const disconnects: string[] = [];
    socket.on('disconnect', (reason) => disconnects.push(reason));
    const seen: Collected = { cases: 0, problems: [] };
    const events = Object.keys(clientEventSchemas) as (keyof typeof clientEventSchemas)[];
    for (const event of events) {
      // A room of its own per event, so leave and friends cannot change what the next event sees.
      const ids = { conversationId: (await createRoom(server.url, user, `fuzz ${event}`)).id };
      const payloads = payloadsFor(clientEventSchemas[event], ids);
      // Many in flight at once, as a busy client would send them.
      const acks = await Promise.all(payloads.map((payload) => requestRaw(socket, event, payload)));
      acks.forEach((ack, i) => check(`${event} #${i}`, ack, JSON.stringify(ack), null, seen));
      // No payload at all, and an unknown event.
      check(`${event} (none)`, await requestRaw(socket, event), '', null, seen);
    }
    check('unknown event', await requestRaw(socket, `${randomString(20)}:x`, {}), '', null, seen);

    console.log(`fuzz (seed ${SEED}): ${seen.cases} socket cases over ${events.length} events`);
    expect(seen.problems).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // The same connection still works.
    expect(await requestRaw(socket, ClientEvent.listConversations, {})).toMatchObject({ ok: true });
    expect(socket.io.engine.id).toBe(engineId);
    expect(disconnects).toEqual([]);
    expect(logLines.filter((line) => line.level >= 50)).toEqual([]);
  });

  it('answers every broken request to every HTTP route in the envelope, on one kept-alive connection', async () => {
    // One socket for everything: each case must leave the connection usable for the next.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const { hostname, port } = new URL(server.url);
    const seen: Collected = { cases: 0, problems: [] };
    let reused = 0;
    let requests = 0;

    const send = (
      method: string,
      path: string,
      body?: Uint8Array | string,
      headers: Record<string, string> = {},
    ): Promise<{ status: number; text: string; reusedSocket: boolean }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(
          {
            agent,
            hostname,
            port,
            method,
            path,
            headers: {
              origin: server.url,
              cookie: user.cookie,
              ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
              ...headers,
            },
          },
          (res: IncomingMessage) => {
            if (String(res.headers['content-type']).startsWith('text/event-stream')) {
              // A feed that opened: the route accepted the request; end it here.
              res.destroy();
              resolve({ status: res.statusCode ?? 0, text: '{"ok":true}', reusedSocket: req.reusedSocket });
              return;
            }
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, text, reusedSocket: req.reusedSocket }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });

    const run = async (
      where: string,
      method: string,
      path: string,
      body?: Uint8Array | string,
      headers?: Record<string, string>,
    ): Promise<void> => {
      const res = await send(method, path, body, headers);
      requests += 1;
      if (res.reusedSocket) reused += 1;
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(res.text);
      } catch {
        // Prometheus text is the one answer that is not JSON; anything else: check() reports it.
        if (path.startsWith(HttpPath.metrics) && res.status === 200) parsed = { ok: true };
      }
      check(`${where} → ${res.status}`, parsed, res.text, res.status, seen);
    };

    const json = { 'content-type': 'application/json' };
    const brokenBodies: [string, Uint8Array | string, Record<string, string>][] = [
      ['invalid JSON', '{"a":', json],
      ['single quotes', "{'a': 1}", json],
      ['trailing garbage', '{"a":1} x', json],
      ['NaN', '{"a": NaN}', json],
      ['only whitespace', '   ', json],
      [
        'invalid UTF-8',
        new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d]),
        json,
      ],
      ['UTF-16 BOM', new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), json],
      ['gzip that is not', '{"a":1}', { ...json, 'content-encoding': 'gzip' }],
      ['deflate that is not', '{"a":1}', { ...json, 'content-encoding': 'deflate' }],
      ['br that is not', '{"a":1}', { ...json, 'content-encoding': 'br' }],
      [
        'truncated gzip',
        new Uint8Array(gzipSync('{"a":1}').subarray(0, 12)),
        { ...json, 'content-encoding': 'gzip' },
      ],
      ['unknown encoding', '{"a":1}', { ...json, 'content-encoding': 'zstd' }],
      ['two encodings', '{"a":1}', { ...json, 'content-encoding': 'gzip, br' }],
      [
        'gzip bomb',
        new Uint8Array(gzipSync(`"${'a'.repeat(MAX_PAYLOAD_BYTES * 16)}"`)),
        { ...json, 'content-encoding': 'gzip' },
      ],
      [
        'deflate of junk',
        new Uint8Array(deflateSync(randomString(200))),
        { ...json, 'content-encoding': 'deflate' },
      ],
      [
        'br of junk',
        new Uint8Array(brotliCompressSync(randomString(200))),
        { ...json, 'content-encoding': 'br' },
      ],
      ['text/plain', '{"a":1}', { 'content-type': 'text/plain' }],
      ['form', 'a=1&b=2', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['latin-1 charset', '{"a":1}', { 'content-type': 'application/json; charset=latin1' }],
      ['no content type', '{"a":1}', {}],
      ['too large', `{"a":"${'z'.repeat(MAX_PAYLOAD_BYTES)}"}`, json],
      ['deep nesting', '['.repeat(30_000) + ']'.repeat(30_000), json],
      ['random bytes', new Uint8Array(Array.from({ length: 64 }, () => Math.floor(random() * 256))), json],
    ];
    const badQueries = [
      '?after=-1',
      '?after=1e308',
      '?after=NaN',
      '?after=9007199254740993',
      '?after=0&before=5',
      '?after=0&after=1',
      '?before=abc',
      '?after=0&limit=0',
      '?after=0&limit=100000',
      '?limit=-5',
      '?lastEventId=%ff',
      `?after=${'9'.repeat(400)}`,
    ];

    const names = Object.keys(HttpRoute) as HttpRouteName[];
    for (const name of names) {
      const { method, path } = HttpRoute[name];
      // A room of its own per route (leave must not change what the next route sees), and
      // sign-out ends a session of its own.
      const conversationId = (await createRoom(server.url, user, `fuzz ${name}`)).id;
      const cookie = name === 'signout' ? (await signUp(server.url)).cookie : user.cookie;
      const at = (id: string): string => path.replace(':id', id);
      const badIds = [
        'not-a-uuid',
        conversationId.toUpperCase(),
        randomUUID(),
        '%00',
        '%ff%fe',
        'a'.repeat(3_000),
        '..%2f..%2fetc',
      ];

      const schema = (httpBodySchemas as Partial<Record<HttpRouteName, unknown>>)[name];
      const headers: Record<string, string> = { cookie };
      if (name === 'metrics') headers.authorization = `Bearer ${METRICS_TOKEN}`;
      if (method === 'POST') {
        for (const [what, body, bodyHeaders] of brokenBodies) {
          await run(`${name} ${what}`, method, at(conversationId), body, { ...headers, ...bodyHeaders });
        }
        const payloads = schema ? payloadsFor(schema, { conversationId }) : [randomValue(), deep(1_000)];
        for (const [i, payload] of payloads.entries()) {
          await run(`${name} payload #${i}`, method, at(conversationId), JSON.stringify(payload), {
            ...headers,
            ...json,
          });
        }
      } else {
        for (const query of badQueries)
          await run(`${name} ${query}`, method, at(conversationId) + query, undefined, headers);
        await run(`${name} bad Last-Event-ID`, method, at(conversationId), undefined, {
          ...headers,
          'last-event-id': pick(['-1', 'abc', '1e5', '99999999999999999999', ' ']),
        });
      }
      if (path.includes(':id')) {
        for (const id of badIds)
          await run(`${name} id ${id.slice(0, 20)}`, method, at(id), undefined, headers);
      }
      // Signed out, and with a forged session cookie.
      await run(`${name} signed out`, method, at(conversationId), undefined, { ...headers, cookie: '' });
      await run(`${name} forged cookie`, method, at(conversationId), undefined, {
        ...headers,
        cookie: `ferry_session=${randomString(60).replace(/[^A-Za-z0-9]/g, 'A')}`,
      });
    }
    // The metrics route without its token, and an API path nobody declared.
    await run('metrics without token', 'GET', HttpPath.metrics);
    await run('undeclared route', 'PATCH', `${API_PREFIX}/${randomUUID()}`);

    console.log(
      `fuzz (seed ${SEED}): ${seen.cases} HTTP cases over ${names.length} routes; ${reused} of ${requests} on a reused connection`,
    );
    expect(seen.problems).toEqual([]);
    const after = await send('GET', HttpPath.me);
    expect(after.status).toBe(200);
    // Keep-alive held: only an answer that has to drop an unread body may close the connection.
    expect(requests - reused).toBeLessThanOrEqual(brokenBodies.length * 2);
    agent.destroy();
    expect(logLines.filter((line) => line.level >= 50)).toEqual([]);
  });
});
