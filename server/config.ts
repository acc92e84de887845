/**
 * Configuration from environment variables, with documented defaults (see README's table).
 * loadConfig validates every variable and reports all bad ones at once.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import {
  ATTACHMENT_MAX_MB_DEFAULT,
  EDIT_WINDOW_HOURS_DEFAULT,
  STORAGE_QUOTA_MB_DEFAULT,
  UPLOAD_EXPIRY_HOURS_DEFAULT,
  MAX_SOCKETS_PER_USER,
  SEND_BURST,
  SEND_RATE_PER_SECOND,
  SOCKET_MAX_BUFFERED_BYTES,
  SSE_HEARTBEAT_MS,
  SSE_MAX_BUFFERED_BYTES,
} from '../contract/limits.js';
import { PUSH_COALESCE_MS } from '../contract/push.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type CookieSecure = 'auto' | 'always' | 'never';

export interface Config {
  port: number;
  host: string;
  /** Directory of the embedded SQLite store (`ferry.db` inside). */
  dataDir: string;
  /** postgres://… selects PostgreSQL; null selects embedded SQLite. */
  databaseUrl: string | null;
  /** redis://… shares rate limits, presence and socket rooms across nodes; null: one node. */
  redisUrl: string | null;
  /** Prefix of every Redis key and channel, so deployments (or test runs) can share one Redis. */
  redisKeyPrefix: string;
  /** Extra origins allowed for socket.io and CORS (same origin is always allowed). */
  allowedOrigins: string[];
  /** Honour X-Forwarded-* headers from a reverse proxy. */
  trustProxy: boolean;
  /**
   * With trustProxy: how many proxies in front of Ferry append to X-Forwarded-For. The client's
   * address is the entry the outermost of them wrote; anything further left the client wrote.
   */
  trustProxyHops: number;
  /** Bearer token Prometheus must send for /metrics; null: /metrics is not served. */
  metricsToken: string | null;
  /** auto: Secure cookie when the request is https. */
  cookieSecure: CookieSecure;
  sessionTtlDays: number;
  sendRatePerSecond: number;
  sendBurst: number;
  /** How long after sending its author may edit a message (hours; deleting has no limit). */
  editWindowHours: number;
  /** Sign-ups allowed per client address: a burst, then this many per hour. */
  signupRatePerHour: number;
  signupBurst: number;
  logLevel: LogLevel;
  /** Built page to serve (vite output). */
  webRoot: string;
  /** This node's name in logs and multi-node bookkeeping. */
  nodeId: string;
  /** Interval of SSE heartbeat comments (ms). */
  sseHeartbeatMs: number;
  /** Open sockets one user may have on one node; more are refused with TOO_MANY_CONNECTIONS. */
  maxSocketsPerUser: number;
  /** Bytes waiting to be sent to one socket before it is cut as not reading. */
  socketMaxBufferedBytes: number;
  /** Bytes of live events one SSE reader may leave unread before it is cut. */
  sseMaxBufferedBytes: number;
  /** With Redis: how often devices compare their conversations' lastSeq (ms); 0 turns it off. */
  syncCheckIntervalMs: number;
  /** With Redis: devices re-check within this long after a Redis reconnect or a node start (ms). */
  syncCheckSpreadMs: number;
  /** Web Push VAPID keys (base64url) from the environment; null: made once and kept in DATA_DIR. */
  vapidPublicKey: string | null;
  vapidPrivateKey: string | null;
  /** Contact the push services may use (mailto: or https:). */
  vapidSubject: string;
  /** Accept push endpoints on http://127.0.0.1 (tests and local development only). */
  pushAllowLoopbackHttp: boolean;
  /** Messages of one conversation within this window reach a device as one push. */
  pushCoalesceMs: number;
  /** Largest attachment, bytes (ATTACHMENT_MAX_MB). */
  attachmentMaxBytes: number;
  /** Bytes of attachments one user may have stored (STORAGE_QUOTA_MB). */
  storageQuotaBytes: number;
  /** An unfinished upload (or a finished one never sent) is removed after this long (ms). */
  uploadExpiryMs: number;
  /** Keep images' metadata (EXIF, GPS location) as uploaded; default false: it is stripped. */
  attachmentKeepMetadata: boolean;
}

/** Thrown by loadConfig; `problems` names each bad variable and what is expected. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Sign-ups per client address (SIGNUP_BURST, then SIGNUP_RATE_PER_HOUR): enough for a household
 * or an office behind one NAT, while a script creating accounts gets one every few minutes.
 */
const SIGNUP_BURST = 20;
const SIGNUP_RATE_PER_HOUR = 20;

