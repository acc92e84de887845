/** The domain services, built once per app and shared by the socket handlers and the HTTP API. */
import type { Message } from '../../contract/events.js';
import type { BlobKeeper } from '../attachments/index.js';
import type { Relay } from '../realtime/relay.js';
import type { PresenceTracker } from '../scale/Presence.js';
import type { RateLimiter, RateLimitRule } from '../scale/RateLimiter.js';
import type { Store } from '../store/Store.js';
import { Conversations } from './Conversations.js';
import { Membership } from './membership.js';
import { Messaging } from './Messaging.js';
import { PresenceService } from './PresenceService.js';
import { Receipts } from './Receipts.js';
import { Search } from './Search.js';
import { Typing } from './Typing.js';

export interface DomainDeps {
  store: Store;
  relay: Relay;
  rateLimiter: RateLimiter;
  presence: PresenceTracker;
  /** Per-user send rate (SEND_RATE_PER_SECOND / SEND_BURST). */
  sendRule: RateLimitRule;
  /** EDIT_WINDOW_HOURS in ms. */
  editWindowMs: number;
  /** The clock of the rules (edit window, room creation); tests inject one. */
  now?: () => number;
  /** Attachment blobs, released when a deleted message was their last reference. */
  blobs: BlobKeeper;
  /** Told after a message is stored and after a read receipt rises (Web Push, server/push/). */
  listener?: DomainListener;
}

/** What other modules may hear from the domain, after the fact; a listener must not throw. */
export interface DomainListener {
  messageStored(message: Message): void;
  readUpTo(userId: string, conversationId: string, readSeq: number): void;
}

export interface Domain {
  membership: Membership;
  conversations: Conversations;
  messaging: Messaging;
  receipts: Receipts;
  typing: Typing;
  presence: PresenceService;
  search: Search;
}

/** Wires the domain services together. */
export function createDomain(deps: DomainDeps): Domain {
  const now = deps.now ?? Date.now;
  const membership = new Membership(deps.store);
  const { store, relay, rateLimiter, presence } = deps;
  return {
    membership,
    conversations: new Conversations({ store, presence, relay, membership, now }),
    messaging: new Messaging({
      store,
      relay,
      rateLimiter,
      membership,
      sendRule: deps.sendRule,
      editWindowMs: deps.editWindowMs,
      now,
      listener: deps.listener,
      blobs: deps.blobs,
    }),
    receipts: new Receipts({ store, relay, membership, listener: deps.listener }),
    typing: new Typing({ relay, rateLimiter, membership }),
    presence: new PresenceService({ presence, relay }),
    search: new Search({ store, membership }),
  };
}
