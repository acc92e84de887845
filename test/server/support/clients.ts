/**
 * Real clients for server tests: HTTP calls with the session cookie, sign-up/sign-in, socket.io
 * clients that authenticate with the cookie, ack requests with a timeout, event waiting without
 * sleeps, and a small Server-Sent Events reader over fetch (Node 20 has no EventSource).
 */
import { randomUUID } from 'node:crypto';
import { io as ioClient, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import {
  HttpPath,
  SESSION_COOKIE,
  type Ack,
  type AckOf,
  type ClientToServerEvents,
  type CompactMessage,
  type ConversationSummary,
  type Message,
  type ServerToClientEvents,
  type User,
  messagesPath,
  ClientEvent,
  ServerEvent,
} from '../../../contract/index.js';
import { waitUntil } from '../../support/wait.js';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long a helper waits for an ack, an event or a condition before failing the test. */
export const WAIT_MS = 5_000;

let counter = 0;
/** A username unique within this process (lower-case, valid per contract limits). */
export function uniqueUsername(prefix = 'user'): string {
  counter += 1;
  return `${prefix}${counter}-${randomUUID().slice(0, 8)}`;
}

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or null when the body is not JSON. */
  body: T;
  text: string;
}

export interface HttpOptions {
  method?: string;
  /** Sent as JSON unless `rawBody` is given. */
  body?: unknown;
  /** Sent as-is (for invalid-JSON and garbage tests). */
  rawBody?: string | Uint8Array<ArrayBuffer>;
  cookie?: string | null;
  headers?: Record<string, string>;
}

/**
 * Calls the server over HTTP. Sends `Origin: <baseUrl>` (same origin, like a browser page) unless
 * headers override it.
 */