const unset = (v: unknown): boolean => v === undefined || (typeof v === 'string' && v.trim() === '');
/** Treats an empty variable as unset so `FOO=` falls back to the default. */
const opt = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (unset(v) ? undefined : v), schema.optional());

const int = (min: number, max: number, what: string) =>
  z.coerce
    .number({ message: `must be ${what}` })
    .int(`must be ${what}`)
    .min(min, `must be ${what}`)
    .max(max, `must be ${what}`);
const positive = (what: string) =>
  z.coerce.number({ message: `must be ${what}` }).positive(`must be ${what}`);
/** One of `values`, compared trimmed and lower-case. */
const oneOf = <const T extends readonly string[]>(values: T, message: string) =>
  z
    .string()
    .transform((v) => v.trim().toLowerCase())
    .pipe(z.enum(values, { message }));
/** A trimmed string matching `pattern`. */
const matching = (pattern: RegExp, message: string) => z.string().trim().regex(pattern, message);
const bool = oneOf(['true', 'false', '1', '0', 'yes', 'no'], 'must be true or false').transform(
  (v) => v === 'true' || v === '1' || v === 'yes',
);

const bytes = int(65_536, 1_073_741_824, 'a whole number of bytes from 65536 to 1073741824');

const url = (protocols: RegExp, what: string) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        return protocols.test(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `must be ${what}`);

const origin = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === v.replace(/\/$/, '');
    } catch {
      return false;
    }
  }, 'must be a comma-separated list of origins like https://chat.example.com (scheme://host[:port], no path)');

const envSchema = z.object({
  PORT: opt(int(0, 65535, 'a port number from 0 to 65535')).default(3000),
  HOST: opt(z.string().trim()).default('0.0.0.0'),
  DATA_DIR: opt(z.string()).default('./data'),
  DATABASE_URL: opt(url(/^postgres(ql)?:$/, 'a postgres:// or postgresql:// URL (unset for SQLite)')),
  REDIS_URL: opt(url(/^rediss?:$/, 'a redis:// or rediss:// URL (unset for one node)')),
  REDIS_KEY_PREFIX: opt(
    z.string().regex(/^[A-Za-z0-9_.:{}-]{1,64}$/, 'must be 1 to 64 of letters, digits and _ . : - { }'),
  ).default('ferry:'),
  ALLOWED_ORIGINS: opt(
    z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(origin)),
  ).default([]),
  TRUST_PROXY: opt(bool).default(false),
  TRUST_PROXY_HOPS: opt(int(1, 16, 'a whole number of proxies from 1 to 16')).default(1),
  METRICS_TOKEN: opt(
    matching(/^[\x21-\x7e]{16,256}$/, 'must be 16 to 256 printable ASCII characters without spaces'),
  ),
  COOKIE_SECURE: opt(oneOf(['auto', 'true', 'false'], 'must be auto, true or false')).default('auto'),
  SESSION_TTL_DAYS: opt(positive('a positive number of days')).default(30),
  SEND_RATE_PER_SECOND: opt(positive('a positive number of messages per second')).default(
    SEND_RATE_PER_SECOND,
  ),
  SEND_BURST: opt(int(1, 1_000_000, 'a whole number of messages, at least 1')).default(SEND_BURST),
  EDIT_WINDOW_HOURS: opt(positive('a positive number of hours')).default(EDIT_WINDOW_HOURS_DEFAULT),
  SIGNUP_RATE_PER_HOUR: opt(positive('a positive number of sign-ups per hour')).default(SIGNUP_RATE_PER_HOUR),
  SIGNUP_BURST: opt(int(1, 1_000_000, 'a whole number of sign-ups, at least 1')).default(SIGNUP_BURST),
  LOG_LEVEL: opt(
    oneOf(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'must be one of fatal, error, warn, info, debug, trace, silent',
    ),
  ).default('info'),
  WEB_ROOT: opt(z.string()).default('dist/web'),
  NODE_ID: opt(z.string().trim()),
  SSE_HEARTBEAT_MS: opt(int(100, 600_000, 'a whole number of milliseconds from 100 to 600000')).default(
    SSE_HEARTBEAT_MS,
  ),
  MAX_SOCKETS_PER_USER: opt(int(1, 100_000, 'a whole number of sockets, at least 1')).default(
    MAX_SOCKETS_PER_USER,
  ),
  SOCKET_MAX_BUFFERED_BYTES: opt(bytes).default(SOCKET_MAX_BUFFERED_BYTES),
  SSE_MAX_BUFFERED_BYTES: opt(bytes).default(SSE_MAX_BUFFERED_BYTES),
  SYNC_CHECK_INTERVAL_MS: opt(
    int(0, 86_400_000, 'a whole number of milliseconds from 0 (off) to 86400000'),
  ).default(60_000),
  SYNC_CHECK_SPREAD_MS: opt(int(0, 600_000, 'a whole number of milliseconds from 0 to 600000')).default(
    2_000,
  ),
  VAPID_PUBLIC_KEY: opt(
    matching(/^[A-Za-z0-9_-]{87}$/, 'must be a base64url P-256 public key (87 characters, from web-push)'),
  ),
  VAPID_PRIVATE_KEY: opt(
    matching(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url P-256 private key (43 characters, from web-push)'),
  ),
  VAPID_SUBJECT: opt(url(/^(mailto|https):$/, 'a mailto: or https: URL')).default(
    'mailto:admin@ferry.invalid',
  ),
  PUSH_ALLOW_LOOPBACK_HTTP: opt(bool).default(false),
  PUSH_COALESCE_MS: opt(int(0, 60_000, 'a whole number of milliseconds from 0 to 60000')).default(
    PUSH_COALESCE_MS,
  ),
  ATTACHMENT_MAX_MB: opt(positive('a positive number of MiB')).default(ATTACHMENT_MAX_MB_DEFAULT),
  STORAGE_QUOTA_MB: opt(positive('a positive number of MiB')).default(STORAGE_QUOTA_MB_DEFAULT),
  UPLOAD_EXPIRY_HOURS: opt(positive('a positive number of hours')).default(UPLOAD_EXPIRY_HOURS_DEFAULT),
  ATTACHMENT_KEEP_METADATA: opt(bool).default(false),
});

