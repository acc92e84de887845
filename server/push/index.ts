/**
 * Web Push, entered here: VAPID keys, device subscriptions, per-conversation mutes, and the
 * notifier the domain calls when a message is stored or a read receipt rises.
 */
import { isIP } from 'node:net';
import type { User } from '../../contract/events.js';
import { ErrorCode } from '../../contract/errors.js';
import type { PushSubscribeInput } from '../../contract/schemas.js';
import { AppError, notAMember } from '../errors.js';
import { PushNotifier, type PushNotifierDeps } from './PushNotifier.js';
import type { VapidKeys } from './vapid.js';

export { PushNotifier } from './PushNotifier.js';
export { loadVapidKeys, VAPID_FILE, type VapidKeys } from './vapid.js';

export interface PushServiceDeps extends PushNotifierDeps {
  /** Accept http://127.0.0.1 endpoints (tests). */
  allowLoopbackHttp: boolean;
  now?: () => number;
}

export class PushService {
  readonly notifier: PushNotifier;

  constructor(private readonly deps: PushServiceDeps) {
    this.notifier = new PushNotifier(deps);
  }

  get vapid(): VapidKeys {
    return this.deps.vapid;
  }

  /** Saves this device's subscription under the session that made it. */
  async subscribe(user: User, sessionHash: string, input: PushSubscribeInput): Promise<void> {
    const { subscription } = input;
    this.checkEndpoint(subscription.endpoint);
    await this.deps.store.savePushSubscription({
      endpoint: subscription.endpoint,
      userId: user.id,
      sessionHash,
      p256dh: subscription.keys.p256dh,
      auth: subscription.keys.auth,
      showText: input.showText ?? true,
      createdAt: (this.deps.now ?? Date.now)(),
    });
  }

  /** Forgets one of the user's subscriptions (answers alike when there was none). */
  async unsubscribe(user: User, endpoint: string): Promise<void> {
    await this.deps.store.deletePushSubscription(endpoint, user.id);
  }

  /** Mutes or unmutes a conversation for the user (a member); FORBIDDEN otherwise. */
  async setMuted(user: User, conversationId: string, muted: boolean): Promise<void> {
    if (!(await this.deps.store.setMuted(conversationId, user.id, muted))) throw notAMember();
  }

  close(): Promise<void> {
    return this.notifier.close();
  }

  /**
   * Push services are public https hosts. A loopback, private or literal-IP endpoint would make
   * the server post to its own network on a client's say-so, so only names are accepted (and
   * http://127.0.0.1 when the test flag is on).
   */
  private checkEndpoint(endpoint: string): void {
    const url = URL.parse(endpoint);
    if (!url)
      throw new AppError(ErrorCode.BAD_REQUEST, 'Invalid push subscription: endpoint must be an https URL.');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (this.deps.allowLoopbackHttp && host === '127.0.0.1') return;
    const refuse = (why: string): never => {
      throw new AppError(ErrorCode.BAD_REQUEST, `Invalid push subscription: endpoint ${why}.`);
    };
    if (url.protocol !== 'https:') refuse('must be an https URL');
    if (isIP(host) !== 0 || host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) {
      refuse("must be a push service's public host name");
    }
  }
}