export async function http<T = Ack<Record<string, unknown>>>(
  baseUrl: string,
  path: string,
  options: HttpOptions = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { origin: baseUrl, ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(baseUrl + path, { method: options.method ?? 'GET', headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/** The `ferry_session=<token>` pair from a response's Set-Cookie, or null. */
export function sessionCookieFrom(headers: Headers): string | null {
  for (const line of headers.getSetCookie()) {
    const pair = line.split(';', 1)[0]!.trim();
    if (pair.startsWith(`${SESSION_COOKIE}=`) && pair.length > SESSION_COOKIE.length + 1) return pair;
  }
  return null;
}

export interface TestUser extends User {
  password: string;
  /** `ferry_session=<token>`, ready for a Cookie header. */
  cookie: string;
}

/** Signs a new user up over HTTP and returns it with its session cookie. Throws if sign-up fails. */
export async function signUp(
  baseUrl: string,
  username = uniqueUsername(),
  password = 'correct horse battery',
): Promise<TestUser> {
  const res = await http<Ack<{ user: User }>>(baseUrl, HttpPath.signup, {
    method: 'POST',
    body: { username, password },
  });
  const cookie = sessionCookieFrom(res.headers);
  if (!res.body?.ok || !cookie) throw new Error(`sign-up failed: ${res.status} ${res.text}`);
  return { ...res.body.user, password, cookie };
}

/** Signs in over HTTP; returns the raw result and the new cookie (null on failure). */
export async function signIn(
  baseUrl: string,
  username: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<HttpResult<Ack<{ user: User }>> & { cookie: string | null }> {
  const res = await http<Ack<{ user: User }>>(baseUrl, HttpPath.signin, {
    method: 'POST',
    body: { username, password },
    headers,
  });
  return { ...res, cookie: sessionCookieFrom(res.headers) };
}

const openSockets = new Set<ClientSocket>();

/**
 * Makes a socket.io client that sends the session cookie (and a same-origin Origin header) in
 * its handshake. Does not wait for the connection; see `connect`.
 */
export function makeSocket(
  baseUrl: string,
  cookie: string | null,
  options: Partial<ManagerOptions & SocketOptions> = {},
): ClientSocket {
  const extraHeaders: Record<string, string> = { origin: baseUrl, ...options.extraHeaders };
  if (cookie) extraHeaders.cookie = cookie;
  const socket: ClientSocket = ioClient(baseUrl, {
    forceNew: true,
    reconnection: false,
    transports: ['websocket'],
    ...options,
    extraHeaders,
  });
  openSockets.add(socket);
  return socket;
}

/**
 * Connects a socket.io client with the cookie; resolves once connected, rejects (and closes the
 * socket) if the first connection fails. Once connected, both listeners are gone: a later failed
 * reconnect attempt (with `reconnection: true`) leaves the client retrying.
 */
export function connect(
  baseUrl: string,
  cookie: string | null,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<ClientSocket> {
  const socket = makeSocket(baseUrl, cookie, options);
  return new Promise((resolve, reject) => {
    const onConnect = (): void => {
      socket.off('connect_error', onError);
      resolve(socket);
    };
    const onError = (err: Error): void => {
      socket.off('connect', onConnect);
      socket.close();
      reject(err);
    };
    socket.once('connect', onConnect);
    socket.once('connect_error', onError);
  });
}

/** Closes every socket made by makeSocket/connect (call in afterEach/afterAll). */
export function closeAllSockets(): void {
  for (const s of openSockets) s.close();
  openSockets.clear();
}

/** Emits a contract event and waits for its ack (fails after WAIT_MS). */
export function request<E extends keyof ClientToServerEvents>(
  socket: ClientSocket,
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0],
): Promise<AckOf<E>> {
  // socket.io's typed emitWithAck cannot see through our generic E; the cast stays local.
  const s = socket.timeout(WAIT_MS) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> };
  return s.emitWithAck(event, payload) as Promise<AckOf<E>>;
}

/** Emits any event name with any arguments and waits for an ack (for bad-input tests). */
export function requestRaw(socket: ClientSocket, event: string, ...args: unknown[]): Promise<Ack> {
  const s = socket.timeout(WAIT_MS) as unknown as { emitWithAck(e: string, ...a: unknown[]): Promise<Ack> };
  return s.emitWithAck(event, ...args);
}

/** Resolves with the next `event` payload that matches `predicate` (fails after timeoutMs). */
export function nextEvent<E extends keyof ServerToClientEvents>(
  socket: ClientSocket,
  event: E,
  predicate: (p: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
  timeoutMs = WAIT_MS,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  type P = Parameters<ServerToClientEvents[E]>[0];
  return new Promise((resolve, reject) => {
    const listener = (p: P): void => {
      if (!predicate(p)) return;
      clearTimeout(timer);
      socket.off(event, listener as never);
      resolve(p);
    };
    const timer = setTimeout(() => {
      socket.off(event, listener as never);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    socket.on(event, listener as never);
  });
}

/** Records every `event` payload a socket receives, from now on. */
export function collect<E extends keyof ServerToClientEvents>(
  socket: ClientSocket,
  event: E,
): { items: Parameters<ServerToClientEvents[E]>[0][]; stop(): void } {
  const items: Parameters<ServerToClientEvents[E]>[0][] = [];
  const listener = (p: Parameters<ServerToClientEvents[E]>[0]): void => void items.push(p);
  socket.on(event, listener as never);
  return { items, stop: () => void socket.off(event, listener as never) };
}

/**
 * Every `message:new` a socket receives from now on, each as the list of messages it carries (a
 * socket that asked for batches gets a commit's several in one event).
 */
export function collectEvents(socket: ClientSocket): CompactMessage[][] {
  const events: CompactMessage[][] = [];
  socket.on(
    ServerEvent.message as never,
    ((...messages: CompactMessage[]) => void events.push(messages)) as never,
  );
  return events;
}

/** A message payload as a client types it: a fresh UUID, now as typedAt. */
export function draft(conversationId: string, text: string, id: string = randomUUID()) {
  return { id, conversationId, text, typedAt: Date.now() };
}

export interface SseMessage {
  event: string;
  id: string | null;
  data: string;
}

export interface SseClient {
  status: number;
  headers: Headers;
  /** Every event received so far (comments excluded). */
  events: SseMessage[];
  /** Number of comment lines (`: ...`) received, e.g. heartbeats. */
  comments: () => number;
  /** True once the server ended the stream (or close() was called). */
  ended: () => boolean;
  /** Waits until `predicate(events)` holds. */
  until(predicate: (events: SseMessage[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

/**
 * Opens a Server-Sent Events stream with fetch and parses it per the HTML spec's event-stream
 * format (field lines, blank line dispatch). Non-200 answers resolve with `status` and no events.
 */
export async function openSse(
  baseUrl: string,
  path: string,
  cookie: string | null,
  options: { lastEventId?: string; headers?: Record<string, string> } = {},
): Promise<SseClient> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
  if (cookie) headers.cookie = cookie;
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
  const res = await fetch(baseUrl + path, { headers, signal: controller.signal });
  const events: SseMessage[] = [];
  let comments = 0;
  let ended = false;
  if (res.ok && res.body) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = '';
      let cur: SseMessage = { event: 'message', id: null, data: '' };
      let hasData = false;
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl).replace(/\r$/, '');
            buffer = buffer.slice(nl + 1);
            if (line === '') {
              if (hasData) events.push(cur);
              cur = { event: 'message', id: null, data: '' };
              hasData = false;
            } else if (line.startsWith(':')) comments += 1;
            else {
              const colon = line.indexOf(':');
              const field = colon < 0 ? line : line.slice(0, colon);
              const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (field === 'event') cur.event = val;
              else if (field === 'id') cur.id = val;
              else if (field === 'data') {
                cur.data = hasData ? `${cur.data}\n${val}` : val;
                hasData = true;
              }
            }
          }
        }
      } catch {
        // aborted by close(): the stream simply ends
      }
      ended = true;
    })();
  } else {
    ended = true;
    await res.body?.cancel();
  }
  return {
    status: res.status,
    headers: res.headers,
    events,
    comments: () => comments,
    ended: () => ended,
    until: async (predicate, timeoutMs = WAIT_MS) => {
      await waitUntil('SSE events', () => predicate(events), { timeoutMs });
    },
    close: () => controller.abort(),
  };
}

/** The texts of the `message` events a feed has received, in order. */
export const sseTexts = (feed: SseClient): string[] =>
  feed.events.filter((e) => e.event === 'message').map((e) => (JSON.parse(e.data) as Message).text);

/** Sends a message over HTTP as `user`; throws unless it was stored. */
export async function sendHttp(
  baseUrl: string,
  user: TestUser,
  conversationId: string,
  text: string,
): Promise<Message> {
  const res = await http<{ ok: true; message: Message }>(baseUrl, messagesPath(conversationId), {
    method: 'POST',
    body: { id: randomUUID(), text, typedAt: Date.now() },
    cookie: user.cookie,
  });
  if (res.status !== 201) throw new Error(res.text);
  return res.body.message;
}

/** Whether the server accepts a new message from `socket` into `conversationId` (its ack's ok). */
export async function sendAccepted(
  socket: ClientSocket,
  conversationId: string,
  text: string,
): Promise<boolean> {
  return (await request(socket, ClientEvent.send, draft(conversationId, text))).ok;
}

/** Creates a room over HTTP as `owner`; throws unless it worked. */
export async function createRoom(
  baseUrl: string,
  owner: TestUser,
  name = 'Test room',
): Promise<ConversationSummary> {
  const res = await http<Ack<{ conversation: ConversationSummary }>>(baseUrl, HttpPath.conversations, {
    method: 'POST',
    body: { name },
    cookie: owner.cookie,
  });
  if (!res.body?.ok) throw new Error(`create room failed: ${res.status} ${res.text}`);
  return res.body.conversation;
}

/** Joins a room by invite code over HTTP; throws unless it worked. */
export async function joinRoom(
  baseUrl: string,
  user: TestUser,
  inviteCode: string,
): Promise<ConversationSummary> {
  const res = await http<Ack<{ conversation: ConversationSummary }>>(baseUrl, HttpPath.join, {
    method: 'POST',
    body: { inviteCode },
    cookie: user.cookie,
  });
  if (!res.body?.ok) throw new Error(`join failed: ${res.status} ${res.text}`);
  return res.body.conversation;
}

/** Two new users, alice and bob, in one room, each with one connected socket (`a`, `b`). */
export async function twoInARoom(
  baseUrl: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<{ alice: TestUser; bob: TestUser; room: ConversationSummary; a: ClientSocket; b: ClientSocket }> {
  const alice = await signUp(baseUrl);
  const bob = await signUp(baseUrl);
  const room = await roomWith(baseUrl, alice, bob);
  const a = await connect(baseUrl, alice.cookie, options);
  const b = await connect(baseUrl, bob.cookie, options);
  return { alice, bob, room, a, b };
}

/** A room created by `owner` on `ownerUrl` that each of `members` has joined through its own node. */
export async function roomAcross(
  ownerUrl: string,
  owner: TestUser,
  members: readonly (readonly [url: string, user: TestUser])[],
  name?: string,
): Promise<ConversationSummary> {
  const room = await createRoom(ownerUrl, owner, name);
  for (const [url, user] of members) await joinRoom(url, user, room.inviteCode!);
  return room;
}

/** A room created by `owner` that every one of `others` has joined. */
export async function roomWith(
  baseUrl: string,
  owner: TestUser,
  ...others: TestUser[]
): Promise<ConversationSummary> {
  return roomAcross(
    baseUrl,
    owner,
    others.map((user) => [baseUrl, user] as const),
  );
}
