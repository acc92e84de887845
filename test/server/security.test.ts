/**
 * Edge security: a strict Content-Security-Policy and companion headers on every answer, and an
 * origin allowlist that socket.io (both transports), CORS and the CSRF check all enforce: same
 * origin always, other origins only when listed in ALLOWED_ORIGINS.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ErrorCode,
  HttpPath,
  HttpRoute,
  type Ack,
  type HttpRouteName,
  ClientEvent,
  messagesPath,
} from '../../contract/index.js';
import { clientEventSchemas } from '../../contract/schemas.js';
import { loadConfig } from '../../server/config.js';
import { startTestServer, useTestServer, type TestServer } from './support/app.js';
import {
  closeAllSockets,
  connect,
  createRoom,
  draft,
  http,
  request,
  requestRaw,
  sessionCookieFrom,
  signUp,
  uniqueUsername,
  type TestUser,
} from './support/clients.js';
import { startNginx } from './support/nginx.js';

const EVIL = 'https://evil.example';
const PARTNER = 'https://app.partner.example';

/** Parses a Content-Security-Policy header into directive -> sources. */
function parseCsp(header: string | null): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) map.set(name, sources);
  }
  return map;
}

/** The raw engine.io polling handshake, as a browser page on `origin` would send it. */
async function pollingHandshake(
  url: string,
  origin: string,
  cookie?: string,
  extra: Record<string, string> = {},
) {
  const headers: Record<string, string> = { ...extra, origin };
  if (cookie) headers.cookie = cookie;
  const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** Opens a raw WebSocket handshake with an Origin; resolves 'open' or the HTTP status refused. */
function websocketHandshake(url: string, origin: string, cookie: string): Promise<string> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
    headers: { origin, cookie },
  });
  return new Promise((resolve) => {
    ws.once('open', () => {
      ws.terminate();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
    });
    ws.once('error', (err) => resolve(`error ${err.message}`));
  });
}

afterEach(() => closeAllSockets());

