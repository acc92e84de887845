/** Ferry's HTTP API as the bench uses it to set up users and rooms (cookie auth, same origin). */
import { randomBytes } from 'node:crypto';
import {
  HttpPath,
  PAGE_SIZE_MAX,
  SESSION_COOKIE,
  messagesPath,
  type Ack,
  type ConversationSummary,
  type Message,
  type MessagePage,
  type User,
  newActionId,
} from '../../contract/index.js';

export interface BenchUser {
  user: User;
  /** `ferry_session=...`, for the socket.io handshake and HTTP calls. */
  cookie: string;
}

/** Handshake headers for a user on a node: the cookie and a same-origin Origin. */
export function userHeaders(u: BenchUser, baseUrl: string): Record<string, string> {
  return { cookie: u.cookie, origin: baseUrl };
}

async function call<T>(
  baseUrl: string,
  path: string,
  body: unknown,
  cookie?: string,
): Promise<T & { setCookie: string[] }> {
  const res = await fetch(baseUrl + path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      // State-changing requests must come from an allowed Origin (CSRF defence): our own.
      origin: baseUrl,
      ...(cookie ? { cookie } : {}),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json: { ok?: boolean; error?: { code: string; message: string } };
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`POST ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
  }
  if (!json.ok)
    throw new Error(`POST ${path}: HTTP ${res.status} ${json.error?.code}: ${json.error?.message}`);
  return { ...(json as T), setCookie: res.headers.getSetCookie() };
}

/** A fresh username: unique per run, within Ferry's 3-32 [a-z0-9_.-] rule. */
export function benchUsername(i: number, tag = randomBytes(3).toString('hex')): string {
  return `b${tag}_${i}`;
}

const PASSWORD = 'bench-password-1';

/** Signs up a new user and returns its session cookie. */
export async function signUp(baseUrl: string, username: string): Promise<BenchUser> {
  const r = await call<{ user: User }>(baseUrl, HttpPath.signup, { username, password: PASSWORD });
  const session = r.setCookie.map((c) => c.split(';')[0]).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!session) throw new Error(`signup of ${username} set no ${SESSION_COOKIE} cookie`);
  return { user: r.user, cookie: session };
}

/** Signs up `n` users, a few at a time (password hashing is deliberately slow). */
export async function signUpMany(baseUrl: string, n: number, concurrency = 4): Promise<BenchUser[]> {
  const tag = randomBytes(3).toString('hex');
  const users: BenchUser[] = new Array(n);
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      users[i] = await signUp(baseUrl, benchUsername(i, tag));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
  return users;
}

/** Creates a room owned by `owner`; returns its summary (id and invite code). */
export async function createRoom(
  baseUrl: string,
  owner: BenchUser,
  name: string,
): Promise<ConversationSummary> {
  const r = await call<{ conversation: ConversationSummary }>(
    baseUrl,
    HttpPath.conversations,
    { name },
    owner.cookie,
  );
  return r.conversation;
}

/** Joins `user` to a room by its invite code. */
export async function joinRoom(baseUrl: string, user: BenchUser, inviteCode: string): Promise<void> {
  await call(baseUrl, HttpPath.join, { inviteCode }, user.cookie);
}

/** Creates a room with `members[0]` as owner and every other member joined. */
export async function roomWith(
  baseUrl: string,
  members: BenchUser[],
  name: string,
): Promise<ConversationSummary> {
  const room = await createRoom(baseUrl, members[0], name);
  if (!room.inviteCode) throw new Error(`room ${room.id} has no invite code`);
  for (const m of members.slice(1)) await joinRoom(baseUrl, m, room.inviteCode);
  return room;
}

/** Sends one message over HTTP (the idempotent POST the Service Worker replays through). */
export async function postMessage(
  baseUrl: string,
  user: BenchUser,
  conversationId: string,
  text: string,
): Promise<void> {
  await call(
    baseUrl,
    messagesPath(conversationId),
    { id: newActionId(), text, typedAt: Date.now() },
    user.cookie,
  );
}

/** Every message of a conversation, paged by seq (to check what the server stored). */
export async function allMessages(
  baseUrl: string,
  user: BenchUser,
  conversationId: string,
): Promise<Message[]> {
  const out: Message[] = [];
  for (let after = 0; ;) {
    const res = await fetch(
      `${baseUrl}${messagesPath(conversationId)}?after=${after}&limit=${PAGE_SIZE_MAX}`,
      {
        headers: { cookie: user.cookie, origin: baseUrl },
        signal: AbortSignal.timeout(30_000),
      },
    );
    const page = (await res.json()) as Ack<MessagePage>;
    if (!page.ok) throw new Error(`GET messages: ${page.error.code}: ${page.error.message}`);
    out.push(...page.messages);
    if (!page.hasMore || page.messages.length === 0) return out;
    after = page.messages[page.messages.length - 1].seq;
  }
}
