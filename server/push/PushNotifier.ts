/**
 * PushNotifier: tells a member's devices about new messages while that member has no live
 * connection on any node (presence counts sockets across nodes through Redis), and tells them
 * "read up to seq N" so they close a notification the user has dealt with elsewhere.
 *
 * - Coalesced per conversation: the first message opens a window of PUSH_COALESCE_MS; when it
 *   closes, each offline member gets one push carrying the newest message and how many came. The
 *   decision (online? muted? already read?) is made when the window closes, so someone who opens
 *   the app meanwhile gets nothing. Each node coalesces what it stored; with several nodes a burst
 *   split between them can give one push per node.
 * - Rate-limited per device (endpoint) with the shared RateLimiter, over every conversation.
 * - Never for the member's own messages, nor for a conversation the member muted.
 * - A push service answering 404 or 410 means the subscription is gone: it is deleted.
 * - A push service that is busy or failing (429, 5xx, no answer) is asked again, at most
 *   SEND_ATTEMPTS times, after its Retry-After or else an exponential backoff with jitter; other
 *   refusals (400, 403, 413) would fail the same way again and are only logged.
 * The payload is encrypted for the subscription (aes128gcm) and signed with VAPID by `web-push`;
 * the request itself goes out through fetch, so a test's push service on http://127.0.0.1 works.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import webpush from 'web-push';
import { EntryKind, type Message } from '../../contract/events.js';
import {
  PUSH_DEVICE_BURST,
  PUSH_DEVICE_PER_MINUTE,
  PUSH_TEXT_PREVIEW_MAX,
  type PushMessageNotice,
  type PushNotice,
} from '../../contract/push.js';
import type { Logger } from '../ops/logger.js';
import type { PresenceTracker } from '../scale/Presence.js';
import type { RateLimiter, RateLimitRule } from '../scale/RateLimiter.js';
import type { PushSubscriptionRecord, Store } from '../store/Store.js';
import type { VapidKeys } from './vapid.js';

export interface PushNotifierDeps {
  store: Store;
  presence: PresenceTracker;
  rateLimiter: RateLimiter;
  vapid: VapidKeys;
  logger: Logger;
  coalesceMs: number;
  /** Default: global fetch. */
  fetch?: typeof fetch;
}

/** How long a push service keeps an undelivered push for an offline device (s). */
const PUSH_TTL_SECONDS = 24 * 3600;
const SEND_TIMEOUT_MS = 10_000;
/** Tries of one push while the push service answers 429 or 5xx or does not answer. */
const SEND_ATTEMPTS = 4;
/** First backoff between tries; each next one is four times longer (1 s, 4 s, 16 s). */
const RETRY_BASE_MS = 1000;
/** A Retry-After longer than this is cut to it: a push an hour late is worth little. */
const RETRY_AFTER_MAX_MS = 60_000;
const isRetryable = (status: number): boolean => status === 429 || status >= 500;
const DEVICE_RULE: RateLimitRule = {
  capacity: PUSH_DEVICE_BURST,
  refillPerSecond: PUSH_DEVICE_PER_MINUTE / 60,
};

interface Window {
  timer: NodeJS.Timeout;
  newest: Message;
  /** Senders of the messages in the window, one entry per message. */
  senders: string[];
}

export class PushNotifier {
  private readonly windows = new Map<string, Window>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Aborted on close: a push waiting to be retried gives up instead of holding shutdown. */
  private readonly stopping = new AbortController();
  private closed = false;

  constructor(private readonly deps: PushNotifierDeps) {}

  /** A message was stored (not a duplicate). */
  messageStored(message: Message): void {
    // Edits, deletions and reactions change what is shown; only a new message notifies.
    if (this.closed || message.kind !== EntryKind.message) return;
    const open = this.windows.get(message.conversationId);
    if (open) {
      if (message.seq > open.newest.seq) open.newest = message;
      open.senders.push(message.senderId);
      return;
    }
    const timer = setTimeout(() => {
      const window = this.windows.get(message.conversationId);
      this.windows.delete(message.conversationId);
      if (window) this.track(this.flush(window));
    }, this.deps.coalesceMs);
    timer.unref();
    this.windows.set(message.conversationId, { timer, newest: message, senders: [message.senderId] });
  }

  /** A user's read receipt rose to `readSeq`: their devices close that notification. */
  readUpTo(userId: string, conversationId: string, readSeq: number): void {
    if (this.closed) return;
    this.track(this.sendRead(userId, conversationId, readSeq));
  }

