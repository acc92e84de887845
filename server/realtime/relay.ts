/**
 * The one place events fan out: socket.io rooms `user:<id>` and `conv:<id>` (carried across nodes
 * by the adapter), plus an in-process bus that the SSE feeds subscribe to. With several nodes the
 * bus also travels with io.serverSideEmit, so an SSE client on node B hears a message sent on A;
 * only a conversation some other node has a feed open in travels (RemoteFeeds).
 *
 * Access changes (join, leave, sign-out) travel as one announcement that each node applies at
 * once to its own sockets and feeds: rooms, feeds and the watch of connections being set up
 * (AccessWatch) all change in the same turn, so none of them can miss it.
 */
import type {
  CompactMessage,
  ConversationSummary,
  Member,
  Message,
  PresenceNotice,
  Receipt,
  TypingNotice,
} from '../../contract/events.js';
import { randomUUID } from 'node:crypto';
import { AccessWatch } from './accessWatch.js';
import { LiveFeeds } from './liveFeeds.js';
import { RemoteFeeds, type FeedChange, type OpenFeeds } from './remoteFeeds.js';
import { convRoom, sessionRoom, userRoom } from './rooms.js';
import type { AccessChange, BusEvent, FerryIo } from './types.js';
import { compactMessage, ServerEvent } from '../../contract/index.js';

export type BusListener = (event: BusEvent) => void;

/** A listener's hold on one conversation's bus events (see subscribe). */
export interface BusSubscription {
  /**
   * Settles once every other node publishes this conversation's events across (or could not be
   * told: the feed's heartbeat re-reads cover that). Read the store only after it.
   */
  heard: Promise<void>;
  unsubscribe(): void;
}

/** How long a starting node waits between asks while no other node has answered. */
const ASK_RETRY_MS = 1_000;

export class Relay {
  private readonly listeners = new Map<string, Set<BusListener>>();
  /** Per conversation with a listener here: settles when the other nodes have heard of it. */
  private readonly heardEverywhere = new Map<string, Promise<void>>();
  /** This node in feed announcements (a restart is a new node: its old feeds are gone). */
  private readonly nodeId = randomUUID();
  private readonly remoteFeeds = new RemoteFeeds();
  #crossNode = false;
  #stopped = false;
  #askTimer: NodeJS.Timeout | null = null;
  /** An ask is on its way (one at a time). */
  #asking = false;
  /** Bumped when what was learned is dropped: an ask sent before that answers for the old state. */
  #epoch = 0;
  /** Each conversation's messages for its sockets, sent together at the end of this tick. */
  #messages = new Map<string, { message: CompactMessage; from: string | undefined }[]>();
  /** Bus events for the other nodes, sent together at the end of this tick (see publish). */
  #outbound: BusEvent[] = [];
  /** Connections being set up on this node, watching for access changes. */
  readonly watch = new AccessWatch();
  /** This node's open SSE feeds, closed when their access ends. */
  readonly feeds = new LiveFeeds();

  constructor(private readonly io: FerryIo) {}

  /** True once events and access changes travel between nodes (enableCrossNodeBus). */
  get crossNode(): boolean {
    return this.#crossNode;
  }