/** Reads and validates the configuration; throws ConfigError listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const raw = env[name];
      return `${name}=${JSON.stringify(raw ?? '')}: ${issue.message}`;
    });
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  if ((e.VAPID_PUBLIC_KEY === undefined) !== (e.VAPID_PRIVATE_KEY === undefined)) {
    throw new ConfigError([
      'VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY: set both (a pair from `npx web-push generate-vapid-keys`) or neither',
    ]);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL ?? null,
    redisUrl: e.REDIS_URL ?? null,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    allowedOrigins: e.ALLOWED_ORIGINS.map((o) => o.replace(/\/$/, '')),
    trustProxy: e.TRUST_PROXY,
    trustProxyHops: e.TRUST_PROXY_HOPS,
    metricsToken: e.METRICS_TOKEN ?? null,
    cookieSecure: e.COOKIE_SECURE === 'true' ? 'always' : e.COOKIE_SECURE === 'false' ? 'never' : 'auto',
    sessionTtlDays: e.SESSION_TTL_DAYS,
    sendRatePerSecond: e.SEND_RATE_PER_SECOND,
    sendBurst: e.SEND_BURST,
    editWindowHours: e.EDIT_WINDOW_HOURS,
    signupRatePerHour: e.SIGNUP_RATE_PER_HOUR,
    signupBurst: e.SIGNUP_BURST,
    logLevel: e.LOG_LEVEL,
    webRoot: e.WEB_ROOT,
    nodeId: e.NODE_ID ?? `${hostname()}:${process.pid}`,
    sseHeartbeatMs: e.SSE_HEARTBEAT_MS,
    maxSocketsPerUser: e.MAX_SOCKETS_PER_USER,
    socketMaxBufferedBytes: e.SOCKET_MAX_BUFFERED_BYTES,
    sseMaxBufferedBytes: e.SSE_MAX_BUFFERED_BYTES,
    syncCheckIntervalMs: e.SYNC_CHECK_INTERVAL_MS,
    syncCheckSpreadMs: e.SYNC_CHECK_SPREAD_MS,
    vapidPublicKey: e.VAPID_PUBLIC_KEY ?? null,
    vapidPrivateKey: e.VAPID_PRIVATE_KEY ?? null,
    vapidSubject: e.VAPID_SUBJECT,
    pushAllowLoopbackHttp: e.PUSH_ALLOW_LOOPBACK_HTTP,
    pushCoalesceMs: e.PUSH_COALESCE_MS,
    attachmentMaxBytes: Math.floor(e.ATTACHMENT_MAX_MB * 1024 * 1024),
    storageQuotaBytes: Math.floor(e.STORAGE_QUOTA_MB * 1024 * 1024),
    uploadExpiryMs: Math.floor(e.UPLOAD_EXPIRY_HOURS * 3_600_000),
    attachmentKeepMetadata: e.ATTACHMENT_KEEP_METADATA,
  };
}
