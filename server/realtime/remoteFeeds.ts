/**
 * Which conversations have a live feed (SSE) open on some other node, so a node publishes a
 * conversation's bus events across only when some node has a feed there to hear them: with no
 * feed open anywhere (the usual case: clients on sockets) a tick's messages stay on this node.
 *
 * How a node learns it, and why no feed misses a message:
 * - A node opening its first feed of a conversation tells every other node and waits for each
 *   to answer (serverSideEmitWithAck) before the feed reads its backlog from the store. A message
 *   committed before the answers is in that backlog; one committed after is published across.
 * - A node starting asks the others for every conversation they have feeds open in, and until all
 *   of them have answered it publishes every conversation's events (`known` false). An opening
 *   told before this node subscribed is in the answer: a node answers from its own list, which
 *   holds a feed before the feed's opening is told.
 * - A node whose Redis connection comes back after an outage may have missed openings, and its
 *   own may not have reached the others: it publishes everything again until the others have
 *   answered a new ask (`forget`), and tells them the feeds it holds (`add`). While Redis is
 *   away an opening is told to nobody and settles at once: the feed reads its backlog then.
 * - Answers are added to what was heard, never put in its place: an opening heard before an
 *   (older) answer arrives stays. So an error here can only keep a conversation published that
 *   no longer needs it (a closing lost, a node gone without closing its feeds), never leave a
 *   feed without its messages. Feeds also re-read the store at every heartbeat, which covers an
 *   announcement lost with Redis pub/sub (and what was committed during an outage).
 */

/** One node's feeds of one conversation opened (first feed) or closed (last feed). */
export interface FeedChange {
  node: string;
  conversationId: string;
  open: boolean;
}

/** A node's answer to a starting node: the conversations it has feeds open in. */
export interface OpenFeeds {
  node: string;
  conversationIds: string[];
}

export class RemoteFeeds {
  /** Conversation id -> the other nodes with a feed open in it. */
  private readonly byConversation = new Map<string, Set<string>>();
  /** False until every other node has said what it has open: until then all is published. */
  #known = false;

  get known(): boolean {
    return this.#known;
  }

  /** True when some other node may have a feed open in the conversation. */
  wanted(conversationId: string): boolean {
    return !this.#known || this.byConversation.has(conversationId);
  }

  apply(change: FeedChange): void {
    let nodes = this.byConversation.get(change.conversationId);
    if (change.open) {
      if (!nodes) this.byConversation.set(change.conversationId, (nodes = new Set()));
      nodes.add(change.node);
      return;
    }
    if (!nodes) return;
    nodes.delete(change.node);
    if (nodes.size === 0) this.byConversation.delete(change.conversationId);
  }

  /** Adds a node's open feeds to what was heard (an answer, or a node back after an outage). */
  add({ node, conversationIds }: OpenFeeds): void {
    for (const conversationId of conversationIds) this.apply({ node, conversationId, open: true });
  }

  /** Every other node's answer has arrived: from now on only what they have open is published. */
  learn(answers: readonly OpenFeeds[]): void {
    for (const answer of answers) this.add(answer);
    this.#known = true;
  }

  /**
   * Openings may have been lost (an outage between this node and the others): everything is
   * published again until learn. What was heard stays, as answers only ever add to it.
   */
  forget(): void {
    this.#known = false;
  }
}
