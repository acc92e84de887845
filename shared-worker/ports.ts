import { PING_INTERVAL_MS, TAB_TIMEOUT_MS, type HubToTab } from './protocol';

/** One tab as the hub sees it: a SharedWorker MessagePort, or a virtual port over BroadcastChannel. */
export interface HubPort {
  post(message: HubToTab): void;
  /** Stops delivering to the tab (it closed or stopped answering). */
  close(): void;
}

/** Adapts a MessagePort (SharedWorker `connect`, or MessageChannel) to a HubPort. */
export function messagePortAdapter(port: MessagePort): HubPort {
  return {
    post: (message) => port.postMessage(message),
    close: () => port.close(),
  };
}

/**
 * The tabs the hub serves. Tabs are forgotten when they say goodbye, when their port reports
 * `close`, or when they stop answering pings (a crashed or frozen tab says nothing).
 */
export class PortRegistry {
  private readonly lastSeen = new Map<HubPort, number>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    /** Called when the last tab is gone. */
    private readonly onEmpty: () => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  /** Number of tabs being served. */
  get size(): number {
    return this.lastSeen.size;
  }

  add(port: HubPort): void {
    this.lastSeen.set(port, this.now());
    this.timer ??= setInterval(() => this.sweep(), PING_INTERVAL_MS);
  }

  /** The tab said something: it is alive. */
  touch(port: HubPort): void {
    if (this.lastSeen.has(port)) this.lastSeen.set(port, this.now());
  }

  remove(port: HubPort): void {
    if (!this.lastSeen.delete(port)) return;
    port.close();
    if (this.lastSeen.size === 0) {
      if (this.timer !== undefined) clearInterval(this.timer);
      this.timer = undefined;
      this.onEmpty();
    }
  }

  has(port: HubPort): boolean {
    return this.lastSeen.has(port);
  }

  /** Forgets every tab (the hub is stopping). */
  clear(): void {
    for (const port of [...this.lastSeen.keys()]) this.remove(port);
  }

  /** Sends a message to every tab. */
  broadcast(message: HubToTab): void {
    for (const port of this.lastSeen.keys()) port.post(message);
  }

  private sweep(): void {
    const cutoff = this.now() - TAB_TIMEOUT_MS;
    for (const [port, seen] of [...this.lastSeen]) {
      if (seen < cutoff) this.remove(port);
      else port.post({ kind: 'ping' });
    }
  }
}
