/**
 * A push service inside the test, on 127.0.0.1: it receives what Ferry sends to subscription
 * endpoints, checks each request's VAPID JWT (ES256 over the server's public key, aud = the
 * endpoint's origin, exp in the future) and decrypts the aes128gcm payload (RFC 8188 / RFC 8291)
 * with the subscription's private key, made here with node:crypto like a browser would.
 * Nothing leaves the machine.
 */
import { createECDH, createHmac, createPublicKey, createDecipheriv, randomBytes, verify } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PushNotice } from '../../../contract/push.js';

export interface TestSubscription {
  /** `subscription.toJSON()` as a browser would give it. */
  json: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
  /** The user agent's private key and auth secret, to decrypt. */
  privateKey: Buffer;
  publicKey: Buffer;
  authSecret: Buffer;
}

export interface ReceivedPush {
  endpoint: string;
  notice: PushNotice;
  headers: http.IncomingHttpHeaders;
}

/** One answer of the service: a status and, for 429/503, an optional Retry-After header. */
export interface PushAnswer {
  status: number;
  retryAfter?: string;
}

export interface TestPushService {
  origin: string;
  /** Every push verified and accepted (2xx), in arrival order. */
  received: ReceivedPush[];
  /** Problems with requests (bad JWT, undecryptable body): a test asserts this stays empty. */
  problems: string[];
  /** A new subscription whose endpoint is on this service. */
  subscription(): TestSubscription;
  /** The status this service answers for an endpoint (default 201), e.g. 410 Gone. */
  answer(endpoint: string, status: number): void;
  /** Answers the next requests to an endpoint with these, in order, then as `answer` says. */
  answerNext(endpoint: string, ...answers: PushAnswer[]): void;
  /** Verified requests to an endpoint, whatever they were answered. */
  attempts(endpoint: string): number;
  /** Pushes received for one endpoint. */
  pushesTo(endpoint: string): PushNotice[];
  close(): Promise<void>;
}

/**
 * Starts the service. `vapidPublicKey` is the server's key (base64url); requests signed by any
 * other key are recorded as problems and answered 403, like a real push service.
 */
export async function startPushService(vapidPublicKey: () => string): Promise<TestPushService> {
  const subscriptions = new Map<string, TestSubscription>();
  const statuses = new Map<string, number>();
  const upcoming = new Map<string, PushAnswer[]>();
  const attempts = new Map<string, number>();
  const received: ReceivedPush[] = [];
  const problems: string[] = [];
  let origin = '';

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const endpoint = origin + (req.url ?? '');
      const subscription = subscriptions.get(endpoint);
      try {
        if (req.method !== 'POST') throw new Error(`method ${req.method}`);
        if (!subscription) throw new Error(`unknown endpoint ${endpoint}`);
        checkVapid(req.headers.authorization ?? '', vapidPublicKey(), origin);
        if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');
        if (!req.headers.ttl) throw new Error('no TTL header');
        const plain = decrypt(Buffer.concat(chunks), subscription);
        attempts.set(endpoint, (attempts.get(endpoint) ?? 0) + 1);
        const answer = upcoming.get(endpoint)?.shift() ?? { status: statuses.get(endpoint) ?? 201 };
        // Only an accepted push reaches the device, as with a real push service.
        if (answer.status < 300)
          received.push({ endpoint, notice: JSON.parse(plain) as PushNotice, headers: req.headers });
        res.writeHead(
          answer.status,
          answer.retryAfter === undefined ? {} : { 'retry-after': answer.retryAfter },
        );
        res.end();
      } catch (err) {
        problems.push(err instanceof Error ? err.message : String(err));
        res.writeHead(403).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    received,
    problems,
    subscription() {
      const ecdh = createECDH('prime256v1');
      const publicKey = ecdh.generateKeys();
      const authSecret = randomBytes(16);
      const endpoint = `${origin}/push/${randomBytes(12).toString('hex')}`;
      const sub: TestSubscription = {
        json: {
          endpoint,
          expirationTime: null,
          keys: { p256dh: publicKey.toString('base64url'), auth: authSecret.toString('base64url') },
        },
        privateKey: ecdh.getPrivateKey(),
        publicKey,
        authSecret,
      };
      subscriptions.set(endpoint, sub);
      return sub;
    },
    answer(endpoint, status) {
      statuses.set(endpoint, status);
    },
    answerNext(endpoint, ...answers) {
      upcoming.set(endpoint, [...(upcoming.get(endpoint) ?? []), ...answers]);
    },
    attempts(endpoint) {
      return attempts.get(endpoint) ?? 0;
    },
    pushesTo(endpoint) {
      return received.filter((r) => r.endpoint === endpoint).map((r) => r.notice);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** `Authorization: vapid t=<JWT>, k=<public key>` (RFC 8292): signature, audience, expiry, key. */
function checkVapid(authorization: string, expectedKey: string, audience: string): void {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization);
  if (!match) throw new Error(`Authorization is not a VAPID header: ${authorization.slice(0, 40)}`);
  const [, jwt, key] = match as unknown as [string, string, string];
  if (key !== expectedKey) throw new Error('VAPID k is not the server public key');
  const [header, payload, signature] = jwt.split('.');
  if (!header || !payload || !signature) throw new Error('malformed JWT');
  const head = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string };
  if (head.alg !== 'ES256') throw new Error(`JWT alg ${head.alg}`);
  const point = Buffer.from(key, 'base64url');
  const publicKey = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  const signed = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!signed) throw new Error('JWT signature does not verify');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
    aud?: string;
    exp?: number;
    sub?: string;
  };
  if (claims.aud !== audience) throw new Error(`JWT aud ${claims.aud} is not ${audience}`);
  if (!claims.exp || claims.exp * 1000 < Date.now()) throw new Error('JWT expired');
  if (!claims.sub) throw new Error('JWT has no sub');
}

const hmac = (key: Buffer, data: Buffer): Buffer => createHmac('sha256', key).update(data).digest();

/** RFC 8291 §3.4 and RFC 8188: one aes128gcm record, as a browser decrypts it. */
function decrypt(body: Buffer, subscription: TestSubscription): string {
  const salt = body.subarray(0, 16);
  const idLength = body[20]!;
  const serverPublic = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(subscription.privateKey);
  const shared = ecdh.computeSecret(serverPublic);
  const keyInfo = Buffer.concat([
    Buffer.from('WebPush: info\0'),
    subscription.publicKey,
    serverPublic,
    Buffer.from([1]),
  ]);
  const ikm = hmac(hmac(subscription.authSecret, shared), keyInfo);
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
    decipher.final(),
  ]);
  // The last record ends with 0x02 and then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end).toString('utf8');
}