  /**
   * Makes the SSE bus hear other nodes (call once an adapter that supports serverSideEmit is
   * installed; the default in-memory adapter does not and would warn on every message).
   */
  enableCrossNodeBus(): void {
    if (this.#crossNode) return;
    this.#crossNode = true;
    // Other nodes' serverSideEmit packets arrive as events on the main namespace.
    this.io.sockets.on('ferry:bus', (events) => {
      for (const event of Array.isArray(events) ? events : [events]) this.deliverLocal(event);
    });
    this.io.sockets.on('ferry:access', (change) => this.applyAccess(change));
    this.io.sockets.on('ferry:feeds', (change, answer) => {
      this.remoteFeeds.apply(change);
      answer();
    });
    this.io.sockets.on('ferry:feeds-ask', (answer) => answer(this.openFeeds()));
    this.io.sockets.on('ferry:feeds-held', (open) => this.remoteFeeds.add(open));
    this.askOpenFeeds();
  }

  /**
   * This node's connection to the other nodes came back after an outage (Redis restarted, or a
   * blip between this node and Redis). Openings told meanwhile, by this node or to it, may be
   * lost both ways: this node publishes everything again until the others have said what they
   * have open, and tells them the feeds it holds.
   */
  crossNodeResumed(): void {
    if (!this.#crossNode || this.#stopped) return;
    this.#epoch += 1;
    this.remoteFeeds.forget();
    if (this.#askTimer) clearTimeout(this.#askTimer);
    this.#askTimer = null;
    this.askOpenFeeds();
    if (this.listeners.size > 0) this.io.serverSideEmit('ferry:feeds-held', this.openFeeds());
  }

  /** Stops asking other nodes (the app is closing). */
  stop(): void {
    this.#stopped = true;
    if (this.#askTimer) clearTimeout(this.#askTimer);
  }

  /**
   * A new message: every socket of every member except the one that sent it (it has the ack), and
   * SSE feeds of the conversation. Sockets get it compact, with the rest of the conversation's
   * messages of this tick (a group commit settles its whole batch in one tick): one packet and one
   * write per socket instead of one per message (messagePackets.ts).
   */
  message(message: Message, exceptSocketId?: string): void {
    let pending = this.#messages.get(message.conversationId);
    if (!pending) {
      if (this.#messages.size === 0) process.nextTick(() => this.flushMessages());
      pending = [];
      this.#messages.set(message.conversationId, pending);
    }
    pending.push({ message: compactMessage(message), from: exceptSocketId });
    this.publish(message.conversationId, { type: 'message', message });
  }

  /**
   * Sends the messages waiting for the end of the tick. Each socket gets one packet of a
   * conversation's, in seq order, without its own: the sockets that sent none get them all, each
   * socket that sent some gets the others' alone. Every other emit calls this first, so each
   * socket still gets this node's events in the order they happened.
   */
  private flushMessages(): void {
    if (this.#messages.size === 0) return;
    const waiting = this.#messages;
    this.#messages = new Map();
    for (const [conversationId, sent] of waiting) {
      // A commit settles its entries in order, but a sendBatch's later entries reach here after
      // other senders' entries of the same commit.
      sent.sort((a, b) => a.message.seq - b.message.seq);
      const senders = [...new Set(sent.flatMap((s) => (s.from ? [s.from] : [])))];
      const room = this.io.to(convRoom(conversationId));
      (senders.length > 0 ? room.except(senders) : room).emit(
        ServerEvent.message,
        ...sent.map((s) => s.message),
      );
      // Through the adapter like the room's packet, not io.local: a cluster adapter delivers even
      // to this node's sockets only once it has published, so a local emit could overtake one.
      for (const socketId of senders) {
        const others = sent.filter((s) => s.from !== socketId).map((s) => s.message);
        if (others.length > 0) this.io.to(socketId).emit(ServerEvent.message, ...others);
      }
    }
  }

  /** A member's receipts changed: everyone in the conversation (the member's other devices too). */
  receipt(receipt: Receipt): void {
    this.flushMessages();
    this.io.to(convRoom(receipt.conversationId)).emit(ServerEvent.receipt, receipt);
    this.publish(receipt.conversationId, { type: 'receipt', receipt });
  }

  /** Typing: everyone in the conversation except the socket it came from. */
  typing(notice: TypingNotice, exceptSocketId?: string): void {
    this.flushMessages();
    this.toConversation(notice.conversationId, exceptSocketId).emit(ServerEvent.typing, notice);
  }

  /** Presence changed: members of the user's conversations (each socket once). */
  presence(conversationIds: readonly string[], notice: PresenceNotice): void {
    // io.to([]) would mean "everyone": only emit when there is someone to tell.
    if (conversationIds.length === 0) return;
    this.flushMessages();
    this.io.to(conversationIds.map(convRoom)).emit(ServerEvent.presence, notice);
  }

  /** The user (every device, every node) now belongs to a conversation. */
  joined(userId: string, summary: ConversationSummary): void {
    this.announce({ type: 'joined', userId, conversationId: summary.id });
    this.io.to(userRoom(userId)).emit(ServerEvent.joined, summary);
  }

  /**
   * The user (every device, every node) left a conversation: sockets leave its room and SSE feeds
   * of it close. Call only once the store has removed the membership.
   */
  left(userId: string, conversationId: string): void {
    this.announce({ type: 'left', userId, conversationId });
    this.io.to(userRoom(userId)).emit(ServerEvent.left, { conversationId });
  }

  /**
   * A session ended (signed out or revoked): every socket and SSE feed opened with it, on every
   * node, is closed. Call only once the store has deleted the session.
   */
  endSession(tokenHash: string): void {
    this.announce({ type: 'session-ended', tokenHash });
  }

  /** Tells a conversation's sockets, except the new member's own, that a member joined. */
  memberJoined(conversationId: string, member: Member): void {
    this.flushMessages();
    this.io
      .to(convRoom(conversationId))
      .except(userRoom(member.userId))
      .emit(ServerEvent.memberJoined, { conversationId, member });
  }

  /** Tells a conversation's sockets that a member left. */
  memberLeft(conversationId: string, userId: string): void {
    this.flushMessages();
    this.io.to(convRoom(conversationId)).emit(ServerEvent.memberLeft, { conversationId, userId });
  }

  /**
   * Listens to one conversation's bus events on this node (SSE). The first listener of a
   * conversation here tells the other nodes to publish its events across (see RemoteFeeds).
   */
  subscribe(conversationId: string, listener: BusListener): BusSubscription {
    let set = this.listeners.get(conversationId);
    if (!set) {
      set = new Set();
      this.listeners.set(conversationId, set);
      this.heardEverywhere.set(conversationId, this.tellFeeds(conversationId, true));
    }
    set.add(listener);
    return {
      heard: this.heardEverywhere.get(conversationId) ?? Promise.resolve(),
      unsubscribe: () => {
        const current = this.listeners.get(conversationId);
        if (!current?.delete(listener) || current.size > 0) return;
        this.listeners.delete(conversationId);
        this.heardEverywhere.delete(conversationId);
        void this.tellFeeds(conversationId, false);
      },
    };
  }

  /**
   * Tells the other nodes this node's first feed of a conversation opened or its last closed;
   * an opening settles once each has answered (or the adapter gave up waiting).
   */
  private async tellFeeds(conversationId: string, open: boolean): Promise<void> {
    if (!this.#crossNode) return;
    const change: FeedChange = { node: this.nodeId, conversationId, open };
    // A closing is not waited for: the other nodes publishing a little longer loses nothing.
    if (!open) {
      this.io.serverSideEmit('ferry:feeds', change, () => undefined);
      return;
    }
    await this.io.serverSideEmitWithAck('ferry:feeds', change).catch(() => undefined);
  }

  /**
   * Until every other node has said which conversations it has feeds open in, this node publishes
   * all of them; asks again while no node answers (alone, or not subscribed yet).
   */
  private askOpenFeeds(): void {
    if (this.#stopped || this.remoteFeeds.known || this.#asking) return;
    this.#asking = true;
    const epoch = this.#epoch;
    const settled = (answers: readonly OpenFeeds[]): void => {
      this.#asking = false;
      // Dropped meanwhile (crossNodeResumed): these answers may predate the outage; ask anew.
      if (epoch !== this.#epoch) this.askOpenFeeds();
      else if (answers.length > 0) this.remoteFeeds.learn(answers);
      else this.askAgain();
    };
    this.io.serverSideEmitWithAck('ferry:feeds-ask').then(settled, () => settled([]));
  }

  private askAgain(): void {
    if (this.#stopped) return;
    this.#askTimer = setTimeout(() => this.askOpenFeeds(), ASK_RETRY_MS);
    this.#askTimer.unref();
  }

  /** The conversations this node has feeds open in, as it tells the other nodes. */
  private openFeeds(): OpenFeeds {
    return { node: this.nodeId, conversationIds: [...this.listeners.keys()] };
  }

  /** The conversation's sockets on every node, less one socket if given. */
  private toConversation(conversationId: string, exceptSocketId?: string) {
    const to = this.io.to(convRoom(conversationId));
    return exceptSocketId ? to.except(exceptSocketId) : to;
  }

  /** Applies an access change here and tells the other nodes to apply it too. */
  private announce(change: AccessChange): void {
    // Messages from before the change go first, to the sockets that could see them then.
    this.flushMessages();
    this.applyAccess(change);
    if (!this.#crossNode) return;
    // Bus events from before the change go first: a feed closed by it still gets what it may see.
    this.flushBus();
    this.io.serverSideEmit('ferry:access', change);
    // serverSideEmit travels over Redis pub/sub, which a blip between a node and Redis loses; the
    // adapter's stream resumes after one, so the room change goes that way too (in order with
    // the broadcasts sent after it). Other nodes' SSE feeds also re-check access at each heartbeat.
    if (change.type === 'session-ended') {
      this.io.in(sessionRoom(change.tokenHash)).disconnectSockets(true);
    } else if (change.type === 'joined') {
      this.io.in(userRoom(change.userId)).socketsJoin(convRoom(change.conversationId));
    } else {
      this.io.in(userRoom(change.userId)).socketsLeave(convRoom(change.conversationId));
    }
  }

  /** This node's part of an access change, done in one turn (see the file header). */
  private applyAccess(change: AccessChange): void {
    if (change.type === 'session-ended') {
      const room = sessionRoom(change.tokenHash);
      this.io.local.in(room).disconnectSockets(true);
      this.feeds.closeSession(change.tokenHash);
      this.watch.touch(room);
      return;
    }
    const room = userRoom(change.userId);
    if (change.type === 'joined') {
      this.io.local.in(room).socketsJoin(convRoom(change.conversationId));
    } else {
      this.io.local.in(room).socketsLeave(convRoom(change.conversationId));
      this.feeds.closeConversation(change.userId, change.conversationId);
    }
    this.watch.touch(room);
  }

  /**
   * Delivers to this node's feeds now, and to the other nodes' with the rest of this tick's events:
   * a group commit settles its whole batch in one tick, so the batch crosses in one publish
   * instead of one per message, in order.
   */
  private publish(conversationId: string, event: BusEvent): void {
    this.deliverLocal(event, conversationId);
    if (!this.#crossNode || !this.remoteFeeds.wanted(conversationId)) return;
    if (this.#outbound.push(event) === 1) process.nextTick(() => this.flushBus());
  }

  private flushBus(): void {
    if (this.#outbound.length === 0) return;
    const events = this.#outbound;
    this.#outbound = [];
    this.io.serverSideEmit('ferry:bus', events);
  }

  private deliverLocal(event: BusEvent, conversationId = busConversationId(event)): void {
    const set = this.listeners.get(conversationId);
    if (!set) return;
    for (const listener of set) {
      try {
        listener(event);
      } catch {
        // One broken feed must not stop the others; feeds handle their own errors.
      }
    }
  }
}

function busConversationId(event: BusEvent): string {
  return event.type === 'message' ? event.message.conversationId : event.receipt.conversationId;
}
