/**
 * Users for browser tests: signed up over the real HTTP API, their session cookie put into a
 * browser context, so a test starts signed in without driving the sign-up form.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';
import {
  ErrorCode,
  HttpPath,
  SESSION_COOKIE,
  USERNAME_MAX,
  messagesPath,
  type Ack,
  type ConversationSummary,
  type Message,
  type MessagePage,
  type SendResult,
  type User,
} from '../../../contract/index';
import { newContext } from './browser';
import type { Ferry } from './ferry';

/** Password every test user gets (long enough for PASSWORD_MIN). */
export const TEST_PASSWORD = 'correct horse battery';

export interface SignedUpUser {
  user: User;
  /** The session cookie's value. */
  cookie: string;
}

export interface BrowserUser extends SignedUpUser {
  context: BrowserContext;
  username: string;
  password: string;
}

/**
 * Sends a JSON request to the server as a same-origin page would (Origin set, cookie if given).
 * One fresh TCP connection per request (no keep-alive pool): a pooled connection to a server that
 * a test just stopped and restarted can fail with "other side closed".
 */
export function api<T extends object = object>(
  ferry: Ferry,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  cookie?: string,
): Promise<{ status: number; body: Ack<T>; setCookie: string[] }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { origin: ferry.url, accept: 'application/json' };
  if (payload !== undefined) headers['content-type'] = 'application/json';
  if (cookie) headers.cookie = `${SESSION_COOKIE}=${cookie}`;
  return new Promise((resolve, reject) => {
    const req = request(ferry.url + path, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(text) as Ack<T>,
            setCookie: res.headers['set-cookie'] ?? [],
          });
        } catch {
          reject(
            new Error(`${method} ${path} answered ${res.statusCode} with non-JSON: ${text.slice(0, 200)}`),
          );
        }
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Signs a user up over HTTP; returns the user and the session cookie value. Throws on failure. */
export async function signUp(
  ferry: Ferry,
  username: string,
  password = TEST_PASSWORD,
): Promise<SignedUpUser> {
  let res = await api<{ user: User }>(ferry, 'POST', HttpPath.signup, { username, password });
  // A test run again after a failure (CI retries browser tests once) meets the users its first
  // run made on the same server: it takes a fresh name, read back from `user.username`.
  for (let n = 2; !res.body.ok && res.body.error.code === ErrorCode.USERNAME_TAKEN && n < 10; n++) {
    const fresh = `${username.slice(0, USERNAME_MAX - 3)}-r${n}`;
    res = await api<{ user: User }>(ferry, 'POST', HttpPath.signup, { username: fresh, password });
  }
  if (!res.body.ok) throw new Error(`Sign-up of "${username}" failed: ${JSON.stringify(res.body.error)}`);
  const prefix = `${SESSION_COOKIE}=`;
  const cookie = res.setCookie
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith(prefix))
    ?.slice(prefix.length);
  if (!cookie) throw new Error(`Sign-up of "${username}" set no ${SESSION_COOKIE} cookie.`);
  return { user: res.body.user, cookie };
}

/** Puts a session cookie into a context, HttpOnly and SameSite=Lax as the server sets it. */
export async function addSessionCookie(context: BrowserContext, ferry: Ferry, cookie: string): Promise<void> {
  await context.addCookies([
    { name: SESSION_COOKIE, value: cookie, url: ferry.url, httpOnly: true, sameSite: 'Lax' },
  ]);
}

/**
 * Signs a user up over HTTP and returns a fresh context holding their session cookie, as a device
 * whose session is still valid does: the first tab learns from the server (through its hub) who is
 * signed in, and the hub remembers it. The sign-in form has tests of its own (ui.test.ts); going
 * through it for every test user cost each test an extra start of the app per user.
 */
export async function newUser(
  browser: Browser,
  ferry: Ferry,
  username: string,
  options: BrowserContextOptions = {},
): Promise<BrowserUser> {
  const signed = await signUp(ferry, username);
  const context = await newContext(browser, options);
  await addSessionCookie(context, ferry, signed.cookie);
  // The name signed up, which differs from `username` when a retried test had to take a fresh one.
  return { ...signed, context, username: signed.user.username, password: TEST_PASSWORD };
}

/** Throws with the error when an API answer is not ok; returns the ok body. */
function okBody<T extends object>(what: string, res: { status: number; body: Ack<T> }): T {
  if (!res.body.ok) throw new Error(`${what} failed (${res.status}): ${JSON.stringify(res.body.error)}`);
  return res.body;
}

/** Joins a room by invite code over HTTP, as the user of `cookie`. */
export async function joinViaApi(
  ferry: Ferry,
  cookie: string,
  inviteCode: string,
): Promise<ConversationSummary> {
  const res = await api<{ conversation: ConversationSummary }>(
    ferry,
    'POST',
    HttpPath.join,
    { inviteCode },
    cookie,
  );
  return okBody('Join', res).conversation;
}

/** Creates a room over HTTP, as the user of `cookie`. */
export async function createRoomViaApi(
  ferry: Ferry,
  cookie: string,
  name: string,
): Promise<ConversationSummary> {
  const res = await api<{ conversation: ConversationSummary }>(
    ferry,
    'POST',
    HttpPath.conversations,
    { name },
    cookie,
  );
  return okBody('Create room', res).conversation;
}

/** Sends one message over the idempotent HTTP endpoint, as the user of `cookie`. */
export async function sendViaApi(
  ferry: Ferry,
  cookie: string,
  conversationId: string,
  text: string,
): Promise<SendResult> {
  const body = { id: randomUUID(), text, typedAt: Date.now() };
  return okBody('Send', await api<SendResult>(ferry, 'POST', messagesPath(conversationId), body, cookie));
}

/** Appends one log entry of any kind over the idempotent HTTP endpoint, as the user of `cookie`. */
export async function opViaApi(
  ferry: Ferry,
  cookie: string,
  conversationId: string,
  body: Record<string, unknown>,
): Promise<SendResult> {
  const res = await api<SendResult>(
    ferry,
    'POST',
    messagesPath(conversationId),
    { id: randomUUID(), typedAt: Date.now(), ...body },
    cookie,
  );
  if (!res.body.ok) throw new Error(`Operation failed: ${JSON.stringify(res.body.error)}`);
  return res.body;
}

/** A room made by `owner` that `other` joined, both over HTTP. */
export async function sharedRoom(
  ferry: Ferry,
  owner: SignedUpUser,
  other: SignedUpUser,
  name: string,
): Promise<ConversationSummary> {
  const room = await createRoomViaApi(ferry, owner.cookie, name);
  await joinViaApi(ferry, other.cookie, room.inviteCode!);
  return room;
}

/** Every message the server holds for a conversation, ascending by seq, read page by page over HTTP. */
export async function serverMessages(
  ferry: Ferry,
  cookie: string,
  conversationId: string,
): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const after = out.at(-1)?.seq ?? 0;
    const path = `${messagesPath(conversationId)}?after=${after}&limit=500`;
    const page = okBody('Reading messages', await api<MessagePage>(ferry, 'GET', path, undefined, cookie));
    out.push(...page.messages);
    if (!page.hasMore) return out;
  }
}