  /** Stops the windows and waits for pushes being sent. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopping.abort();
    for (const window of this.windows.values()) clearTimeout(window.timer);
    this.windows.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((err: unknown) => this.deps.logger.warn({ err }, 'push: sending failed'));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private async flush(window: Window): Promise<void> {
    const { store } = this.deps;
    const message = window.newest;
    const [conversation, members] = await Promise.all([
      store.getConversation(message.conversationId),
      store.listMembers(message.conversationId),
    ]);
    if (!conversation) return;
    // Not their own message, and not one they have read meanwhile on some device.
    const candidates = members.filter((m) => m.userId !== message.senderId && m.readSeq < message.seq);
    if (candidates.length === 0) return;
    const ids = candidates.map((m) => m.userId);
    const [online, muted] = await Promise.all([
      this.deps.presence.onlineAmong(ids),
      store.mutedMembers(message.conversationId, ids),
    ]);
    const mutedSet = new Set(muted);
    const recipients = candidates.filter((m) => !online.has(m.userId) && !mutedSet.has(m.userId));
    if (recipients.length === 0) return;
    const subscriptions = await store.listPushSubscriptions(recipients.map((m) => m.userId));
    for (const member of recipients) {
      const devices = subscriptions.filter((s) => s.userId === member.userId);
      if (devices.length === 0) continue;
      const notice: PushMessageNotice = {
        kind: 'message',
        conversationId: message.conversationId,
        conversationName: conversation.kind === 'room' ? (conversation.name ?? '') : message.senderName,
        senderName: message.senderName,
        text: preview(message.text),
        seq: message.seq,
        count: Math.max(1, window.senders.filter((id) => id !== member.userId).length),
        unreadTotal: await this.unreadTotal(member.userId),
      };
      await Promise.all(
        devices.map((device) => this.send(device, device.showText ? notice : withoutText(notice))),
      );
    }
  }

  private async sendRead(userId: string, conversationId: string, readSeq: number): Promise<void> {
    const online = await this.deps.presence.onlineAmong([userId]);
    if (online.has(userId)) return;
    const devices = await this.deps.store.listPushSubscriptions([userId]);
    if (devices.length === 0) return;
    const unreadTotal = await this.unreadTotal(userId);
    await Promise.all(
      devices.map((device) => this.send(device, { kind: 'read', conversationId, readSeq, unreadTotal })),
    );
  }

  /** Unread messages over all the user's conversations (for the app badge). */
  private async unreadTotal(userId: string): Promise<number> {
    const conversations = await this.deps.store.listUserConversations(userId);
    // Others' messages past the read receipt: operations (edits, reactions) are not unread.
    return conversations.reduce((total, uc) => total + uc.unreadCount, 0);
  }

  /** One push to one device, unless the device's allowance is used up. */
  private async send(device: PushSubscriptionRecord, notice: PushNotice): Promise<void> {
    const allowance = await this.deps.rateLimiter.take(`push:${device.endpoint}`, DEVICE_RULE);
    if (!allowance.allowed) {
      this.deps.logger.debug({ endpoint: device.endpoint }, 'push: device rate limit reached');
      return;
    }
    const { vapid } = this.deps;
    const request = webpush.generateRequestDetails(
      { endpoint: device.endpoint, keys: { p256dh: device.p256dh, auth: device.auth } },
      JSON.stringify(notice),
      {
        vapidDetails: vapid,
        TTL: PUSH_TTL_SECONDS,
        urgency: notice.kind === 'message' ? 'high' : 'normal',
        // A push still waiting at the push service is replaced by the next one of its conversation.
        topic: notice.conversationId.replaceAll('-', ''),
      },
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name] = String(value);
    const body = request.body ? new Uint8Array(request.body) : null;
    for (let attempt = 1; ; attempt++) {
      let response: Response | null = null;
      try {
        response = await (this.deps.fetch ?? fetch)(request.endpoint, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.any([AbortSignal.timeout(SEND_TIMEOUT_MS), this.stopping.signal]),
        });
        await response.arrayBuffer().catch(() => undefined);
      } catch (err) {
        if (this.stopping.signal.aborted || attempt >= SEND_ATTEMPTS) throw err;
      }
      if (response && (response.status === 404 || response.status === 410)) {
        // The browser dropped the subscription (unsubscribed, data cleared, expired).
        await this.deps.store.deletePushSubscription(device.endpoint);
        return;
      }
      if (response?.ok) return;
      if (response && (!isRetryable(response.status) || attempt >= SEND_ATTEMPTS)) {
        this.deps.logger.warn(
          { status: response.status, endpoint: device.endpoint, attempt },
          'push: refused',
        );
        return;
      }
      const delay = retryDelayMs(response?.headers.get('retry-after') ?? null, attempt);
      try {
        await sleep(delay, undefined, { signal: this.stopping.signal });
      } catch {
        return; // Closing: the push is given up, as one sent to a push service that never answered.
      }
    }
  }
}

/** How long to wait before try `attempt + 1`: the service's Retry-After (seconds or a date), else backoff. */
export function retryDelayMs(retryAfter: string | null, attempt: number, now = Date.now()): number {
  if (retryAfter !== null && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - now;
    if (Number.isFinite(ms)) return Math.min(Math.max(0, ms), RETRY_AFTER_MAX_MS);
  }
  const backoff = RETRY_BASE_MS * 4 ** (attempt - 1);
  return backoff / 2 + Math.random() * (backoff / 2);
}

function preview(text: string): string {
  const chars = [...text];
  return chars.length <= PUSH_TEXT_PREVIEW_MAX
    ? text
    : `${chars.slice(0, PUSH_TEXT_PREVIEW_MAX - 1).join('')}…`;
}

function withoutText(notice: PushMessageNotice): PushMessageNotice {
  const { text: _text, ...rest } = notice;
  return rest;
}
