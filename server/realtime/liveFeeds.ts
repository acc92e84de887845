/**
 * This node's open SSE feeds, by user and by session, so a leave, a sign-out or a session's end
 * closes them the moment this node hears of it (sockets are handled by their rooms).
 */

/** An open feed as revocation sees it. */
export interface LiveFeed {
  userId: string;
  sessionHash: string;
  conversationId: string;
  /** Ends the feed; nothing more is written to it. */
  close(): void;
}

export class LiveFeeds {
  private readonly byUser = new Map<string, Set<LiveFeed>>();
  private readonly bySession = new Map<string, Set<LiveFeed>>();

  /** Registers an open feed; returns the function that unregisters it. */
  add(feed: LiveFeed): () => void {
    addTo(this.byUser, feed.userId, feed);
    addTo(this.bySession, feed.sessionHash, feed);
    return () => {
      removeFrom(this.byUser, feed.userId, feed);
      removeFrom(this.bySession, feed.sessionHash, feed);
    };
  }

  /** Closes the user's feeds of one conversation (the user left it). */
  closeConversation(userId: string, conversationId: string): void {
    for (const feed of [...(this.byUser.get(userId) ?? [])]) {
      if (feed.conversationId === conversationId) feed.close();
    }
  }

  /** Closes every feed opened with this session (signed out or expired). */
  closeSession(sessionHash: string): void {
    for (const feed of [...(this.bySession.get(sessionHash) ?? [])]) feed.close();
  }
}

function addTo(map: Map<string, Set<LiveFeed>>, key: string, feed: LiveFeed): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(feed);
}

function removeFrom(map: Map<string, Set<LiveFeed>>, key: string, feed: LiveFeed): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(feed);
  if (set.size === 0) map.delete(key);
}