describe('security headers', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('sends a strict Content-Security-Policy with the page', async () => {
    const res = await http(server.url, '/', { headers: { accept: 'text/html' } });
    const csp = parseCsp(res.headers.get('content-security-policy'));
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
    expect(csp.get('worker-src')).toEqual(["'self'"]);
    expect(csp.get('manifest-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('form-action')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    // Nothing may re-open inline code.
    for (const sources of csp.values()) {
      expect(sources).not.toContain("'unsafe-inline'");
      expect(sources).not.toContain("'unsafe-eval'");
    }
  });

  it('sends the companion headers on pages and API answers alike', async () => {
    for (const path of ['/', HttpPath.me, HttpPath.health]) {
      const res = await http(server.url, path);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-powered-by'), path).toBeNull();
    }
  });
});

describe('origin allowlist, default (same origin only)', () => {
  let server: TestServer;
  let user: TestUser;
  beforeAll(async () => {
    server = await startTestServer();
    user = await signUp(server.url);
  });
  afterAll(() => server?.close());

  it('accepts a socket.io connection from its own origin on both transports', async () => {
    for (const transports of [['websocket'], ['polling']]) {
      const socket = await connect(server.url, user.cookie, { transports });
      expect(socket.connected).toBe(true);
      socket.close();
    }
  });

  it('refuses a cross-origin socket.io handshake on both transports, even with a valid session', async () => {
    const polling = await pollingHandshake(server.url, EVIL, user.cookie);
    expect(polling.status).toBe(403);
    expect(polling.text).toContain('ORIGIN_NOT_ALLOWED');
    expect(polling.headers.get('access-control-allow-origin')).toBeNull();

    const ws = await websocketHandshake(server.url, EVIL, user.cookie);
    expect(ws).not.toBe('open');
    expect(ws).toContain('ORIGIN_NOT_ALLOWED');

    for (const transports of [['websocket'], ['polling']]) {
      await expect(
        connect(server.url, user.cookie, { transports, extraHeaders: { origin: EVIL } }),
      ).rejects.toThrow();
    }
  });

  it('refuses the opaque "null" origin of sandboxed frames', async () => {
    const polling = await pollingHandshake(server.url, 'null', user.cookie);
    expect(polling.status).toBe(403);
    const post = await http(server.url, HttpPath.signout, {
      method: 'POST',
      cookie: user.cookie,
      headers: { origin: 'null' },
    });
    expect(post.status).toBe(403);
  });

  it('refuses a cross-origin POST with 403 ORIGIN_NOT_ALLOWED before it does anything', async () => {
    const username = uniqueUsername();
    const signup = await http(server.url, HttpPath.signup, {
      method: 'POST',
      body: { username, password: 'correct horse battery' },
      headers: { origin: EVIL },
    });
    expect(signup.status).toBe(403);
    expect(signup.body).toMatchObject({ ok: false, error: { code: 'ORIGIN_NOT_ALLOWED' } });
    expect((signup.body as Extract<Ack, { ok: false }>).error.message).toContain('ALLOWED_ORIGINS');
    expect(sessionCookieFrom(signup.headers)).toBeNull();
    // The account was not created: the same username is still free from our own origin.
    const own = await http(server.url, HttpPath.signup, {
      method: 'POST',
      body: { username, password: 'correct horse battery' },
    });
    expect(own.status).toBe(201);
  });

  it('refuses a cross-origin message send and stores nothing', async () => {
    const socket = await connect(server.url, user.cookie);
    const created = await request(socket, ClientEvent.createRoom, { name: 'csrf target' });
    if (!created.ok) throw new Error(created.error.message);
    const conversationId = created.conversation.id;
    const { id, text, typedAt } = draft(conversationId, 'forged');
    const forged = await http(server.url, messagesPath(conversationId), {
      method: 'POST',
      cookie: user.cookie,
      body: { id, text, typedAt },
      headers: { origin: EVIL },
    });
    expect(forged.status).toBe(403);
    const page = await request(socket, ClientEvent.messagesAfter, { conversationId, afterSeq: 0 });
    expect(page.ok && page.messages).toEqual([]);
  });

  it('gives a cross-origin caller no CORS access and refuses its preflight', async () => {
    const read = await http(server.url, HttpPath.me, { cookie: user.cookie, headers: { origin: EVIL } });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(server.url + HttpPath.conversations, {
      method: 'OPTIONS',
      headers: { origin: EVIL, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('accepts a POST without an Origin header (not a browser cross-origin request)', async () => {
    const res = await http(server.url, HttpPath.signin, {
      method: 'POST',
      body: { username: user.username, password: user.password },
      headers: { origin: '' },
    });
    expect(res.status).toBe(200);
  });
});

describe('origin allowlist, with ALLOWED_ORIGINS', () => {
  let server: TestServer;
  let user: TestUser;
  beforeAll(async () => {
    server = await startTestServer({ env: { ALLOWED_ORIGINS: `${PARTNER}, https://other.example:8443` } });
    user = await signUp(server.url);
  });
  afterAll(() => server?.close());

  it('lets an allowlisted origin connect over both transports and chat', async () => {
    for (const transports of [['websocket'], ['polling']]) {
      const socket = await connect(server.url, user.cookie, {
        transports,
        extraHeaders: { origin: PARTNER },
      });
      const created = await request(socket, ClientEvent.createRoom, {
        name: `from partner ${transports[0]}`,
      });
      expect(created.ok).toBe(true);
      if (!created.ok) return;
      const sent = await request(socket, ClientEvent.send, draft(created.conversation.id, 'hello'));
      expect(sent).toMatchObject({ ok: true, message: { seq: 1 } });
      socket.close();
    }
    const polling = await pollingHandshake(server.url, PARTNER, user.cookie);
    expect(polling.status).toBe(200);
    expect(polling.headers.get('access-control-allow-origin')).toBe(PARTNER);
    expect(polling.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('still refuses origins that are not on the list', async () => {
    const polling = await pollingHandshake(server.url, EVIL, user.cookie);
    expect(polling.status).toBe(403);
    const wrongPort = await pollingHandshake(server.url, 'https://other.example', user.cookie);
    expect(wrongPort.status).toBe(403);
    const post = await http(server.url, HttpPath.signout, {
      method: 'POST',
      cookie: user.cookie,
      headers: { origin: EVIL },
    });
    expect(post.status).toBe(403);
  });

  it('answers an allowlisted caller with CORS headers and credentials', async () => {
    const preflight = await fetch(server.url + HttpPath.conversations, {
      method: 'OPTIONS',
      headers: {
        origin: PARTNER,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(PARTNER);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');

    const created = await http(server.url, HttpPath.conversations, {
      method: 'POST',
      cookie: user.cookie,
      body: { name: 'made by partner' },
      headers: { origin: PARTNER },
    });
    expect(created.status).toBeLessThan(300);
    expect(created.body).toMatchObject({ ok: true });
    expect(created.headers.get('access-control-allow-origin')).toBe(PARTNER);
    expect(created.headers.get('access-control-allow-credentials')).toBe('true');
    expect(created.headers.get('vary')).toContain('Origin');
  });

  it('lets the page connect to allowlisted origins in its CSP', async () => {
    const res = await http(server.url, '/');
    const connectSrc = parseCsp(res.headers.get('content-security-policy')).get('connect-src');
    expect(connectSrc).toEqual(
      expect.arrayContaining(["'self'", PARTNER, 'wss://app.partner.example', 'https://other.example:8443']),
    );
  });
});

describe('origin check behind a reverse proxy', () => {
  const PUBLIC = 'https://chat.example.com';

  it('matches the Origin against X-Forwarded-Host only when TRUST_PROXY is set', async () => {
    const trusted = await startTestServer({ env: { TRUST_PROXY: 'true' } });
    const untrusted = await startTestServer({ env: { TRUST_PROXY: 'false' } });
    try {
      const proxied = {
        origin: PUBLIC,
        'x-forwarded-host': 'chat.example.com',
        'x-forwarded-proto': 'https',
      };
      const username = uniqueUsername();
      const viaProxy = await http(trusted.url, HttpPath.signup, {
        method: 'POST',
        body: { username, password: 'correct horse battery' },
        headers: proxied,
      });
      expect(viaProxy.status).toBe(201);
      const cookie = sessionCookieFrom(viaProxy.headers)!;
      const handshake = await pollingHandshake(trusted.url, PUBLIC, cookie, proxied);
      expect(handshake.status).toBe(200);

      const spoofed = await http(untrusted.url, HttpPath.signup, {
        method: 'POST',
        body: { username: uniqueUsername(), password: 'correct horse battery' },
        headers: proxied,
      });
      expect(spoofed.status).toBe(403);
      const spoofedHandshake = await pollingHandshake(untrusted.url, PUBLIC, cookie, proxied);
      expect(spoofedHandshake.status).toBe(403);
    } finally {
      await trusted.close();
      await untrusted.close();
    }
  });
});

describe('client address behind a reverse proxy', () => {
  /** Sign-ups allowed per address in these tests; nothing refills while they run. */
  const BURST = 3;
  const env = { TRUST_PROXY: 'true', SIGNUP_BURST: String(BURST), SIGNUP_RATE_PER_HOUR: '1' };
  const signUpVia = (url: string, headers: Record<string, string> = {}) =>
    http(url, HttpPath.signup, {
      method: 'POST',
      body: { username: uniqueUsername('proxied'), password: 'correct horse battery' },
      headers,
    });
  let forged = 0;
  /** An X-Forwarded-For a client could write itself: a new address every time. */
  const forgedAddress = (): string => `198.51.100.${(forged += 1)}`;

  it('counts the address the trusted proxy saw, not the ones the client wrote before it', async () => {
    const node = await startTestServer({ env });
    try {
      // What nginx with `$proxy_add_x_forwarded_for` sends: the client's own header, then the peer.
      const statuses: number[] = [];
      for (let i = 0; i <= BURST; i++) {
        statuses.push(
          (await signUpVia(node.url, { 'x-forwarded-for': `${forgedAddress()}, 192.0.2.10` })).status,
        );
      }
      expect(statuses).toEqual([...Array<number>(BURST).fill(201), 429]);
      // The same peer with two forged entries, or sent as two header lines: still that peer.
      expect(
        (await signUpVia(node.url, { 'x-forwarded-for': `${forgedAddress()},${forgedAddress()},192.0.2.10` }))
          .status,
      ).toBe(429);
      // What the shipped config sends (one address, overwritten): another peer has its own allowance.
      expect((await signUpVia(node.url, { 'x-forwarded-for': '192.0.2.11' })).status).toBe(201);
    } finally {
      await node.close();
    }
  });

  it('with TRUST_PROXY_HOPS=2 counts the address the outer proxy saw', async () => {
    const node = await startTestServer({ env: { ...env, TRUST_PROXY_HOPS: '2' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i <= BURST; i++) {
        // forged by the client, then the client as the CDN saw it, then the CDN as nginx saw it.
        const header = `${forgedAddress()}, 192.0.2.20, 203.0.113.${i + 1}`;
        statuses.push((await signUpVia(node.url, { 'x-forwarded-for': header })).status);
      }
      expect(statuses).toEqual([...Array<number>(BURST).fill(201), 429]);
    } finally {
      await node.close();
    }
  });

  it('through the shipped nginx config, a forged X-Forwarded-For buys no extra sign-ups, and sockets pass', async () => {
    const node = await startTestServer({ env });
    const nginx = await startNginx(node.port);
    // The page's own origin, port included: the shipped config forwards the Host it was sent.
    const origin = nginx.url;
    try {
      const statuses: number[] = [];
      for (let i = 0; i <= BURST; i++) {
        statuses.push((await signUpVia(nginx.url, { origin, 'x-forwarded-for': forgedAddress() })).status);
      }
      expect(statuses).toEqual([...Array<number>(BURST).fill(201), 429]);

      // The same config carries the socket (WebSocket upgrade) for a session made through it.
      const first = await signUpVia(node.url, { 'x-forwarded-for': '192.0.2.30' });
      const socket = await connect(nginx.url, sessionCookieFrom(first.headers));
      expect(await request(socket, ClientEvent.listConversations, {})).toMatchObject({ ok: true });
      socket.close();
    } finally {
      await nginx.close();
      await node.close();
    }
  });
});

describe('/metrics', () => {
  const TOKEN = 'a-metrics-token-of-some-length';

  it('is not served at all without METRICS_TOKEN', async () => {
    const node = await startTestServer();
    try {
      const res = await http(node.url, HttpPath.metrics, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(res.text).not.toContain('ferry_');
    } finally {
      await node.close();
    }
  });

  it('with METRICS_TOKEN answers only the bearer of that token', async () => {
    const node = await startTestServer({ env: { METRICS_TOKEN: TOKEN } });
    try {
      for (const authorization of [
        undefined,
        'Bearer wrong-token-of-some-length',
        `Basic ${TOKEN}`,
        `Bearer ${TOKEN}x`,
      ]) {
        const res = await http(node.url, HttpPath.metrics, {
          headers: authorization ? { authorization } : {},
        });
        expect(res.status, authorization).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(res.text).not.toContain('ferry_');
      }
      const ok = await http(node.url, HttpPath.metrics, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('ferry_');
    } finally {
      await node.close();
    }
  });

  it('refuses a short METRICS_TOKEN at start', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });
});

describe('conversation ids a non-member probes', () => {
  const server = useTestServer();

  /** A valid payload for each socket event that names a conversation (others: just the id). */
  const eventPayload = (event: string, conversationId: string): unknown => {
    switch (event) {
      case ClientEvent.send:
        return draft(conversationId, 'probe');
      case ClientEvent.messagesAfter:
        return { conversationId, afterSeq: 0 };
      case ClientEvent.receipt:
        return { conversationId, readSeq: 0 };
      case ClientEvent.typing:
        return { conversationId, typing: true };
      case ClientEvent.search:
        return { conversationId, query: 'probe' };
      default:
        return { conversationId };
    }
  };
  /** A valid request for each HTTP route with a conversation in its path. */
  const routeRequest = (name: HttpRouteName, conversationId: string) => {
    const { method, path } = HttpRoute[name];
    const url = path.replace(':id', conversationId) + (name === 'messages' ? '?after=0' : '');
    const bodies: Partial<Record<HttpRouteName, unknown>> = {
      send: { id: randomUUID(), text: 'probe', typedAt: 1 },
      read: { readSeq: 1 },
    };
    const body = bodies[name];
    return { method, url, body };
  };

  it('get the same answer for a real conversation as for a random id, on every event and route', async () => {
    const alice = await signUp(server.url);
    const mallory = await signUp(server.url);
    const real = (await createRoom(server.url, alice)).id;
    const random = randomUUID();
    const socket = await connect(server.url, mallory.cookie);

    const events = Object.entries(clientEventSchemas)
      .filter(([, schema]) => 'shape' in schema && 'conversationId' in (schema.shape as object))
      .map(([event]) => event);
    expect(events.length).toBeGreaterThanOrEqual(7);
    for (const event of events) {
      const [forReal, forRandom] = [
        await requestRaw(socket, event, eventPayload(event, real)),
        await requestRaw(socket, event, eventPayload(event, random)),
      ];
      expect(forReal, event).toMatchObject({ ok: false, error: { code: ErrorCode.FORBIDDEN } });
      expect(forRandom, event).toEqual(forReal);
    }

    const routes = (Object.keys(HttpRoute) as HttpRouteName[]).filter((name) =>
      HttpRoute[name].path.includes(':id'),
    );
    expect(routes.length).toBeGreaterThanOrEqual(5);
    for (const name of routes) {
      const answers = [];
      for (const id of [real, random]) {
        const { method, url, body } = routeRequest(name, id);
        const res = await http(server.url, url, { method, body, cookie: mallory.cookie });
        answers.push({ status: res.status, body: res.body });
      }
      expect(answers[0], name).toMatchObject({ status: 403, body: { error: { code: ErrorCode.FORBIDDEN } } });
      expect(answers[1], name).toEqual(answers[0]);
    }
    // Nothing was stored or joined by the probes.
    expect(await server.store.messagesAfter(real, 0, 10)).toEqual([]);
    expect(await server.store.getMember(real, mallory.id)).toBeNull();
  });
});
